// SPDX-License-Identifier: MIT
#include "unattended/fallback.h"

namespace Peal::Internal {

std::optional<AgentFallbacks::Unavailable> AgentFallbacks::unavailable(const QString &backEnd, const QDateTime &now)
{
    const auto it = m_unavailable.constFind(backEnd);
    if (it == m_unavailable.cend())
        return std::nullopt;
    if (it->until.isValid() && it->until <= now) {
        m_unavailable.erase(it);
        m_overloads.remove(backEnd);
        m_returned.append(backEnd);
        return std::nullopt;
    }
    return *it;
}

bool AgentFallbacks::markUnavailable(const QString &backEnd, const Unavailable &why)
{
    const bool known = m_unavailable.contains(backEnd);
    m_unavailable.insert(backEnd, why);
    return !known;
}

QStringList AgentFallbacks::returned()
{
    return std::exchange(m_returned, {});
}

int AgentFallbacks::noteOverloaded(const QString &backEnd)
{
    return ++m_overloads[backEnd];
}

void AgentFallbacks::noteSucceeded(const QString &backEnd)
{
    m_overloads.remove(backEnd);
}

} // namespace Peal::Internal
