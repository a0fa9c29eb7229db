// SPDX-License-Identifier: MIT
#include "schedule/parallelblock.h"

#include "git/commit.h"
#include "task/taskrunner.h"
#include "git/worktrees.h"

#include <peal/textutil.h>

namespace Peal::Internal {

/*
 * One task's concurrent phases: a branch of the block's parallel step. It starts when the step
 * admits it (adding its worktree first under isolation) and runs the task's phases as its own
 * subtree.
 */
class ParallelBlock::Stream
{
public:
    enum class State { Queued, Running, Succeeded, Failed, Skipped };

    Stream(ParallelBlock &block, quint32 index, TaskRunner::ResumePoint resume)
        : m_block(block), m_index(index), m_resume(std::move(resume))
    {
    }

    quint32 index() const { return m_index; }
    State state() const { return m_state; }
    const std::optional<Result<TaskResult>> &result() const { return m_result; }
    // The phase the stream's task failed in.
    const QString &failedPhase() const { return m_failedPhase; }
    void skip() { m_state = State::Skipped; }

    // "started", the worktree under isolation, then the task's concurrent phases.
    Step step()
    {
        QList<Step> steps{syncStep(QStringLiteral("start"), [this] {
            m_state = State::Running;
            m_block.progressChanged();
            return Result<void>();
        })};
        if (m_block.m_worktrees)
            steps << m_block.m_worktrees->add(m_index, &m_workspace);
        steps << leafStep(QStringLiteral("phases"), [this](const StepHandle &handle) { run(handle); });
        return sequenceStep(QStringLiteral("task %1").arg(m_index), steps).onDone([this](const Result<void> &r) {
            end(r);
            return r;
        });
    }

private:
    void run(const StepHandle &handle)
    {
        TaskRunner *runner = m_block.makeRunner(m_index, Part::Stream, m_resume, m_workspace);
        handle.run(runner->step([this, runner, handle](Result<TaskResult> result) {
                       m_failedPhase = runner->currentPhase();
                       runner->deleteLater();
                       m_result = std::move(result);
                       handle.done(m_result->ok() ? Result<void>() : Result<void>(m_result->error()));
                   }),
                   [](Result<void>) {});
    }

    // The stream ended by itself (its phases, or adding its worktree, failed or succeeded).
    void end(const Result<void> &r)
    {
        if (!m_result)
            m_result = r ? Result<TaskResult>(Error(Error::Kind::Generic, QStringLiteral("the stream ended without a result")))
                         : Result<TaskResult>(r.error());
        m_state = m_result->ok() ? State::Succeeded : State::Failed;
        if (m_state == State::Failed)
            m_block.stopQueuedStreams();
        // The recipe starts the next stream once this returns: the progress line (queued)
        // also shows the task that takes the free slot.
        m_block.progressChanged();
    }

    ParallelBlock &m_block;
    quint32 m_index;
    TaskRunner::ResumePoint m_resume; // the phases an earlier run did
    State m_state = State::Queued;
    std::optional<Result<TaskResult>> m_result;
    QString m_failedPhase;
    QString m_workspace; // empty: repo_path; else the task's worktree
};

ParallelBlock::ParallelBlock(RunContext &run, const Pipeline &pipeline, QList<quint32> indices,
                             QList<quint32> pending, int firstPosition, QObject *parent)
    : QObject(parent), m_run(run), m_pipeline(pipeline), m_indices(std::move(indices)),
      m_pending(std::move(pending)), m_firstPosition(firstPosition)
{
    m_split = concurrentPhaseCount(m_pipeline);
}

ParallelBlock::~ParallelBlock()
{
    qDeleteAll(m_streamList);
}

void ParallelBlock::stopQueuedStreams()
{
    // After a failure no new stream starts unless continue_with_remaining_tasks (the recipe's
    // on-error policy); the queued ones are shown as not started from now on.
    if (m_run.config().continueWithRemainingTasks)
        return;
    for (Stream *s : std::as_const(m_streamList)) {
        if (s->state() == Stream::State::Queued)
            s->skip();
    }
}

int ParallelBlock::positionOf(quint32 index) const
{
    return m_firstPosition + int(m_indices.indexOf(index));
}

TaskRunner *ParallelBlock::makeRunner(quint32 index, Part part, const TaskRunner::ResumePoint &resume,
                                      const QString &workspace)
{
    const bool tail = part == Part::Tail;
    TaskRunner::Options options;
    options.firstPhase = tail ? std::max(m_split, resume.firstPhase) : resume.firstPhase;
    options.endPhase = tail ? -1 : m_split;
    options.commitAfterExecute = false; // one commit for the whole block
    options.commitFirst = tail && resume.commitFirst;
    options.markCompleted = false;      // the block marks its tasks itself
    options.saveOnFailure = tail;       // streams write no state (as the reference's threads)
    options.endsTask = tail;            // after a stream come the merge and the tail
    options.record = tail ? TaskRunner::Options::Record::All : TaskRunner::Options::Record::ReadOnly;
    options.workspace = workspace;
    // The segment came from this plan, so the task exists.
    auto *runner = new TaskRunner(m_run, m_pipeline, *m_run.plan().taskByIndex(index), positionOf(index), options, this);
    runner->setData(resume.data);
    return runner;
}

void ParallelBlock::recordConcurrentPhasesDone(const QList<quint32> &tasks, bool commitPending)
{
    for (quint32 index : tasks) {
        const Task *task = m_run.plan().taskByIndex(index);
        TaskInfo info;
        info.index = index;
        info.body = task->content;
        TaskRunner::recordDone(m_run, m_pipeline, info, m_split, commitPending, m_data.value(index));
    }
}

Step ParallelBlock::step(std::function<void(Report)> done)
{
    m_done = std::move(done);
    const Config &c = m_run.config();
    m_run.logger().info(u"peal::runner", QStringLiteral("parallel block: running concurrently"),
                        {{QStringLiteral("block_size"), m_indices.size()},
                         {QStringLiteral("pending_count"), m_pending.size()},
                         {QStringLiteral("max_concurrent"), c.maxParallel},
                         {QStringLiteral("block_indices"), Text::debugList(m_indices)},
                         {QStringLiteral("isolation"), c.isolation}});
    if (c.isolation == u"worktree")
        m_worktrees = new Worktrees(m_run, this);
    return recipe().onEnd([this](const Result<void> &result) { finish(result); });
}

Step ParallelBlock::recipe()
{
    // The streams' failures are the tasks' outcomes (collectStreams); an error that ends this
    // recipe is an interruption, a phase-3 failure (the tail), or one that stops the run.
    QList<Step> steps;
    if (m_worktrees)
        steps << m_worktrees->prepare();
    steps << streams();
    // The last progress line goes out before what follows is logged.
    steps << leafStep(QStringLiteral("settle"), [this](const StepHandle &step) {
        QMetaObject::invokeMethod(this, [step] { step.done(); }, Qt::QueuedConnection);
    });
    steps << syncStep(QStringLiteral("collect the streams"), [this] { return collectStreams(); });
    if (m_worktrees) {
        steps << deferredStep(QStringLiteral("integrate"), [this] { return m_worktrees->integrate(m_succeeded); });
        steps << syncStep(QStringLiteral("record merge failures"), [this] {
            recordMergeFailures();
            return Result<void>();
        });
        steps << m_worktrees->cleanUp();
        steps << syncStep(QStringLiteral("after clean-up"), [this] {
            return m_run.isCancelled() ? Result<void>(interruptedError()) : Result<void>();
        });
    }
    steps << syncStep(QStringLiteral("mark completed"), [this] { return markCompleted(); });
    steps << deferredStep(QStringLiteral("commit the block"), [this] { return commitBlock(); });
    steps << tail();
    return sequenceStep(QStringLiteral("parallel block"), steps);
}

Step ParallelBlock::streams()
{
    // At most max_parallel streams at once, the next started the moment one ends.
    QList<Step> steps;
    for (quint32 index : std::as_const(m_pending)) {
        TaskRunner::ResumePoint resume = TaskRunner::resumePoint(m_run, m_pipeline, *m_run.plan().taskByIndex(index));
        if (resume.firstPhase >= m_split) {
            m_resumed.insert(index, resume); // only its tail is left
            continue;
        }
        m_streamList.append(new Stream(*this, index, std::move(resume)));
        steps << m_streamList.last()->step();
    }
    Step streams = parallelStep(QStringLiteral("streams"), int(std::max<quint32>(1, m_run.config().maxParallel)), steps,
                                m_run.config().continueWithRemainingTasks ? Step::OnError::Continue : Step::OnError::Stop);
    // A stream's failure is its task's; the block goes on to keep the others' work.
    return streams.onDone([](const Result<void> &r) {
        return r || r.error().kind() == Error::Kind::Interrupted ? r : Result<void>();
    });
}

void ParallelBlock::progressChanged()
{
    // Tasks that start or end together (a freed slot refilled, the block's first streams)
    // make one line, printed from the event loop.
    if (m_progressQueued)
        return;
    m_progressQueued = true;
    QMetaObject::invokeMethod(this, [this] {
        m_progressQueued = false;
        logProgress();
    }, Qt::QueuedConnection);
}

void ParallelBlock::logProgress()
{
    // One line a person can follow: which tasks of the block run, are done, failed or wait.
    QList<quint32> running, done, failed, queued, skipped;
    for (const Stream *s : std::as_const(m_streamList)) {
        switch (s->state()) {
        case Stream::State::Queued: queued.append(s->index()); break;
        case Stream::State::Running: running.append(s->index()); break;
        case Stream::State::Succeeded: done.append(s->index()); break;
        case Stream::State::Failed: failed.append(s->index()); break;
        case Stream::State::Skipped: skipped.append(s->index()); break;
        }
    }
    LogFields fields{{QStringLiteral("running"), Text::debugList(running)},
                     {QStringLiteral("done"), Text::debugList(done)},
                     {QStringLiteral("failed"), Text::debugList(failed)},
                     {QStringLiteral("queued"), Text::debugList(queued)}};
    if (!skipped.isEmpty())
        fields.append({QStringLiteral("not_started"), Text::debugList(skipped)});
    m_run.logger().info(u"peal::runner", QStringLiteral("parallel block progress"), fields);
}

Result<void> ParallelBlock::collectStreams()
{
    bool interrupted = false;
    for (const Stream *s : std::as_const(m_streamList)) {
        if (s->state() != Stream::State::Succeeded && s->state() != Stream::State::Failed)
            continue; // never started after a failure: neither run nor failed
        const Result<TaskResult> &r = *s->result();
        if (r) {
            m_succeeded.append(s->index());
            m_data.insert(s->index(), TaskData{r->planText, r->executeOutput, {}});
        } else if (r.error().kind() == Error::Kind::Interrupted) {
            interrupted = true;
        } else {
            m_report.streamFailures.append({s->index(), r.error()});
            // Only the plan phase is read-only; later phases edit the shared checkout.
            if (!m_worktrees && s->failedPhase() != u"plan")
                m_partial.append(s->index());
        }
    }
    // Worktrees stay for the next run to clean; nothing is marked.
    if (interrupted || m_run.isCancelled())
        return interruptedError();
    return {};
}

void ParallelBlock::recordMergeFailures()
{
    const QHash<quint32, Error> &failures = m_worktrees->failures();
    for (auto it = failures.begin(); it != failures.end(); ++it) {
        m_succeeded.removeAll(it.key());
        m_report.streamFailures.append({it.key(), it.value()});
        // Its stream ended well; the task did not.
        ProgressEvent event;
        event.kind = ProgressEvent::Kind::TaskFinished;
        event.task = it.key();
        event.position = positionOf(it.key());
        event.ok = false;
        event.detail = it.value().message();
        m_run.notify(event);
    }
    // Failures are reported in the order the tasks started.
    std::stable_sort(m_report.streamFailures.begin(), m_report.streamFailures.end(),
                     [this](const Failure &a, const Failure &b) {
                         return m_pending.indexOf(a.index) < m_pending.indexOf(b.index);
                     });
}

Result<void> ParallelBlock::markCompleted()
{
    // Successes are completed before phase 3 (spec §4.7 step 3); a write error stops the run.
    if (m_succeeded.isEmpty())
        return {};
    auto marked = m_run.outcomes().completed(m_succeeded);
    if (marked)
        recordConcurrentPhasesDone(m_succeeded, m_run.config().commitAfterPhase2);
    return marked;
}

Step ParallelBlock::commitBlock()
{
    if (m_succeeded.isEmpty() || !m_run.config().commitAfterPhase2)
        return emptyStep(QStringLiteral("nothing to commit"));
    // The message names the tasks whose changes the commit holds: the ones that succeeded, and
    // those that failed after editing the shared checkout (their partial edits are in it too).
    QList<quint32> held;
    for (quint32 index : std::as_const(m_indices)) {
        if (m_succeeded.contains(index) && !held.contains(index))
            held.append(index);
    }
    const auto numbers = &Text::joinIndices;
    QString suffix = QStringLiteral("tasks ") + numbers(held);
    if (!m_partial.isEmpty())
        suffix += QStringLiteral(" (and what failed task%1 %2 left)")
                      .arg(m_partial.size() == 1 ? QString() : QStringLiteral("s"), numbers(m_partial));
    const quint32 first = held.first();
    return commitAfterPhase2Step(m_run, this, first, suffix,
                                 [this, first, held](const QString &commit) {
                                     if (commit.isEmpty())
                                         return;
                                     ProgressEvent event;
                                     event.kind = ProgressEvent::Kind::Committed;
                                     event.task = first;
                                     event.tasks = held;
                                     event.commit = commit;
                                     m_run.notify(event);
                                 })
        .onDone([this, first, held](const Result<void> &committed) -> Result<void> {
            if (committed) {
                recordConcurrentPhasesDone(m_succeeded, false);
                return committed;
            }
            const Error &e = committed.error();
            m_run.logger().error(u"peal::runner", QStringLiteral("commit after phase 2 failed"),
                                 {{QStringLiteral("task_index"), first}, {QStringLiteral("err"), e.message()}});
            return Error(e.kind(), QStringLiteral("tasks %1: %2").arg(Text::joinIndices(held), e.message()), e.hint());
        });
}

Step ParallelBlock::tail()
{
    // The remaining phases one task at a time, in segment order (spec §4.7 step 5), stopping
    // at the first failure.
    return deferredStep(QStringLiteral("tail"), [this] {
        QList<Step> steps;
        QList<quint32> order;
        for (quint32 index : std::as_const(m_indices)) {
            if ((m_succeeded.contains(index) || m_resumed.contains(index)) && !order.contains(index)) {
                order.append(index);
                steps << tailTask(index);
            }
        }
        return sequenceStep(QStringLiteral("tail"), steps);
    });
}

Step ParallelBlock::tailTask(quint32 index)
{
    return leafStep(QStringLiteral("task %1").arg(index), [this, index](const StepHandle &step) {
        TaskRunner::ResumePoint resume = m_resumed.value(index);
        if (!m_resumed.contains(index))
            resume.data = m_data.value(index);
        TaskRunner *runner = makeRunner(index, Part::Tail, resume, QString());
        step.run(runner->step([this, runner, index, step](Result<TaskResult> result) {
                     runner->deleteLater();
                     if (result) {
                         m_report.results.append(*result);
                         return step.done();
                     }
                     if (result.error().kind() != Error::Kind::Interrupted && !m_run.isCancelled())
                         m_report.phase3Failure = Failure{index, result.error()};
                     step.done(result.error());
                 }),
                 [](Result<void>) {});
    });
}

void ParallelBlock::finish(const Result<void> &result)
{
    // A cancelled run reports nothing: the engine saves what was completed.
    if (m_run.isCancelled())
        return;
    if (!result) {
        if (result.error().kind() == Error::Kind::Interrupted || m_run.isCancelled())
            m_report.interrupted = true;
        else if (!m_report.phase3Failure)
            m_report.abort = result.error(); // isolation set-up, state write or commit
    }
    if (!m_done)
        return;
    auto done = std::exchange(m_done, nullptr);
    done(m_report);
}

} // namespace Peal::Internal
