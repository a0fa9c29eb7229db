// SPDX-License-Identifier: MIT
#pragma once

#include <peal/progress.h>

#include <QElapsedTimer>
#include <QList>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace Peal {
class Engine;
class Logger;
struct RunRequest;
}

namespace Peal::Cli {

/*
 * What `peal run` shows a person on a terminal.
 *
 * The live line (where the terminal allows cursor control): elapsed time, the running tasks with
 * their phase and how long it has run, and counts of done and failed tasks. Log lines are
 * printed above it: the view owns the logger's stderr writes, so the line is cleared before
 * each and drawn again after.
 *
 * The event lines (the default on a terminal, instead of the log lines): one line per task
 * that ends - done (how long it took, its review rounds, the commits made for it) or failed
 * (the phase and why) - and, when the run ends, a table
 * of the tasks (result, duration, commits, rounds). A rate-limit wait is a line of its own and
 * stays on the live line until it ends. Without the live line (TERM=dumb) each
 * phase that starts gets a line too, so that a long phase is not silence.
 */
class ProgressView : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        bool liveLine = true;    // the terminal takes cursor control (not TERM=dumb)
        bool eventLines = false; // print the task events and the final table
        bool color = false;
        QString logFile;         // where the log lines went, for the first line
    };

    ProgressView(Logger &logger, Options options, QObject *parent = nullptr);

    // How a run shows itself on this stderr: on a terminal, the event lines and the log in a
    // file, unless log lines were asked for (`verbose`, a log level, PEAL_LOG); off a terminal
    // the log lines, as always. Sets `request` accordingly.
    static Options optionsFor(RunRequest &request, bool verbose);
    // The view of `engine`'s run, or nullptr when there is nothing to show but log lines.
    static ProgressView *attach(Engine *engine, const Options &options, QObject *parent);
    ~ProgressView() override;

    void onProgress(const ProgressEvent &event);
    // Removes the line for good (the run is over).
    void close();

    // Whether stderr is a terminal at all, and whether it takes cursor control (TERM=dumb does not).
    static bool isTerminal();
    static bool takesCursorControl();

private:
    struct Running
    {
        QString phase;
        int position = 0;
        QElapsedTimer since;
        QString activity; // what its agent does now ("Edit src/app.cpp")
    };

    // What the final table says of a task.
    struct TaskRecord
    {
        qint64 firstStart = -1; // ms on m_clock
        qint64 lastEnd = 0;
        QString result;
        int rounds = -1;
        QStringList commitIds;  // short ids, in order
        QString sharedWith;     // the other tasks of a block's commit
        std::optional<double> costUsd; // what its agent calls cost, when a back-end said
        QStringList backEnds;   // the back-ends that did its calls, in order
        QString fallback;       // why its calls moved to another back-end (agent_fallback)
    };

    QString render() const;
    void draw();
    void clear();
    void writeLog(const QByteArray &line);
    void print(const QString &line);
    void printTask(quint32 task, const ProgressEvent &event);
    void printFindingsLeft(quint32 task, const ProgressEvent &event);
    void printTable();
    QString mark(bool ok) const;

    Logger &m_logger;
    Options m_options;
    bool m_visible = false;
    bool m_closed = false;
    QElapsedTimer m_clock;
    QTimer m_tick;
    QMap<quint32, Running> m_running;
    int m_total = 0;
    int m_alreadyDone = 0; // tasks done before this run
    QSet<quint32> m_done;   // a task's tail in a parallel block reports again: count once
    QSet<quint32> m_failed;
    std::optional<double> m_costUsd; // the run's agent cost so far, when a back-end reported one
    QMap<quint32, TaskRecord> m_tasks;
    struct Wait
    {
        QString line;     // "waiting for rate limit (claude), resumes 14:05"
        qint64 until = 0; // ms on m_clock
    };
    QMap<QString, Wait> m_waits; // by back-end
    QList<quint32> m_order; // the tasks in the order they started
};

} // namespace Peal::Cli
