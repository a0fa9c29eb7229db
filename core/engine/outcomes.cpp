// SPDX-License-Identifier: MIT
#include "outcomes.h"

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
    if (!m_state.markTaskIncomplete(task))
        return {};
    return StateStore::save(m_config.stateDir, m_state);
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
    return r.review && !r.review->findingsResolved;
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
    return LastRunFile::write(m_config.stateDir, last);
}

} // namespace Peal::Internal
