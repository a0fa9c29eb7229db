// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QMap>
#include <QString>

namespace Peal::Cli {

/*
 * A run as its journal tells it (`<state_dir>/runs/<run id>.jsonl`), folded event by event:
 * each task's state and phase, the rate-limit wait, whether the run ended. `peal status` and
 * `peal status --watch` read runs in progress through it.
 */
struct RunProgress
{
    struct Task
    {
        QString state = QStringLiteral("pending"); // pending, running, done, failed, interrupted
        QString phase;
        QString note; // the review's count, "no changes", the error
    };

    int taskCount = 0;
    int alreadyDone = 0;
    QMap<quint32, Task> tasks;
    QString wait;
    bool ended = false;
    int exitCode = 0;

    // Applies one journal event; returns the line that tells it, or empty.
    QString apply(const QJsonObject &event);
    int done() const;
    // "task 3 in execute, task 4 in plan" (empty: none running).
    QString running() const;

    // The journal of the newest run of a state directory (run ids sort by time), or empty.
    static QString newestJournal(const QString &stateDir);
};

} // namespace Peal::Cli
