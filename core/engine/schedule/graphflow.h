// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/recipe.h"
#include "run/runcontext.h"
#include "task/taskresult.h"
#include "task/taskrunner.h"

#include <QHash>
#include <QSet>

namespace Peal::Internal {

class Worktrees;

/*
 * A graph plan with parallel = true, isolation = "worktree" and commit_after_phase2: every task
 * whose waits are done starts the moment a max_parallel slot is free (work-conserving over the
 * whole graph, not wave by wave). A task's stream takes a snapshot of the checkout - which by
 * then holds every task it waits for - adds its worktree and runs the concurrent phases (plan,
 * execute) there; its slot is free again as it ends. Then, one task at a time in the order the
 * streams ended, the checkout takes the task's changes (merged as a parallel block merges them),
 * commits them as the task's own commit and runs its remaining phases (the review), so reviews
 * never share the checkout; once that is done, the tasks waiting for it may start.
 *
 * A failed task's dependents are blocked by it. Without continue_with_remaining_tasks no new
 * task starts after a failure and the running ones finish; the first failure is the flow's
 * error.
 */
class GraphFlow : public QObject
{
    Q_OBJECT

public:
    struct Report
    {
        QList<TaskResult> results;          // tasks whose every phase succeeded, in the order they ended
        QList<std::pair<quint32, Error>> failures; // in the order they failed
        QMap<quint32, quint32> blocked;     // task -> the failed task it waits for
        std::optional<Error> cap;           // max_consecutive_task_failures was reached
        bool interrupted = false;
    };

    // `order`: the run's tasks, each after those it waits for (PlanGraph::order).
    GraphFlow(RunContext &run, const Pipeline &pipeline, QList<quint32> order, QObject *parent = nullptr);
    ~GraphFlow() override;

    // The flow as one subtree of the run's recipe; `done` gets the report (not when cancelled).
    Step step(std::function<void(Report)> done);

private:
    Step flow();
    void fill();
    QList<quint32> ready();
    Step streamRecipe(quint32 task);
    Step mainRecipe(quint32 task);
    void streamEnded(quint32 task, const Result<TaskResult> &result);
    void integrateNext();
    void taskEnded(quint32 task, const Result<TaskResult> &result);
    void failed(quint32 task, const Error &error);
    void settleIfIdle();
    TaskRunner *makeRunner(quint32 task, bool stream);

    RunContext &m_run;
    const Pipeline &m_pipeline;
    QList<quint32> m_order;
    QSet<quint32> m_inRun;             // m_order, for look-ups
    qsizetype m_split = 0;
    Worktrees *m_worktrees = nullptr;
    std::optional<StepHandle> m_flow;
    int m_streams = 0;                 // streams running (each holds a slot)
    bool m_mainBusy = false;           // a task is being integrated and reviewed in the checkout
    QList<quint32> m_waiting;          // streams that ended well, waiting for the checkout
    QSet<quint32> m_started;
    QSet<quint32> m_finished;          // done in this run
    QSet<quint32> m_failedSet;
    QHash<quint32, QString> m_workspaces;
    QHash<quint32, TaskRunner::ResumePoint> m_resume;
    bool m_stopping = false;           // a failure without continue: no new stream
    quint32 m_consecutiveFailures = 0; // in the order tasks ended
    Report m_report;
    std::function<void(Report)> m_done;
};

} // namespace Peal::Internal
