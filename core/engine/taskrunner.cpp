// SPDX-License-Identifier: MIT
#include "taskrunner.h"

#include "agentcall.h"
#include "commit.h"
#include "review.h"

namespace Peal::Internal {

TaskRunner::TaskRunner(RunContext &run, const Pipeline &pipeline, const Task &task, int position,
                       Options options, QObject *parent)
    : QObject(parent), m_run(run), m_pipeline(pipeline), m_options(options)
{
    m_task.index = task.index;
    m_task.body = task.content;
    m_task.position = position;
    m_task.taskCount = int(run.plan().tasks.size());
    if (m_options.endPhase < 0 || m_options.endPhase > pipeline.size())
        m_options.endPhase = pipeline.size();
}

TaskRunner::~TaskRunner() = default;

void TaskRunner::start(std::function<void(Result<TaskResult>)> done)
{
    m_done = std::move(done);
    runPhase(m_options.firstPhase);
}

bool TaskRunner::guarded(const std::function<void()> &call)
{
    try {
        call();
        return true;
    } catch (const std::exception &e) {
        fail(Error(Error::Kind::Plugin, QStringLiteral("the phase plugin threw: %1").arg(QString::fromLocal8Bit(e.what()))));
    } catch (...) {
        fail(Error(Error::Kind::Plugin, QStringLiteral("the phase plugin threw an exception")));
    }
    return false;
}

void TaskRunner::runPhase(qsizetype index)
{
    if (m_finished)
        return;
    if (index >= m_options.endPhase) {
        if (!m_options.markCompleted)
            return finish(TaskResult{m_task.index, m_data.planText, m_data.executeOutput, m_data.review});
        m_run.state().markTaskCompleted(m_task.index);
        if (auto saved = m_run.saveState(); !saved)
            return fail(saved.error(), false);
        return finish(TaskResult{m_task.index, m_data.planText, m_data.executeOutput, m_data.review});
    }
    m_current = index;
    const PhaseDef &def = m_pipeline[index];
    m_phaseClock.start();
    m_run.notify(taskEvent(ProgressEvent::Kind::PhaseStarted));
    guarded([&] {
        m_runs.push_back(def.create());
        PhaseRun *run = m_runs.back().get();
        QPointer<TaskRunner> self(this);
        run->start(*this, [self, index](Result<void> result) {
            if (self)
                self->onPhaseDone(index, result);
        });
    });
}

void TaskRunner::onPhaseDone(qsizetype index, const Result<void> &result)
{
    if (m_finished || index != m_current)
        return;
    const bool commits = result && m_pipeline[index].name == u"execute" && m_options.commitAfterExecute
                         && m_run.config().commitAfterPhase2;
    if (!commits)
        notifyPhaseFinished(result);
    if (!result) {
        if (m_options.saveOnFailure)
            m_run.saveStateBestEffort(QStringLiteral("phase %1 failure").arg(m_pipeline[index].name));
        return fail(result.error());
    }
    if (commits)
        return afterExecute(index);
    // Continue from the event loop, so a phase that completes synchronously cannot recurse.
    QMetaObject::invokeMethod(this, [this, index] { runPhase(index + 1); }, Qt::QueuedConnection);
}

void TaskRunner::afterExecute(qsizetype index)
{
    commitAfterPhase2(m_run, this, m_task.index, planSuffix(m_data.planText),
                      [this, index](Result<QString> committed) {
                          if (!committed) {
                              m_run.logger().error(u"peal::runner",
                                                   QStringLiteral("commit after phase 2 failed"),
                                                   {{QStringLiteral("task_index"), m_task.index},
                                                    {QStringLiteral("err"), committed.error().message()}});
                              m_run.saveStateBestEffort(QStringLiteral("commit failure"));
                              notifyPhaseFinished(Result<void>());
                              return fail(committed.error(), false);
                          }
                          notifyPhaseFinished(Result<void>(), *committed);
                          runPhase(index + 1);
                      });
}

ProgressEvent TaskRunner::taskEvent(ProgressEvent::Kind kind) const
{
    ProgressEvent event;
    event.kind = kind;
    event.task = m_task.index;
    event.phase = m_pipeline.value(m_current).name;
    event.position = m_task.position;
    event.taskCount = m_task.taskCount;
    event.rounds = m_data.review ? int(m_data.review->roundsUsed) : -1;
    return event;
}

void TaskRunner::notifyPhaseFinished(const Result<void> &result, const QString &commit)
{
    ProgressEvent event = taskEvent(ProgressEvent::Kind::PhaseFinished);
    event.ok = result.ok();
    event.durationMs = m_phaseClock.elapsed();
    event.commit = commit;
    if (!result)
        event.detail = result.error().toDisplayString();
    m_run.notify(event);
}

void TaskRunner::fail(const Error &error, bool inPhase)
{
    // Every error that ends a task names it, and the phase it ended in: "task 3, phase 1
    // (plan): agent exited with code 1".
    QString where = QStringLiteral("task %1").arg(m_task.index);
    if (inPhase && m_current >= 0) {
        const QString name = m_pipeline.value(m_current).name;
        where += QStringLiteral(", phase %1 (%2)").arg(m_run.config().phases.indexOf(name) + 1).arg(name);
    }
    finish(Error(error.kind(), where + QStringLiteral(": ") + error.message(), error.hint()));
}

void TaskRunner::finish(const Result<TaskResult> &result)
{
    if (m_finished)
        return;
    m_finished = true;
    ProgressEvent event = taskEvent(ProgressEvent::Kind::TaskFinished);
    event.ok = result.ok();
    event.final = !result || (m_options.endsTask && m_options.endPhase >= m_pipeline.size());
    event.findingsLeft = m_data.review && !m_data.review->findingsResolved;
    event.interrupted = !result && (result.error().kind() == Error::Kind::Interrupted || m_run.isCancelled());
    if (!result)
        event.detail = result.error().toDisplayString();
    m_run.notify(event);
    m_done(result);
}

const Config &TaskRunner::config() const
{
    return m_run.config();
}

const TaskInfo &TaskRunner::task() const
{
    return m_task;
}

TaskData &TaskRunner::data()
{
    return m_data;
}

QString TaskRunner::workspace() const
{
    return m_options.workspace.isEmpty() ? m_run.config().repoPath : m_options.workspace;
}

QJsonObject TaskRunner::options() const
{
    return m_pipeline.value(m_current).options;
}

void TaskRunner::runAgent(AgentMode mode, const QString &prompt, const AgentCallOptions &options,
                          AgentCallback done)
{
    QPointer<TaskRunner> self(this);
    runAgentCall(m_run, this, mode, prompt, options, m_task.index, m_options.workspace,
                 [self, done](const Result<AgentOutput> &result) {
                     if (self && !self->m_finished)
                         self->guarded([&] { done(result); });
                 });
}

void TaskRunner::runProcess(const ProcessSpec &spec, ProcessCallback done)
{
    QPointer<TaskRunner> self(this);
    m_run.runProcess(spec, this, [self, done](const ProcessResult &result) {
        if (self && !self->m_finished)
            self->guarded([&] { done(result); });
    }, m_task.index);
}

void TaskRunner::log(LogLevel level, const QString &message, const LogFields &fields)
{
    m_run.logger().log(level, u"peal::runner", message, fields);
}

Reviewer *TaskRunner::reviewer()
{
    RunReview *review = m_run.review();
    if (!review)
        return nullptr;
    if (!m_reviewer)
        m_reviewer = std::make_unique<TaskReviewer>(
            *review, this, [this] { return !m_finished; }, [this](const Error &e) { fail(e); });
    return m_reviewer.get();
}

void TaskRunner::commitChanges(const QString &message, std::function<void(Result<void>)> done)
{
    if (!m_run.config().commitAfterPhase2)
        return done(Result<void>());
    QPointer<TaskRunner> self(this);
    commitAll(m_run, this, message, QStringLiteral("after address round"),
              QStringLiteral("commit after address round failed: "), m_task.index,
              [self, done](Result<QString> committed) {
                  if (!self || self->m_finished)
                      return;
                  if (committed && !committed->isEmpty()) {
                      ProgressEvent event = self->taskEvent(ProgressEvent::Kind::Committed);
                      event.commit = *committed;
                      event.tasks = {self->m_task.index};
                      self->m_run.notify(event);
                  }
                  self->guarded([&] { done(committed ? Result<void>() : Result<void>(committed.error())); });
              });
}

void TaskRunner::saveState()
{
    m_run.saveStateBestEffort(QStringLiteral("phase %1").arg(m_pipeline.value(m_current).name));
}

} // namespace Peal::Internal
