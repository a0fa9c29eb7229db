// SPDX-License-Identifier: MIT
#include "task/outcomes.h"

#include <peal/config.h>
#include <peal/exitcode.h>

#include <algorithm>

namespace Peal::Internal {

Result<void> TaskOutcomes::completed(const QList<quint32> &tasks)
{
    for (quint32 task : tasks)
        m_state.markTaskCompleted(task);
    return StateStore::save(m_config.stateDir, m_state);
}

Result<void> TaskOutcomes::reopened(quint32 task)
{
    if (auto reset = m_ledger.reset(task); !reset)
        return reset;
    if (!m_state.markTaskIncomplete(task))
        return {};
    return StateStore::save(m_config.stateDir, m_state);
}

Result<void> TaskOutcomes::loadLedger()
{
    auto loaded = TaskLedger::load(m_config.stateDir);
    if (!loaded)
        return loaded.error();
    m_ledger = std::move(*loaded);
    if (auto compacted = m_ledger.compact(); !compacted)
        m_logger.warn(u"peal::state", QStringLiteral("cannot compact the task progress"),
                      {{QStringLiteral("err"), compacted.error().toDisplayString()}});
    return {};
}

Result<void> TaskOutcomes::ledgerFor(const QString &planPath, const QString &repoPath)
{
    const bool same = (m_ledger.planPath().isEmpty() && m_ledger.repoPath().isEmpty())
                      || (StateStore::samePlace(m_ledger.planPath(), planPath)
                          && StateStore::samePlace(m_ledger.repoPath(), repoPath));
    if (!same) {
        if (auto reset = m_ledger.resetAll(); !reset)
            return reset;
    }
    return m_ledger.setContext(planPath, repoPath);
}

void TaskOutcomes::phasesDone(quint32 task, const TaskLedger::Entry &entry)
{
    if (auto written = m_ledger.phaseDone(task, entry); !written)
        m_logger.warn(u"peal::state", QStringLiteral("cannot record the progress of the task"),
                      {{QStringLiteral("task_index"), task}, {QStringLiteral("err"), written.error().toDisplayString()}});
}

void TaskOutcomes::failed(const QList<quint32> &tasks, const QString &why)
{
    for (quint32 task : tasks) {
        if (!m_failed.contains(task))
            m_failed.append(task);
    }
    save(why);
}

void TaskOutcomes::save(const QString &after)
{
    if (auto saved = StateStore::save(m_config.stateDir, m_state); !saved)
        m_logger.error(u"peal::runner", QStringLiteral("failed to save state after %1").arg(after),
                       {{QStringLiteral("err"), saved.error().toDisplayString()}});
}

static bool findingsLeft(const TaskResult &r)
{
    return r.review && !r.review->resolved;
}

int TaskOutcomes::exitCodeOf(const RunOutcome &done)
{
    const bool issues = !done.failedTaskIndices.isEmpty()
                        || std::any_of(done.results.cbegin(), done.results.cend(), findingsLeft);
    return toInt(issues ? ExitCode::Issues : ExitCode::Success);
}

Result<QString> TaskOutcomes::writeSummary(const RunOutcome &done, int code) const
{
    RunSummary summary;
    for (const TaskResult &r : done.results) {
        if (findingsLeft(r))
            summary.tasksWithRemainingFindings.append(r.index);
        else if (!done.failedTaskIndices.contains(r.index))
            summary.tasksCompleted.append(r.index);
    }
    summary.tasksFailed = done.failedTaskIndices;
    summary.exitCode = code;
    summary.planPath = m_config.planPath;
    summary.repoPath = m_config.repoPath;
    summary.completedAt = SummaryFile::rfc3339(std::chrono::system_clock::now());
    summary.usage = usageJson();
    summary.graph = m_graph;
    const QString path = SummaryFile::path(m_config);
    if (auto written = SummaryFile::write(path, summary); !written)
        return written.error();
    return path;
}

Result<void> TaskOutcomes::writeLastRun(const RunEnd &end) const
{
    LastRun last;
    last.startedAt = end.startedAt;
    last.finishedAt = SummaryFile::rfc3339(std::chrono::system_clock::now());
    last.exitCode = end.exitCode;
    last.outcome = end.interrupted                                 ? QStringLiteral("interrupted")
                   : end.exitCode == toInt(ExitCode::Success)      ? QStringLiteral("success")
                   : end.exitCode == toInt(ExitCode::Issues)       ? QStringLiteral("issues")
                   : end.exitCode == toInt(ExitCode::CapReached)   ? QStringLiteral("cap_reached")
                                                                   : QStringLiteral("failed");
    last.error = end.error;
    last.failedTasks = m_failed;
    std::sort(last.failedTasks.begin(), last.failedTasks.end());
    last.planPath = m_config.planPath;
    last.repoPath = m_config.repoPath;
    last.usage = usageJson();
    last.runId = end.runId;
    last.completedTasks = m_done;
    last.config = ConfigLoader::toJson(m_config);
    last.graph = m_graph;
    // The spending by task as people read it, from the ledger the calls appended to.
    if (auto spent = m_spend.writeSummary(); !spent)
        m_logger.warn(u"peal::main", QStringLiteral("cannot record what the agent calls cost"),
                      {{QStringLiteral("err"), spent.error().toDisplayString()}});
    if (!last.runId.isEmpty()) {
        if (auto kept = RunHistory::write(m_config.stateDir, last); !kept)
            m_logger.warn(u"peal::main", QStringLiteral("cannot add the run to the history"),
                          {{QStringLiteral("err"), kept.error().toDisplayString()}});
    }
    return LastRunFile::write(m_config.stateDir, last);
}

void UsageTotals::add(const AgentTotals &call, std::chrono::milliseconds duration)
{
    ++calls;
    durationMs += duration.count();
    inputTokens += call.inputTokens;
    outputTokens += call.outputTokens;
    cacheReadTokens += call.cacheReadTokens;
    cacheWriteTokens += call.cacheWriteTokens;
    turns += call.turns;
    toolCalls += call.toolCalls;
    if (call.costUsd)
        costUsd = costUsd.value_or(0.0) + *call.costUsd;
    if (call.failure != AgentEvent::Failure::None)
        ++failures[failureClassName(call.failure)];
}

QJsonObject UsageTotals::toJson() const
{
    QJsonObject o{{QStringLiteral("agent_calls"), calls},
                  {QStringLiteral("duration_ms"), durationMs},
                  {QStringLiteral("input_tokens"), inputTokens},
                  {QStringLiteral("output_tokens"), outputTokens},
                  {QStringLiteral("cache_read_tokens"), cacheReadTokens},
                  {QStringLiteral("cache_write_tokens"), cacheWriteTokens},
                  {QStringLiteral("turns"), turns},
                  {QStringLiteral("tool_calls"), toolCalls}};
    if (costUsd)
        o.insert(QStringLiteral("cost_usd"), *costUsd);
    QJsonObject classes;
    for (auto it = failures.cbegin(); it != failures.cend(); ++it)
        classes.insert(it.key(), it.value());
    o.insert(QStringLiteral("failures"), classes);
    return o;
}

void TaskOutcomes::agentCallEnded(quint32 task, const AgentTotals &totals, std::chrono::milliseconds duration,
                                  const QString &backEnd)
{
    m_usage.add(totals, duration);
    if (!backEnd.isEmpty())
        ++m_backEndCalls[backEnd];
    if (task != 0)
        m_taskUsage[task].add(totals, duration);
    if (auto saved = m_spend.add(task, totals); !saved)
        m_logger.warn(u"peal::main", QStringLiteral("cannot record what the agent calls cost"),
                      {{QStringLiteral("err"), saved.error().toDisplayString()}});
}

void TaskOutcomes::noteFailureClass(quint32 task, const QString &name)
{
    ++m_usage.failures[name];
    if (task != 0)
        ++m_taskUsage[task].failures[name];
}

QJsonObject TaskOutcomes::usageJson() const
{
    if (m_usage.calls == 0)
        return {};
    QJsonObject o = m_usage.toJson();
    QJsonObject tasks;
    for (auto it = m_taskUsage.cbegin(); it != m_taskUsage.cend(); ++it)
        tasks.insert(QString::number(it.key()), it.value().toJson());
    o.insert(QStringLiteral("tasks"), tasks);
    // Which back-ends did the calls, when more than one did, and why the calls moved.
    if (m_backEndCalls.size() > 1 || !m_fallbacks.isEmpty()) {
        QJsonObject backEnds;
        for (auto it = m_backEndCalls.cbegin(); it != m_backEndCalls.cend(); ++it)
            backEnds.insert(it.key(), it.value());
        o.insert(QStringLiteral("back_ends"), backEnds);
    }
    if (!m_fallbacks.isEmpty())
        o.insert(QStringLiteral("fallbacks"), m_fallbacks);
    return o;
}

} // namespace Peal::Internal
