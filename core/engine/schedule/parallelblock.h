// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/recipe.h"
#include "run/runcontext.h"
#include "task/taskresult.h"
#include "task/taskrunner.h"

#include <QHash>

namespace Peal::Internal {

class Worktrees;

/*
 * The concurrent path of a parallel block (spec §4.7). Each pending task's concurrent phases
 * (plan, execute) run as one stream, a leaf of a parallel recipe that admits at most
 * max_parallel streams at once and starts the next the moment one ends (work-conserving, no
 * batches). After a failure no new stream starts unless continue_with_remaining_tasks. With isolation = "worktree" every stream
 * works in its own worktree, added as the stream starts, and the results are merged back in
 * task order (Worktrees). A line "parallel block progress" follows every start and end.
 *
 * Then, as the reference: successes are marked completed and saved, the block is committed
 * once, and the remaining phases (address) run one task at a time in segment order, stopping
 * at the first failure. The Scheduler applies the failure policies to the Report.
 */
class ParallelBlock : public QObject
{
    Q_OBJECT

public:
    struct Failure
    {
        quint32 index = 0;
        Error error;
    };

    struct Report
    {
        QList<TaskResult> results;           // tasks whose every phase succeeded, segment order
        QList<Failure> streamFailures;       // phase 1/2 (or merge) failures, in start order
        std::optional<Failure> phase3Failure; // the first failure after the block's commit
        std::optional<Error> abort;          // state write, commit or isolation set-up: stop the run
        bool interrupted = false;
    };

    // `indices` is the whole segment, `pending` its tasks not completed yet (segment order);
    // `firstPosition` is the 1-based position of the segment's first task in the run.
    ParallelBlock(RunContext &run, const Pipeline &pipeline, QList<quint32> indices,
                  QList<quint32> pending, int firstPosition, QObject *parent = nullptr);
    ~ParallelBlock() override;

    // The block's subtree of the run's recipe; `done` gets its report (not when the run is
    // cancelled: the runner's cancel ends every stream at once).
    Step step(std::function<void(Report)> done);

private:
    class Stream;
    // The block as one subtree: worktrees, streams, merge, mark, commit, tail.
    Step recipe();
    Step streams();
    void stopQueuedStreams();
    void progressChanged();
    void logProgress();
    Result<void> collectStreams();
    void recordMergeFailures();
    Result<void> markCompleted();
    Step commitBlock();
    Step tail();
    Step tailTask(quint32 index);
    void finish(const Result<void> &result);
    int positionOf(quint32 index) const;
    // A stream (the concurrent phases from `resume`) or a task's tail (the phases after them).
    enum class Part { Stream, Tail };
    TaskRunner *makeRunner(quint32 index, Part part, const TaskRunner::ResumePoint &resume, const QString &workspace);
    // The block's tasks whose concurrent phases are done, with their edits committed (or in
    // the checkout) by now: recorded in the task ledger.
    void recordConcurrentPhasesDone(const QList<quint32> &tasks, bool commitPending);

    RunContext &m_run;
    const Pipeline &m_pipeline;
    QList<quint32> m_indices;
    QList<quint32> m_pending;
    int m_firstPosition;
    qsizetype m_split = 0; // first phase that runs after the block's commit
    QList<Stream *> m_streamList;
    Worktrees *m_worktrees = nullptr;
    QList<quint32> m_succeeded;          // streams that succeeded, segment order
    // Tasks whose concurrent phases an earlier run did: only their tail runs (resumed there).
    QHash<quint32, TaskRunner::ResumePoint> m_resumed;
    QList<quint32> m_partial;            // failed after editing the shared checkout
    QHash<quint32, TaskData> m_data;
    bool m_progressQueued = false;
    Report m_report;
    std::function<void(Report)> m_done;
};

} // namespace Peal::Internal
