// SPDX-License-Identifier: MIT
#include "schedule/graphflow.h"

#include "git/worktrees.h"

#include <peal/textutil.h>

namespace Peal::Internal {

GraphFlow::GraphFlow(RunContext &run, const Pipeline &pipeline, QList<quint32> order, QObject *parent)
    : QObject(parent), m_run(run), m_pipeline(pipeline), m_order(std::move(order))
{
    m_split = concurrentPhaseCount(m_pipeline);
    m_inRun = QSet<quint32>(m_order.cbegin(), m_order.cend());
    // Every key made now: add() keeps a pointer to its task's entry while the hash may grow no more.
    for (quint32 task : std::as_const(m_order))
        m_workspaces.insert(task, QString());
}

GraphFlow::~GraphFlow() = default;

Step GraphFlow::step(std::function<void(Report)> done)
{
    m_done = std::move(done);
    m_worktrees = new Worktrees(m_run, this);
    m_run.logger().info(u"peal::runner", QStringLiteral("graph plan: each task starts as soon as its waits are done"),
                        {{QStringLiteral("max_concurrent"), m_run.config().maxParallel},
                         {QStringLiteral("order"), Text::debugList(m_order)}});
    return sequenceStep(QStringLiteral("graph flow"), {m_worktrees->prepare(), flow(), m_worktrees->cleanUp()})
        .onEnd([this](const Result<void> &result) {
            if (m_run.isCancelled())
                return;
            if (!result && result.error().kind() == Error::Kind::Interrupted)
                m_report.interrupted = true;
            else if (!result && m_report.failures.isEmpty())
                m_report.failures.append({m_order.value(0), result.error()}); // isolation set-up
            if (auto report = std::exchange(m_done, nullptr))
                report(m_report);
        });
}

Step GraphFlow::flow()
{
    return leafStep(QStringLiteral("tasks"), [this](const StepHandle &handle) {
        m_flow = handle;
        fill();
        settleIfIdle();
    });
}

QList<quint32> GraphFlow::ready()
{
    QList<quint32> out;
    for (quint32 t : std::as_const(m_order)) {
        if (m_started.contains(t) || m_report.blocked.contains(t) || m_run.outcomes().isDone(t))
            continue;
        bool waiting = false;
        for (quint32 w : m_run.graph().value(t)) {
            if (!m_inRun.contains(w))
                continue; // outside this run: met
            if (m_failedSet.contains(w) || m_report.blocked.contains(w)) {
                m_report.blocked.insert(t, m_report.blocked.value(w, w));
                waiting = true;
                break;
            }
            waiting = waiting || !m_run.outcomes().isDone(w);
        }
        if (!waiting)
            out.append(t);
    }
    return out;
}

void GraphFlow::fill()
{
    if (!m_flow || !m_flow->isActive())
        return;
    const int slots = int(std::max<quint32>(1, m_run.config().maxParallel));
    for (quint32 task : ready()) {
        if (m_stopping || m_streams >= slots)
            break;
        m_started.insert(task);
        m_resume.insert(task, TaskRunner::resumePoint(m_run, m_pipeline, *m_run.plan().taskByIndex(task)));
        if (m_resume.value(task).firstPhase >= m_split) {
            // An earlier run did its concurrent phases and committed them: only its tail is left.
            m_waiting.append(task);
            continue;
        }
        ++m_streams;
        m_run.userTree().tasksStarting({task});
        m_flow->run(streamRecipe(task), [this, task](Result<void> ended) {
            if (!ended)
                streamEnded(task, ended.error());
            else
                streamEnded(task, TaskResult{task, m_resume.value(task).data.planText, {}, {}});
        });
    }
    integrateNext();
}

Step GraphFlow::streamRecipe(quint32 task)
{
    return sequenceStep(QStringLiteral("task %1").arg(task), {
        // The checkout as it is now holds every task this one waits for.
        m_worktrees->snapshot(),
        m_worktrees->add(task, &m_workspaces[task]),
        leafStep(QStringLiteral("phases"), [this, task](const StepHandle &handle) {
            TaskRunner *runner = makeRunner(task, true);
            handle.run(runner->step([this, runner, task, handle](Result<TaskResult> result) {
                           runner->deleteLater();
                           if (result)
                               m_resume[task].data.planText = result->planText; // for the tail
                           handle.done(result ? Result<void>() : Result<void>(result.error()));
                       }),
                       [](Result<void>) {});
        }),
    });
}

void GraphFlow::streamEnded(quint32 task, const Result<TaskResult> &result)
{
    --m_streams;
    if (result)
        m_waiting.append(task);
    else if (result.error().kind() != Error::Kind::Interrupted && !m_run.isCancelled())
        failed(task, result.error());
    fill(); // the slot is free
    settleIfIdle();
}

void GraphFlow::integrateNext()
{
    if (m_mainBusy || m_waiting.isEmpty() || !m_flow || !m_flow->isActive())
        return;
    const quint32 task = m_waiting.takeFirst();
    m_mainBusy = true;
    m_flow->run(mainRecipe(task), [this, task](Result<void> ended) {
        m_mainBusy = false;
        if (!ended) {
            if (ended.error().kind() != Error::Kind::Interrupted && !m_run.isCancelled())
                failed(task, ended.error());
        } else {
            m_finished.insert(task);
            m_consecutiveFailures = 0;
        }
        integrateNext();
        fill(); // its dependents may be ready
        settleIfIdle();
    });
}

Step GraphFlow::mainRecipe(quint32 task)
{
    QList<Step> steps;
    if (m_resume.value(task).firstPhase < m_split) {
        steps << m_worktrees->snapshot() << m_worktrees->integrate({task});
        steps << syncStep(QStringLiteral("merged"), [this, task] {
            return m_worktrees->failures().contains(task) ? Result<void>(m_worktrees->failures().value(task)) : Result<void>();
        });
    }
    steps << leafStep(QStringLiteral("tail"), [this, task](const StepHandle &handle) {
        TaskRunner *runner = makeRunner(task, false);
        handle.run(runner->step([this, runner, handle](Result<TaskResult> result) {
                       runner->deleteLater();
                       if (result)
                           m_report.results.append(*result);
                       handle.done(result ? Result<void>() : Result<void>(result.error()));
                   }),
                   [](Result<void>) {});
    });
    return sequenceStep(QStringLiteral("task %1 in the checkout").arg(task), steps);
}

void GraphFlow::failed(quint32 task, const Error &error)
{
    if (m_failedSet.contains(task))
        return;
    m_failedSet.insert(task);
    m_report.failures.append({task, error});
    // A stream's or a merge's failure is recorded here; the tail's runner records its own.
    m_run.outcomes().failed({task}, QStringLiteral("task failure"));
    if (!m_run.config().continueWithRemainingTasks || error.kind() == Error::Kind::CapReached)
        m_stopping = true;
    const std::optional<quint32> cap = m_run.config().maxConsecutiveTaskFailures;
    if (cap && ++m_consecutiveFailures >= *cap && !m_report.cap) {
        m_report.cap = Error(Error::Kind::CapReached, QStringLiteral("Run stopped: %1 consecutive task failure(s) reached cap %2.")
                                                          .arg(m_consecutiveFailures)
                                                          .arg(*cap));
        m_stopping = true;
    }
}

void GraphFlow::settleIfIdle()
{
    if (!m_flow || !m_flow->isActive() || m_streams > 0 || m_mainBusy || !m_waiting.isEmpty())
        return;
    if (!m_stopping && !ready().isEmpty())
        return;
    m_flow->done();
}

TaskRunner *GraphFlow::makeRunner(quint32 task, bool stream)
{
    const TaskRunner::ResumePoint &resume = m_resume[task];
    TaskRunner::Options options;
    options.commitAfterExecute = false; // the task's commit follows its merge
    if (stream) {
        options.firstPhase = resume.firstPhase;
        options.endPhase = m_split;
        options.markCompleted = false;
        options.saveOnFailure = false;
        options.endsTask = false;
        options.record = TaskRunner::Options::Record::ReadOnly;
        options.workspace = m_workspaces.value(task);
    } else {
        options.firstPhase = std::max(m_split, resume.firstPhase);
        options.commitFirst = resume.firstPhase < m_split || resume.commitFirst;
    }
    auto *runner = new TaskRunner(m_run, m_pipeline, *m_run.plan().taskByIndex(task), int(m_order.indexOf(task)) + 1,
                                  options, this);
    runner->setData(resume.data);
    return runner;
}

} // namespace Peal::Internal
