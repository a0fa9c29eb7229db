// SPDX-License-Identifier: MIT
#pragma once

#include <peal/progress.h>
#include <peal/sdk/result.h>

#include <QJsonObject>

#include <memory>

namespace Peal {

/*
 * The journal of a run: `<state_dir>/runs/<run id>.jsonl`, one JSON object per line, each
 * with a sequence number ("seq", from 1) and a time ("time", RFC 3339 UTC), then the event's
 * "kind" and fields. Appended as the run goes; the file is written by a thread of its own, so
 * a slow disk never holds the event loop. A line torn by a kill is ignored on reading.
 *
 * Bounded: past kSoftLimit bytes the agents' activity lines (tool calls) are left out and one
 * "journal_trimmed" line says so; past kHardLimit nothing more is written but the run's end.
 */
class PEAL_EXPORT RunJournal
{
public:
    static constexpr qint64 kSoftLimit = 32 * 1024 * 1024;
    static constexpr qint64 kHardLimit = 64 * 1024 * 1024;

    RunJournal();
    ~RunJournal(); // writes what is queued, then closes
    RunJournal(const RunJournal &) = delete;
    RunJournal &operator=(const RunJournal &) = delete;

    static QString path(const QString &stateDir, const QString &runId);

    // Starts writing to `path` (its directory is made); nothing is written before.
    Result<void> open(const QString &path);
    bool isOpen() const;
    // Appends one event (`kind` and its fields); returns its sequence number (0: not written).
    quint64 append(const QString &kind, QJsonObject fields);
    // A progress event as a journal line (the run's tasks, phases, calls, commits, waits).
    quint64 append(const ProgressEvent &event);
    // Waits until every queued line is written (tests, the end of a run).
    void flush();

    // The events of a journal file with seq > `after`, in order; a torn last line is left out.
    static Result<QList<QJsonObject>> read(const QString &path, quint64 after = 0);

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Peal
