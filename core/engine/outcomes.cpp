// SPDX-License-Identifier: MIT
#include "outcomes.h"

namespace Peal::Internal {

Result<void> TaskOutcomes::completed(const QList<quint32> &tasks)
{
    for (quint32 task : tasks)
        m_state.markTaskCompleted(task);
    return StateStore::save(m_stateDir, m_state);
}

Result<void> TaskOutcomes::reopened(quint32 task)
{
    if (!m_state.markTaskIncomplete(task))
        return {};
    return StateStore::save(m_stateDir, m_state);
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
    if (auto saved = StateStore::save(m_stateDir, m_state); !saved)
        m_logger.error(u"peal::runner", QStringLiteral("failed to save state after %1").arg(after),
                       {{QStringLiteral("err"), saved.error().toDisplayString()}});
}

} // namespace Peal::Internal
