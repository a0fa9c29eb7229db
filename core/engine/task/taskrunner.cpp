// SPDX-License-Identifier: MIT
#include "task/taskrunner.h"

#include "agent/agentcall.h"
#include "git/commit.h"
#include "review/review.h"
#include "agent/transcript.h"

#include <QTimer>

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
    m_donePhases = m_options.firstPhase;
    m_current = m_options.firstPhase - 1;
}

static QStringList phaseNames(const Pipeline &pipeline)
{
    QStringList names;
    for (const PhaseDef &phase : pipeline)
        names << phase.name;
    return names;
}

TaskRunner::ResumePoint TaskRunner::resumePoint(RunContext &run, const Pipeline &pipeline, const Task &task)
{
    ResumePoint point;
    const TaskLedger &ledger = run.outcomes().ledger();
    const std::optional<TaskLedger::Entry> entry = ledger.entry(task.index);
    point.firstPhase = ledger.resumeAt(task.index, phaseNames(pipeline), task.content);
    if (!entry || point.firstPhase == 0) {
        if (entry)
            run.logger().info(u"peal::runner", QStringLiteral("task starts over: its text or the phases changed since an earlier run"),
                              {{QStringLiteral("task_index"), task.index}});
        return point;
    }
    point.commitFirst = entry->commitPending;
    point.data.planText = entry->planText;
    QStringList done = entry->phases.mid(0, point.firstPhase);
    run.logger().info(u"peal::runner", QStringLiteral("resuming task after the phases an earlier run did"),
                      {{QStringLiteral("task_index"), task.index},
                       {QStringLiteral("done"), done.join(QStringLiteral(", "))},
                       {QStringLiteral("next"), pipeline.value(point.firstPhase).name}});
    return point;
}

void TaskRunner::recordDone(RunContext &run, const Pipeline &pipeline, const TaskInfo &task, qsizetype done,
                            bool commitPending, const TaskData &data)
{
    TaskLedger::Entry entry;
    entry.phases = phaseNames(pipeline);
    entry.done = done;
    entry.commitPending = commitPending;
    entry.planText = data.planText;
    entry.taskDigest = TaskLedger::digest(task.body);
    run.outcomes().phasesDone(task.index, entry);
}

void TaskRunner::phasesDone(qsizetype done, bool commitPending)
{
    m_donePhases = done;
    if (m_options.record == Options::Record::None)
        return;
    if (m_options.record == Options::Record::ReadOnly) {
        for (qsizetype i = 0; i < done; ++i) {
            if (m_pipeline[i].name != u"plan")
                return; // an edit that is not safe yet (the block records it once it is)
        }
    }
    recordDone(m_run, m_pipeline, m_task, done, commitPending, m_data);
}

TaskRunner::~TaskRunner() = default;

Step TaskRunner::step(std::function<void(Result<TaskResult>)> done)
{
    m_done = std::move(done);
    // The task ends, whatever ended it (the run's cancel included), in finish().
    return recipe().onEnd([this](const Result<void> &result) {
        if (!result)
            return finish(result.error());
        finish(TaskResult{m_task.index, m_data.planText, m_data.executeOutput, m_report});
    });
}

Step TaskRunner::recipe()
{
    // plan -> execute -> [commit] -> the phases after it -> [mark completed and save]
    QList<Step> steps;
    if (m_options.commitFirst && m_run.config().commitAfterPhase2)
        steps << phase2CommitStep(); // what the phase before left, before the next one runs
    for (qsizetype i = m_options.firstPhase; i < m_options.endPhase; ++i) {
        steps << phaseStep(i);
        if (commitsAfter(i))
            steps << phase2CommitStep();
    }
    if (m_options.markCompleted)
        steps << markCompletedStep();
    return sequenceStep(QStringLiteral("task %1").arg(m_task.index), steps);
}

bool TaskRunner::commitsAfter(qsizetype index) const
{
    return m_pipeline[index].name == u"execute" && m_options.commitAfterExecute && m_run.config().commitAfterPhase2;
}

Step TaskRunner::phaseStep(qsizetype index)
{
    const QString what = QStringLiteral("phase plugin '%1'").arg(m_pipeline[index].name);
    return leafStep(what, [this, index, what](const StepHandle &handle) {
        m_current = index;
        m_inPhase = true;
        m_phase = handle;
        m_inFlight = 0;
        m_phaseClock.start();
        m_run.notify(taskEvent(ProgressEvent::Kind::PhaseStarted));
        m_runs.push_back({m_pipeline[index].plugin, m_pipeline[index].create()});
        PhaseRun *run = m_runs.back().run.get();
        if (!run)
            return handle.done(Error(Error::Kind::Plugin, what + QStringLiteral(" created no run")));
        run->start(*this, handle.guard(what, std::function<void(Result<void>)>([this, index](Result<void> result) {
                                           onPhaseDone(index, result);
                                       })));
        checkStalled();
    });
}

void TaskRunner::onPhaseDone(qsizetype index, const Result<void> &result)
{
    StepHandle handle = *m_phase;
    m_phase.reset();
    if (!result || !commitsAfter(index))
        notifyPhaseFinished(result);
    if (result)
        phasesDone(index + 1, commitsAfter(index));
    handle.done(result);
}

void TaskRunner::failPhase(const Error &error)
{
    if (m_phase)
        m_phase->done(error);
}

void TaskRunner::checkStalled()
{
    if (!m_phase || !m_phase->isActive() || m_inFlight > 0)
        return;
    // Later, not now: a phase may call `done` right after the call that brought us here.
    const quint64 generation = ++m_stallCheck;
    QTimer::singleShot(std::chrono::milliseconds(100), this, [this, generation] {
        if (generation != m_stallCheck || !m_phase || !m_phase->isActive() || m_inFlight > 0)
            return;
        m_phase->done(Error(Error::Kind::Plugin,
                            QStringLiteral("the phase plugin returned without calling done and has nothing running")));
    });
}

Step TaskRunner::phase2CommitStep()
{
    return sequenceStep(QStringLiteral("commit"), {
        syncStep(QStringLiteral("leave the phase"), [this] {
            m_inPhase = false;
            return Result<void>();
        }),
        // Built as it starts: the message takes the plan that phase 1 wrote.
        deferredStep(QStringLiteral("commit"), [this] {
            return commitAfterPhase2Step(m_run, this, m_task.index, planSuffix(m_data.planText),
                                         [this](const QString &commit) {
                                             m_nothingCommitted = commit.isEmpty();
                                             notifyPhaseFinished(Result<void>(), commit);
                                         });
        }),
        deferredStep(QStringLiteral("changes"), [this] {
            return m_nothingCommitted ? noChangesStep() : emptyStep(QStringLiteral("committed"));
        }),
    }).onDone([this](const Result<void> &committed) {
        if (committed)
            phasesDone(m_donePhases, false);
        if (!committed) {
            m_run.logger().error(u"peal::runner", QStringLiteral("commit after phase 2 failed"),
                                 {{QStringLiteral("task_index"), m_task.index},
                                  {QStringLiteral("err"), committed.error().message()}});
            notifyPhaseFinished(Result<void>());
        }
        return committed;
    });
}

Step TaskRunner::markCompletedStep()
{
    return syncStep(QStringLiteral("mark completed"), [this] {
        m_inPhase = false;
        return m_run.outcomes().completed({m_task.index});
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
    event.rounds = m_report ? int(m_report->rounds) : -1;
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

Error TaskRunner::named(const Error &error, bool inPhase) const
{
    // Every error that ends a task names it, and the phase it ended in: "task 3, phase 1
    // (plan): agent exited with code 1".
    QString where = QStringLiteral("task %1").arg(m_task.index);
    if (inPhase && m_current >= 0) {
        const QString name = m_pipeline.value(m_current).name;
        where += QStringLiteral(", phase %1 (%2)").arg(m_run.config().phases.indexOf(name) + 1).arg(name);
    }
    return Error(error.kind(), where + QStringLiteral(": ") + error.message(), error.hint());
}

void TaskRunner::finish(const Result<TaskResult> &given)
{
    if (m_finished)
        return;
    m_finished = true;
    m_phase.reset();
    const Result<TaskResult> result = given ? given : Result<TaskResult>(named(given.error(), m_inPhase));
    ProgressEvent event = taskEvent(ProgressEvent::Kind::TaskFinished);
    event.ok = result.ok();
    event.final = !result || (m_options.endsTask && m_options.endPhase >= m_pipeline.size());
    event.findingsLeft = m_report && !m_report->resolved;
    event.noChanges = m_noChanges;
    if (m_report) {
        const QList<FindingFate> fates = findingFates(*m_report);
        QMap<QString, int> counts;
        for (const FindingFate &f : fates) {
            ++counts[f.fate];
            if (f.fate == u"left")
                event.leftFindings.append(f.text);
        }
        if (!fates.isEmpty())
            event.review = QStringLiteral("%1 found, %2 dismissed, %3 fixed, %4 left")
                               .arg(fates.size())
                               .arg(counts.value(QStringLiteral("dismissed")))
                               .arg(counts.value(QStringLiteral("fixed")))
                               .arg(counts.value(QStringLiteral("left")));
        if (!event.leftFindings.isEmpty())
            m_run.logger().warn(u"peal::runner", QStringLiteral("review findings left"),
                                {{QStringLiteral("task_index"), m_task.index},
                                 {QStringLiteral("findings"), event.leftFindings.join(QStringLiteral("; "))}});
    } else if (event.final && m_run.config().phases.contains(QStringLiteral("address"))) {
        event.notReviewed = true; // no reviewer, or its review failed and was skipped
    }
    event.interrupted = !result && (result.error().kind() == Error::Kind::Interrupted || m_run.isCancelled());
    if (result && event.final)
        m_run.outcomes().taskDone(m_task.index);
    // A failed task is an outcome of the run (a block's stream is the block's to report).
    if (!result && !event.interrupted && m_options.saveOnFailure)
        m_run.outcomes().failed({m_task.index}, QStringLiteral("task failure"));
    if (!result)
        event.detail = result.error().toDisplayString();
    if (m_report && !m_report->stopReason.isEmpty()) {
        if (const QString failed = Transcript::writeReview(m_run.config().stateDir, m_task.index, *m_report);
            !failed.isEmpty())
            m_run.logger().warn(u"peal::runner", QStringLiteral("cannot record the review rounds"),
                                {{QStringLiteral("task_index"), m_task.index}, {QStringLiteral("err"), failed}});
    }
    m_run.notify(event);
    m_done(result);
}

const PhaseSettings &TaskRunner::settings() const
{
    return m_run.phaseSettings();
}

const TaskInfo &TaskRunner::task() const
{
    return m_task;
}

void TaskRunner::report(const ReviewReport &report)
{
    m_report = report;
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
    if (!m_phase)
        return;
    // Part of the phase's step: the run's cancel reaches it.
    auto answer = track(QStringLiteral("phase plugin (agent callback)"), std::move(done));
    m_phase->run(agentCallStep(m_run, this, {mode, prompt, options, m_task.index, m_options.workspace}, answer),
                 [](Result<void>) {});
}

void TaskRunner::runProcess(const ProcessSpec &spec, ProcessCallback done)
{
    m_run.runProcess(spec, this, track(QStringLiteral("phase plugin (process callback)"), std::move(done)),
                     m_task.index);
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
        m_reviewer = std::make_unique<TaskReviewer>(*review, *this);
    return m_reviewer.get();
}

void TaskRunner::commitChanges(const QString &message, std::function<void(Result<void>)> done)
{
    if (!m_run.config().commitAfterPhase2)
        return done(Result<void>());
    if (!m_phase)
        return;
    auto answer = track(QStringLiteral("phase plugin (commit callback)"), std::move(done));
    const CommitRequest request{message, QStringLiteral("after address round"),
                                QStringLiteral("commit after address round failed: "), m_task.index};
    // Part of the phase's step: the run's cancel reaches it.
    m_phase->run(commitStep(m_run, this, request, [this](const QString &commit) {
                     if (commit.isEmpty() || !m_phase)
                         return;
                     ProgressEvent event = taskEvent(ProgressEvent::Kind::Committed);
                     event.commit = commit;
                     event.tasks = {m_task.index};
                     m_run.notify(event);
                 }),
                 answer);
}

void TaskRunner::run(const Step &recipe, std::function<void(Result<void>)> done)
{
    if (!m_phase)
        return;
    // Part of the phase's step: the run's cancel reaches every step of it. Not counted as in
    // flight itself: what its steps ask for is, so a step that waits on nothing stalls the
    // phase as a callback that never comes would.
    m_phase->run(recipe, [this, done = std::move(done)](Result<void> result) {
        done(result);
        checkStalled();
    });
    checkStalled();
}

} // namespace Peal::Internal
