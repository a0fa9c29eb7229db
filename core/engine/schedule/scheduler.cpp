// SPDX-License-Identifier: MIT
#include "schedule/scheduler.h"

#include "task/taskrunner.h"

#include <peal/textutil.h>

namespace Peal::Internal {

bool blockRunsConcurrently(const Config &config, qsizetype pending)
{
    return config.parallel && pending > 1 && config.maxParallel > 1;
}

Scheduler::Scheduler(RunContext &run, const Pipeline &pipeline, QObject *parent)
    : QObject(parent), m_run(run), m_pipeline(pipeline)
{
}

Step Scheduler::step(std::function<void(Result<RunOutcome>)> done)
{
    m_done = std::move(done);
    const Plan &plan = m_run.plan();
    m_run.logger().info(u"peal::runner", QStringLiteral("starting scheduled run"),
                        {{QStringLiteral("task_count"), plan.tasks.size()},
                         {QStringLiteral("segment_count"), plan.segments.size()}});
    // The segments in order, one step made for each as it comes (a loop, not a list of
    // thousands of steps); one that is already done ends at once, and the loop takes the next
    // without recursion, so a resumed plan with thousands of completed tasks takes no stack.
    m_next = 0;
    const Step segment = leafStep(QStringLiteral("segment"), [this](const StepHandle &step) {
        const qsizetype i = m_next++;
        if (i >= m_run.plan().segments.size())
            return step.done();
        m_segment = i;
        m_step = step;
        if (skipSegment())
            return;
        // A budget reached before (an earlier run, the task before): nothing more starts.
        if (auto breach = m_run.budgetReached(0)) {
            m_run.budgetStopped(*breach, 0);
            return segmentDone(Error(Error::Kind::CapReached, breach->message));
        }
        startSegment();
    });
    if (m_run.isGraph())
        return finishing(graphStep());
    return finishing(loopStep(QStringLiteral("segments"), segment, [this] { return m_next < m_run.plan().segments.size(); }));
}

Step Scheduler::finishing(Step walk)
{
    return walk.onEnd([this](const Result<void> &result) {
        m_step.reset();
        // A cancelled run reports nothing: the engine saves what was completed.
        if (m_run.isCancelled())
            return;
        if (!result)
            return finish(result.error());
        m_run.logger().info(u"peal::runner", QStringLiteral("all tasks complete"),
                            {{QStringLiteral("completed"), m_outcome.results.size()},
                             {QStringLiteral("task_count"), m_run.plan().tasks.size()}});
        finish(m_outcome);
    });
}

void Scheduler::segmentDone(const Result<void> &result)
{
    if (m_step)
        m_step->done(result);
}

bool Scheduler::skipSegment()
{
    const Segment &segment = m_run.plan().segments[m_segment];
    if (!segment.isParallel()) {
        const quint32 index = segment.indices.first();
        if (!m_run.outcomes().isDone(index))
            return false;
        ++m_position;
        m_run.logger().info(u"peal::runner", QStringLiteral("skipping already-completed task"),
                            {{QStringLiteral("task_index"), index}});
        segmentDone({});
        return true;
    }
    for (quint32 index : segment.indices) {
        if (!m_run.outcomes().isDone(index))
            return false;
    }
    m_position += int(segment.indices.size());
    m_run.logger().info(u"peal::runner", QStringLiteral("skipping fully-completed parallel block"),
                        {{QStringLiteral("block_indices"), QVariant::fromValue(Text::debugList(segment.indices))}});
    segmentDone({});
    return true;
}

void Scheduler::startSegment()
{
    const Segment &segment = m_run.plan().segments[m_segment];
    if (!segment.isParallel())
        return runSequential(segment.indices.first());

    QList<quint32> distinct; // a duplicated index runs once (docs/decisions.md)
    for (quint32 index : segment.indices) {
        if (!m_run.outcomes().isDone(index) && !distinct.contains(index))
            distinct.append(index);
    }
    const Config &c = m_run.config();
    if (blockRunsConcurrently(c, distinct.size()))
        return runBlock(segment.indices, distinct);
    m_run.logger().info(u"peal::runner", QStringLiteral("parallel block (sequential fallback)"),
                        {{QStringLiteral("block_indices"), Text::debugList(segment.indices)},
                         {QStringLiteral("pending"), Text::debugList(distinct)}});
    runFallback(distinct, 0);
}

void Scheduler::runTask(quint32 index, std::function<void(Result<TaskResult>)> done)
{
    ++m_position;
    const Task *task = m_run.plan().taskByIndex(index);
    if (!task)
        return done(PlanParser::taskNotFound(index, m_run.plan()));
    const TaskRunner::ResumePoint resume = TaskRunner::resumePoint(m_run, m_pipeline, *task);
    TaskRunner::Options options;
    options.firstPhase = resume.firstPhase;
    options.commitFirst = resume.commitFirst;
    auto *runner = new TaskRunner(m_run, m_pipeline, *task, m_position, options, this);
    runner->setData(resume.data);
    m_run.userTree().tasksStarting({index});
    m_step->run(runner->step([runner, done](Result<TaskResult> result) {
                    runner->deleteLater();
                    done(result);
                }),
                [](Result<void>) {});
}

bool Scheduler::stopsRun(const Error &error) const
{
    // An interruption, or a budget: whatever continue_with_remaining_tasks says.
    return error.kind() == Error::Kind::Interrupted || error.kind() == Error::Kind::CapReached || m_run.isCancelled();
}

std::optional<Error> Scheduler::countFailure()
{
    ++m_consecutiveFailures;
    const std::optional<quint32> cap = m_run.config().maxConsecutiveTaskFailures;
    if (cap && m_consecutiveFailures >= *cap) {
        return Error(Error::Kind::CapReached,
                     QStringLiteral("Run stopped: %1 consecutive task failure(s) reached cap %2.")
                         .arg(m_consecutiveFailures)
                         .arg(*cap));
    }
    return std::nullopt;
}

void Scheduler::runSequential(quint32 index)
{
    runTask(index, [this, index](Result<TaskResult> result) {
        if (result) {
            m_consecutiveFailures = 0;
            m_outcome.results.append(*result);
            m_run.userTree().tasksSettled();
            return segmentDone({});
        }
        if (stopsRun(result.error()))
            return segmentDone(result.error());
        if (auto cap = countFailure())
            return segmentDone(*cap);
        if (m_run.config().continueWithRemainingTasks) {
            m_outcome.failedTaskIndices.append(index);
            // The run will exit 2 because of it: a line that --quiet keeps.
            m_run.logger().warning(u"peal::runner",
                                   result.error().toDisplayString() + QStringLiteral("; continuing with the remaining tasks"),
                                   {{QStringLiteral("task_index"), index}});
            return segmentDone({});
        }
        segmentDone(result.error());
    });
}

void Scheduler::runFallback(const QList<quint32> &pending, qsizetype next)
{
    if (next >= pending.size())
        return segmentDone({});
    const quint32 index = pending[next];
    runTask(index, [this, pending, next](Result<TaskResult> result) {
        if (result) {
            m_consecutiveFailures = 0;
            m_outcome.results.append(*result);
            m_run.userTree().tasksSettled();
            return runFallback(pending, next + 1);
        }
        if (stopsRun(result.error()))
            return segmentDone(result.error());
        if (auto cap = countFailure())
            return segmentDone(*cap);
        // The sequential fallback ignores continue_with_remaining_tasks (spec §4.8).
        segmentDone(result.error());
    });
}

void Scheduler::runBlock(const QList<quint32> &indices, const QList<quint32> &pending)
{
    auto *block = new ParallelBlock(m_run, m_pipeline, indices, pending, m_position + 1, this);
    m_position += int(indices.size());
    m_run.userTree().tasksStarting(pending);
    m_step->run(block->step([this, block, indices](ParallelBlock::Report report) {
                    block->deleteLater();
                    applyBlock(indices, report);
                }),
                [](Result<void>) {});
}

std::optional<Error> Scheduler::countBlock(const QList<quint32> &indices, const QList<quint32> &failed)
{
    for (quint32 index : indices) {
        if (!failed.contains(index)) {
            m_consecutiveFailures = 0;
            continue;
        }
        if (auto cap = countFailure())
            return cap;
    }
    return std::nullopt;
}

void Scheduler::applyBlock(const QList<quint32> &indices, const ParallelBlock::Report &report)
{
    m_outcome.results.append(report.results);
    if (report.interrupted || m_run.isCancelled())
        return segmentDone(interruptedError());
    if (report.abort)
        return segmentDone(*report.abort);
    const bool keepGoing = m_run.config().continueWithRemainingTasks;
    QList<quint32> blockFailed;
    for (const ParallelBlock::Failure &f : report.streamFailures)
        blockFailed.append(f.index);
    if (!blockFailed.isEmpty())
        m_run.outcomes().failed(blockFailed, QStringLiteral("task failure"));
    for (const ParallelBlock::Failure &f : report.streamFailures) {
        if (f.error.kind() == Error::Kind::CapReached)
            return segmentDone(f.error); // a budget: the run stops
    }
    if (report.phase3Failure && report.phase3Failure->error.kind() == Error::Kind::CapReached)
        return segmentDone(report.phase3Failure->error);
    if (report.phase3Failure) {
        const ParallelBlock::Failure &f = *report.phase3Failure;
        blockFailed.append(f.index);
        if (!keepGoing) {
            if (auto cap = countBlock(indices, blockFailed))
                return segmentDone(*cap);
            return segmentDone(f.error);
        }
        m_run.logger().warning(u"peal::runner",
                               f.error.toDisplayString()
                                   + QStringLiteral("; no more phase 3 in this parallel block, continuing with the "
                                                    "remaining segments"),
                               {{QStringLiteral("task_index"), f.index}});
        m_outcome.failedTaskIndices.append(f.index);
    }
    if (auto cap = countBlock(indices, blockFailed))
        return segmentDone(*cap);
    // Each failure of the block is one line; without continuing, the first one is the run's error.
    for (qsizetype i = keepGoing ? 0 : 1; i < report.streamFailures.size(); ++i) {
        const ParallelBlock::Failure &f = report.streamFailures[i];
        m_run.logger().warning(u"peal::runner",
                               f.error.toDisplayString()
                                   + (keepGoing ? QStringLiteral("; continuing with the remaining tasks") : QString()),
                               {{QStringLiteral("task_index"), f.index}});
    }
    if (!report.streamFailures.isEmpty()) {
        if (!keepGoing)
            return segmentDone(report.streamFailures.first().error);
        for (const ParallelBlock::Failure &f : report.streamFailures)
            m_outcome.failedTaskIndices.append(f.index);
    }
    if (report.streamFailures.isEmpty() && !report.phase3Failure)
        m_run.userTree().tasksSettled();
    segmentDone({});
}

void Scheduler::finish(const Result<RunOutcome> &result)
{
    if (!m_done)
        return;
    auto done = std::exchange(m_done, nullptr);
    done(result);
}

} // namespace Peal::Internal
