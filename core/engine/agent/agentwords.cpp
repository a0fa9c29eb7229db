// SPDX-License-Identifier: MIT
#include "agent/agentwords.h"

#include <peal/sdk/text.h>

namespace Peal::Internal {

void AgentWords::follow(const AgentEvent &event)
{
    if (event.kind != AgentEvent::Kind::Text || event.name != u"delta") {
        flush();
        reset();
        if (event.kind != AgentEvent::Kind::Text)
            return;
    }
    if (m_told)
        return;
    m_words += event.text;
    const QString trimmed = m_words.trimmed();
    if (trimmed.contains(u'\n') || trimmed.size() >= 160)
        flush();
}

void AgentWords::flush()
{
    if (m_told || m_words.trimmed().isEmpty())
        return;
    m_told = true;
    m_tell(Text::firstLine(m_words.trimmed()).left(160));
}

void AgentWords::reset()
{
    m_words.clear();
    m_told = false;
}

} // namespace Peal::Internal
