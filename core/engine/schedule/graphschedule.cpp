// SPDX-License-Identifier: MIT
// The Scheduler's walk of a graph plan (`## Task 5 (after 2, 4)`, peal/plangraph.h): the tasks
// whose waits are done run as one wave - one task at a time with parallel = false, else side by
// side as a parallel block does (in worktrees with isolation = "worktree") - then the next wave
// is chosen. A failed task's dependents do not run: they are blocked by it.
#include "schedule/scheduler.h"

#include "schedule/graphflow.h"

#include <peal/plangraph.h>
#include <peal/textutil.h>

#include <QJsonArray>
#include <QJsonObject>

namespace Peal::Internal {

Step Scheduler::graphStep()
{
    QList<quint32> tasks;
    for (const Task &t : m_run.plan().tasks) {
        if (!tasks.contains(t.index))
            tasks.append(t.index);
    }
    m_graphOrder = PlanGraph::order(tasks, m_run.graph());
    m_graphTasks = QSet<quint32>(m_graphOrder.cbegin(), m_graphOrder.cend());
    m_run.logger().info(u"peal::runner", QStringLiteral("graph plan: tasks start when what they wait for is done"),
                        {{QStringLiteral("order"), Text::debugList(m_graphOrder)}});
    const Step wave = leafStep(QStringLiteral("wave"), [this](const StepHandle &step) { startWave(step); });
    return sequenceStep(QStringLiteral("graph"), {
        syncStep(QStringLiteral("waits of --task"), [this] {
            if (auto unmet = unmetWaitsOfOnlyTask())
                return Result<void>(*unmet);
            return Result<void>();
        }),
        runsAsFlow() ? leafStep(QStringLiteral("flow"), [this](const StepHandle &step) { runFlow(step); })
                     : loopStep(QStringLiteral("waves"), wave, [this] { return !m_graphEnded; }),
        syncStep(QStringLiteral("blocked"), [this] {
            reportBlocked();
            return Result<void>();
        }),
    });
}

bool Scheduler::runsAsFlow() const
{
    // Each task in its own worktree, committed on its own: a task may start whenever its waits
    // are done. A shared checkout, uncommitted changes or one slot run in waves instead.
    const Config &c = m_run.config();
    return c.parallel && c.maxParallel > 1 && c.isolation == u"worktree" && c.commitAfterPhase2
           && m_run.userTree().acceptedChanges().isEmpty() && !m_run.onlyTask();
}

void Scheduler::runFlow(const StepHandle &step)
{
    m_step = step;
    if (auto breach = m_run.budgetReached(0)) {
        m_run.budgetStopped(*breach, 0);
        return segmentDone(Error(Error::Kind::CapReached, breach->message));
    }
    auto *flow = new GraphFlow(m_run, m_pipeline, m_graphOrder, this);
    step.run(flow->step([this, flow](GraphFlow::Report report) {
                 flow->deleteLater();
                 m_outcome.results.append(report.results);
                 for (auto it = report.blocked.cbegin(); it != report.blocked.cend(); ++it)
                     m_blocked.insert(it.key(), it.value());
                 if (report.interrupted || m_run.isCancelled())
                     return segmentDone(interruptedError());
                 if (report.cap)
                     return segmentDone(*report.cap);
                 for (const auto &[task, error] : report.failures) {
                     if (stopsRun(error))
                         return segmentDone(error);
                 }
                 if (!report.failures.isEmpty() && !m_run.config().continueWithRemainingTasks)
                     return segmentDone(report.failures.first().second);
                 for (const auto &[task, error] : report.failures) {
                     m_outcome.failedTaskIndices.append(task);
                     m_run.logger().warning(u"peal::runner",
                                            error.toDisplayString() + QStringLiteral("; continuing with the remaining tasks"),
                                            {{QStringLiteral("task_index"), task}});
                 }
                 segmentDone({});
             }),
             [](Result<void>) {});
}

std::optional<Error> Scheduler::unmetWaitsOfOnlyTask() const
{
    const std::optional<quint32> &only = m_run.onlyTask();
    if (!only)
        return std::nullopt;
    QList<quint32> missing;
    for (quint32 w : m_run.graph().value(*only)) {
        if (!m_run.outcomes().isDone(w))
            missing.append(w);
    }
    if (missing.isEmpty())
        return std::nullopt;
    return Error(Error::Kind::TaskNotFound,
                 QStringLiteral("task %1 waits for task%2 %3, which %4 not done")
                     .arg(*only)
                     .arg(missing.size() == 1 ? QString() : QStringLiteral("s"), Text::joinIndices(missing),
                          missing.size() == 1 ? QStringLiteral("is") : QStringLiteral("are")),
                 QStringLiteral("run %1 first ('peal run --task %2'), or the whole plan")
                     .arg(missing.size() == 1 ? QStringLiteral("it") : QStringLiteral("them"))
                     .arg(missing.first()));
}

QList<quint32> Scheduler::readyTasks()
{
    const QList<quint32> &failed = m_outcome.failedTaskIndices;
    QList<quint32> ready;
    for (quint32 t : std::as_const(m_graphOrder)) {
        if (m_started.contains(t) || m_blocked.contains(t) || m_run.outcomes().isDone(t))
            continue;
        bool waiting = false;
        for (quint32 w : m_run.graph().value(t)) {
            if (!m_graphTasks.contains(w))
                continue; // outside this run (--from-task): met
            if (failed.contains(w) || m_blocked.contains(w)) {
                m_blocked.insert(t, m_blocked.value(w, w));
                waiting = true;
                break;
            }
            waiting = waiting || !m_run.outcomes().isDone(w);
        }
        if (!waiting && !m_blocked.contains(t))
            ready.append(t);
    }
    return ready;
}

void Scheduler::startWave(const StepHandle &step)
{
    m_step = step;
    QList<quint32> ready = readyTasks();
    if (ready.isEmpty()) {
        m_graphEnded = true;
        return step.done();
    }
    // A budget reached before (an earlier run, the task before): nothing more starts.
    if (auto breach = m_run.budgetReached(0)) {
        m_run.budgetStopped(*breach, 0);
        return segmentDone(Error(Error::Kind::CapReached, breach->message));
    }
    const Config &c = m_run.config();
    if (!c.parallel || !blockRunsConcurrently(c, ready.size()))
        ready = {ready.first()}; // one at a time, in plan order where the waits allow
    for (quint32 t : std::as_const(ready))
        m_started.insert(t);
    m_run.logger().info(u"peal::runner", QStringLiteral("graph plan: starting the ready tasks"),
                        {{QStringLiteral("tasks"), Text::debugList(ready)}});
    if (ready.size() == 1)
        return runSequential(ready.first());
    runBlock(ready, ready);
}

void Scheduler::reportBlocked()
{
    // The graph, for the run summary and the history.
    QJsonObject graph;
    for (quint32 t : std::as_const(m_graphOrder)) {
        QJsonArray waits;
        for (quint32 w : m_run.graph().value(t))
            waits.append(qint64(w));
        graph.insert(QString::number(t), waits);
    }
    QJsonObject blocked;
    for (auto it = m_blocked.cbegin(); it != m_blocked.cend(); ++it)
        blocked.insert(QString::number(it.key()), qint64(it.value()));
    m_run.outcomes().setGraph(QJsonObject{{QStringLiteral("waits"), graph}, {QStringLiteral("blocked"), blocked}});
    // Each task that did not run because a task it waits for failed, in plan order.
    for (quint32 t : std::as_const(m_graphOrder)) {
        if (!m_blocked.contains(t))
            continue;
        m_run.logger().warning(u"peal::runner", QStringLiteral("task %1 did not run: blocked by task %2, which failed")
                                                    .arg(t)
                                                    .arg(m_blocked.value(t)),
                               {{QStringLiteral("task_index"), t}});
        m_outcome.blockedTasks.insert(t, m_blocked.value(t));
    }
}

} // namespace Peal::Internal
