// SPDX-License-Identifier: MIT
#pragma once

#include <peal/config.h>
#include <peal/exitcode.h>
#include <peal/progress.h>

#include <QObject>

#include <memory>

namespace Peal {

class Logger;
class ProcessLauncher;

// Everything `peal run` needs beyond the configuration itself.
struct PEAL_EXPORT RunRequest
{
    Config config;
    std::optional<quint32> task;
    std::optional<quint32> fromTask;
    bool redo = false;                   // `task` runs even if completed (peal run --redo)
    QStringList pluginDirs;              // --plugin-dir, searched first
    std::optional<QString> pealLog;      // PEAL_LOG
    std::optional<QString> pathVariable; // PATH, for resolving the agent
    bool dryRun = false;                 // print the schedule on stdout, run nothing
    bool quiet = false;                  // stderr shows only "warning:" and "error:" lines
    bool logLines = true;                // log lines on stderr (off: the terminal view shows events)
    bool logToStateDir = false;          // no log_file: log to <state_dir>/peal.log once it is held
    // Where every process of the run comes from (agents, reviewers, git, notify and post-run
    // commands); none: local children. Engine tests inject a scripted one.
    std::shared_ptr<ProcessLauncher> launcher;
};

/*
 * One `peal run` from logging set-up to exit code (spec §4.1 steps 3-18): validation, plugins,
 * the agent, the plan, the state, the scheduler, post-run commands and the run summary. All
 * on the event loop; `finished` carries the exit code.
 */
class PEAL_EXPORT Engine : public QObject
{
    Q_OBJECT

public:
    explicit Engine(RunRequest request, QObject *parent = nullptr);
    ~Engine() override;

    void start();

    // The run's log; the command line routes its stderr lines (progress display, --quiet).
    Logger &logger();

    // Stops the run: running processes end (whole trees), state is saved, and the run
    // finishes with `exitCode` (130 for SIGINT, 143 for SIGTERM).
    void cancel(ExitCode exitCode);

Q_SIGNALS:
    void finished(int exitCode);
    void progress(const Peal::ProgressEvent &event);

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Peal
