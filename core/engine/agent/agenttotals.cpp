// SPDX-License-Identifier: MIT
#include "agent/agenttotals.h"

#include <algorithm>

namespace Peal::Internal {

namespace {

constexpr qsizetype kMaxText = 10 * 1024 * 1024;

} // namespace

void AgentTotals::add(const AgentEvent &event)
{
    ++events;
    switch (event.kind) {
    case AgentEvent::Kind::Session:
        sessionId = event.text;
        break;
    case AgentEvent::Kind::ToolCall:
        ++toolCalls;
        lastText.clear();
        break;
    case AgentEvent::Kind::Turn:
        ++turns;
        break;
    case AgentEvent::Kind::Usage:
        inputTokens += event.inputTokens;
        outputTokens += event.outputTokens;
        cacheReadTokens += event.cacheReadTokens;
        cacheWriteTokens += event.cacheWriteTokens;
        if (event.costUsd)
            costUsd = costUsd.value_or(0.0) + *event.costUsd;
        break;
    case AgentEvent::Kind::Failure:
        failure = event.failure;
        failureText = event.text;
        failureDetail = event.name;
        break;
    case AgentEvent::Kind::Result:
        // The result is what counts: errors the CLI reported and recovered from are gone.
        resultSeen = true;
        resultText = event.text.left(kMaxText);
        turns = std::max(turns, event.turns);
        failure = event.failure;
        failureText = event.failure != AgentEvent::Failure::None ? event.text : QString();
        failureDetail = event.failure != AgentEvent::Failure::None ? event.name : QString();
        break;
    case AgentEvent::Kind::Unreadable:
        ++malformedLines;
        break;
    case AgentEvent::Kind::Text:
        if (lastText.size() < kMaxText) {
            if (event.name != u"delta" && !lastText.isEmpty())
                lastText += QStringLiteral("\n\n");
            lastText += event.text.left(kMaxText - lastText.size());
        }
        break;
    }
}

} // namespace Peal::Internal
