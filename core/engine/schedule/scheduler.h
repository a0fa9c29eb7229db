// SPDX-License-Identifier: MIT
#pragma once

#include "schedule/parallelblock.h"
#include "recipe/recipe.h"
#include "run/runcontext.h"
#include "task/taskresult.h"

#include <QHash>
#include <QSet>

namespace Peal::Internal {

class TaskRunner;

// Whether a parallel block with `pending` tasks left runs them side by side (spec §4.7), or one
// after another as the sequential fallback does (§4.8).
bool blockRunsConcurrently(const Config &config, qsizetype pending);

/*
 * Walks the plan's segments (spec §4.5) as a sequence recipe, one step per segment: skips completed tasks, runs each task through a
 * TaskRunner, runs parallel blocks concurrently through a ParallelBlock (§4.7) or in the
 * sequential fallback (§4.8), and applies the failure policies - the consecutive-failure cap
 * (checked first), continue_with_remaining_tasks, and the fallback's stop at any failure.
 */
class PEAL_EXPORT Scheduler : public QObject
{
    Q_OBJECT

public:
    Scheduler(RunContext &run, const Pipeline &pipeline, QObject *parent = nullptr);

    // The run's schedule, a subtree of its recipe: one step per segment, each running its task
    // or block as its own subtree. `done` gets the outcome (not when the run is cancelled).
    Step step(std::function<void(Result<RunOutcome>)> done);

private:
    // What ends the schedule, whatever walked it: the outcome, or nothing when cancelled.
    Step finishing(Step walk);
    // A graph plan (graphschedule.cpp): waves of the tasks whose waits are done, until none is
    // ready; a failed task's dependents are blocked by it.
    Step graphStep();
    void startWave(const StepHandle &step);
    QList<quint32> readyTasks();
    std::optional<Error> unmetWaitsOfOnlyTask() const;
    // Whether the graph runs as one work-conserving flow (GraphFlow) rather than in waves.
    bool runsAsFlow() const;
    void runFlow(const StepHandle &step);
    void reportBlocked();

    // True (and the segment's step done) if the current segment was already done.
    bool skipSegment();
    // Ends the current segment's step: success goes on with the next segment, an error stops.
    void segmentDone(const Result<void> &result);
    void startSegment();
    void runSequential(quint32 index);
    void runFallback(const QList<quint32> &pending, qsizetype next);
    void runBlock(const QList<quint32> &indices, const QList<quint32> &pending);
    void applyBlock(const QList<quint32> &indices, const ParallelBlock::Report &report);
    // Counts the block's outcomes in segment order (spec §4.7 step 6); the cap error if reached.
    std::optional<Error> countBlock(const QList<quint32> &indices, const QList<quint32> &failed);
    void runTask(quint32 index, std::function<void(Result<TaskResult>)> done);

    // Counts a failure; returns the cap error when the cap is reached.
    std::optional<Error> countFailure();
    // Whether a task's error ends the run at once (interrupted, a budget reached).
    bool stopsRun(const Error &error) const;
    void finish(const Result<RunOutcome> &result);

    RunContext &m_run;
    const Pipeline &m_pipeline;
    std::function<void(Result<RunOutcome>)> m_done;
    RunOutcome m_outcome;
    qsizetype m_segment = -1;
    qsizetype m_next = 0; // the segment the loop takes next
    std::optional<StepHandle> m_step; // the current segment's step
    int m_position = 0;
    quint32 m_consecutiveFailures = 0;
    // A graph plan's walk.
    QList<quint32> m_graphOrder;        // the run's tasks, each after those it waits for
    QSet<quint32> m_graphTasks;         // the same, for look-ups
    QSet<quint32> m_started;            // tasks this run has run (or tried to)
    QHash<quint32, quint32> m_blocked;  // task -> the failed task it waits for
    bool m_graphEnded = false;
};

} // namespace Peal::Internal
