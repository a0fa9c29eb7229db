// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>
#include <peal/sdk/extensions.h>

#include <QByteArray>
#include <QHash>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>
#include <optional>

namespace Peal {

/*
 * A description of one child process. Plugins build these; only the core runs them. No shell
 * is involved: `program` is executed directly with `arguments` as its argv.
 */
struct PEAL_EXPORT ProcessSpec
{
    enum class Stdin {
        Inherit, // the child reads peal's stdin (agents, stet, post-run commands)
        Null,    // the child reads /dev/null (git)
        Data,    // the child reads `stdinData`, then end of file (a prompt too long for argv)
    };

    QString program;
    QStringList arguments;
    QString workingDirectory;               // empty: peal's current directory
    QHash<QString, QString> environment;    // added to (overriding) peal's own environment
    Stdin stdinMode = Stdin::Inherit;
    QByteArray stdinData;                   // Stdin::Data only; never logged
    std::optional<std::chrono::milliseconds> timeout; // none: wait as long as it takes
    // Silence allowed: with no output on stdout or stderr for this long, the process tree is
    // ended as for a timeout and the result says `idle` (the stall watchdog). None: no limit.
    std::optional<std::chrono::milliseconds> idleTimeout;

    // Bytes of stdout and of stderr kept in memory; the rest is drained and counted.
    qint64 captureLimit = 10 * 1024 * 1024;

    // Hand every complete line of stdout and stderr to the owner as it arrives (an agent's JSON
    // stream). A line longer than maxLineLength bytes is cut there (the rest of it is counted
    // in linesCut, not delivered). Off, output is only captured.
    bool streamLines = false;
    qint64 maxLineLength = 1024 * 1024;

    // For logs and progress: what this process is for ("task 3 phase 1", "stet run").
    QString label;
    // The last argument is a prompt: logs show "<prompt len=N>" instead.
    bool lastArgumentIsPrompt = false;
    Extensions extensions = {};
};

// Which of a child's outputs a line came from.
enum class OutputChannel { Stdout, Stderr };

// The longest timeout a process can have: QTimer counts milliseconds in an int (about 24.8
// days). Longer timeouts are clamped to it.
inline constexpr std::chrono::milliseconds kLongestTimeout{2147483647};

// How a process ended. Every ending produces exactly one result.
enum class ProcessEnding {
    Exited,        // it exited by itself; exitCode is valid
    FailedToStart, // it never ran (program missing, not executable, bad directory, ...)
    Crashed,       // it was killed by a signal that peal did not send
    TimedOut,      // peal ended its process tree because the timeout elapsed
    Cancelled,     // peal ended its process tree because the run was cancelled
};

struct PEAL_EXPORT ProcessResult
{
    ProcessEnding ending = ProcessEnding::FailedToStart;
    int exitCode = -1;          // meaningful when ending == Exited
    QString stdoutText;         // captured head of stdout, invalid UTF-8 replaced by U+FFFD
    QString stderrText;
    qint64 stdoutBytes = 0;     // everything the child wrote, captured or not
    qint64 stderrBytes = 0;
    bool stdoutTruncated = false; // more was written than captureLimit
    bool stderrTruncated = false;
    QString errorString;        // why it failed to start, for messages
    std::chrono::milliseconds duration{0};
    int signal = 0;             // Crashed: the signal that ended it
    qint64 linesCut = 0;        // streamLines: lines longer than maxLineLength
    bool idle = false;          // TimedOut: because of spec.idleTimeout (silence), not the wall clock
    // Set by the core for a call run through an executor: the executor's own failure
    // (ExecutorPlugin::failureOf), e.g. "slurm: job 12 cancelled due to time limit".
    std::optional<QString> executorFailure;
    Extensions extensions = {};

    bool success() const { return ending == ProcessEnding::Exited && exitCode == 0; }
    bool timedOut() const { return ending == ProcessEnding::TimedOut; }
    bool failedToStart() const { return ending == ProcessEnding::FailedToStart; }
    // The exit code as the reference reports it: none for signals, timeouts and cancels.
    std::optional<int> code() const
    {
        return ending == ProcessEnding::Exited ? std::optional<int>(exitCode) : std::nullopt;
    }
};

using ProcessCallback = std::function<void(const ProcessResult &)>;

// "SIGKILL" for 9; "signal 77" for a number without a name.
PEAL_EXPORT QString signalName(int signal);

// An exit status as messages and log lines show it: "1", "killed by SIGKILL", or "none" when the
// process did not exit by itself (timeout, cancel, failed start).
PEAL_EXPORT QString exitStatusText(const std::optional<int> &code, int signal);
PEAL_EXPORT QString exitStatusText(const ProcessResult &result);

// How the process ended, after its name in a message: "exited with code 1", "was killed by
// SIGKILL", "timed out", "was cancelled", "failed to start: <why>".
PEAL_EXPORT QString describeEnding(const ProcessResult &result);

// A git invocation in `repo`: stdin from /dev/null, no timeout, output captured (spec §6.3).
PEAL_EXPORT ProcessSpec gitSpec(const QString &repo, QStringList arguments);

// A command string split on ASCII whitespace (no shell, no quoting; spec §6.2) into a spec that
// runs in `workingDir` with stdin inherited, or nothing when the string is blank.
PEAL_EXPORT std::optional<ProcessSpec> commandSpec(const QString &command, const QString &workingDir,
                                                   std::chrono::milliseconds timeout);

} // namespace Peal

Q_DECLARE_METATYPE(Peal::ProcessResult)
