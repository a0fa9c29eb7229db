// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

#include <QHash>
#include <QStringList>

#include <memory>

namespace Peal {

/*
 * How far each task got, phase by phase: `<state_dir>/task_progress.jsonl`, beside the
 * reference's state.json (which says only "completed"). A line is appended when a phase of a
 * task is done, its edits safe (committed, or left in the checkout it works in), and when a
 * task is reset; the last line of a task wins. A run resumes each task at the first phase not
 * done, with the plan text kept, so no paid phase runs twice (docs/decisions.md).
 *
 * A task is done when state.json marks it completed and the ledger does not say it still
 * owes a phase: a parallel block marks its tasks completed before their reviews, as the
 * reference does, and the ledger keeps the reviews owed.
 */
class PEAL_EXPORT TaskLedger
{
public:
    struct Entry
    {
        QStringList phases;       // the task's phases in the run that recorded it
        qsizetype done = 0;       // how many of them are done
        bool commitPending = false; // the last one done edits that are not committed yet
        QString planText;         // the plan phase's text, when it ran
        QString taskDigest;       // of the task's text: an edited task starts over
        friend bool operator==(const Entry &, const Entry &) = default;
    };

    TaskLedger();
    ~TaskLedger();
    TaskLedger(TaskLedger &&) noexcept;
    TaskLedger &operator=(TaskLedger &&) noexcept;

    static QString path(const QString &stateDir);

    // Reads the ledger of `stateDir`: a missing file is an empty ledger, lines that cannot be
    // read (a torn last line) are skipped; a file that cannot be opened is an error. Later
    // appends go to the same file.
    static Result<TaskLedger> load(const QString &stateDir);

    std::optional<Entry> entry(quint32 task) const;
    // Whether the task still owes phases of the run that recorded it.
    bool owesPhases(quint32 task) const;
    // How many phases of `phases` the task, whose text is `taskText`, has done: its recorded
    // phases must begin the same way and its text be the same; 0 when nothing is recorded.
    qsizetype resumeAt(quint32 task, const QStringList &phases, const QString &taskText) const;
    static QString digest(const QString &taskText);

    // The plan and repository the ledger speaks of; empty when it does not say.
    const QString &planPath() const;
    const QString &repoPath() const;
    // Records that the ledger now speaks of this plan and repository (a line, when it changes).
    Result<void> setContext(const QString &planPath, const QString &repoPath);
    // A task done by state.json's mark (`completed`) and not owing a phase.
    bool isDone(quint32 task, bool completed) const { return completed && !owesPhases(task); }

    // Appends (best effort: an error is returned for the log, the ledger in memory is updated).
    Result<void> phaseDone(quint32 task, const Entry &entry);
    // The task starts over from its first phase (peal run --redo, peal reset).
    Result<void> reset(quint32 task);
    Result<void> resetAll();
    // Rewrites the file with one line per recorded task when it has grown past twice that
    // (start of a run, under the lock).
    Result<void> compact();

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Peal
