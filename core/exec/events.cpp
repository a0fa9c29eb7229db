// SPDX-License-Identifier: MIT
#include <peal/sdk/agent.h>
#include <peal/sdk/events.h>

namespace Peal {

QString AgentPlugin::defaultCommand() const
{
    return QStringLiteral("agent");
}

bool AgentPlugin::streamsEvents(AgentMode) const
{
    return false;
}

bool AgentPlugin::reportsResult(AgentMode) const
{
    return false;
}

QList<AgentEvent> AgentPlugin::onOutputLine(AgentMode, OutputChannel, const QString &) const
{
    return {};
}

QString agentEventKindName(AgentEvent::Kind kind)
{
    switch (kind) {
    case AgentEvent::Kind::Session: return QStringLiteral("session");
    case AgentEvent::Kind::Text: return QStringLiteral("text");
    case AgentEvent::Kind::ToolCall: return QStringLiteral("tool_call");
    case AgentEvent::Kind::Usage: return QStringLiteral("usage");
    case AgentEvent::Kind::Turn: return QStringLiteral("turn");
    case AgentEvent::Kind::Failure: return QStringLiteral("failure");
    case AgentEvent::Kind::Result: return QStringLiteral("result");
    case AgentEvent::Kind::Unreadable: return QStringLiteral("unreadable");
    }
    return QString();
}

QString failureDescription(AgentEvent::Failure failure)
{
    switch (failure) {
    case AgentEvent::Failure::None: return QString();
    case AgentEvent::Failure::RateLimit: return QStringLiteral("rate limited");
    case AgentEvent::Failure::Overloaded: return QStringLiteral("overloaded");
    case AgentEvent::Failure::Auth: return QStringLiteral("not authenticated");
    case AgentEvent::Failure::ContextLimit: return QStringLiteral("context limit reached");
    case AgentEvent::Failure::MaxTurns: return QStringLiteral("turn limit reached");
    case AgentEvent::Failure::Timeout: return QStringLiteral("timed out");
    case AgentEvent::Failure::Crash: return QStringLiteral("ended without a result");
    case AgentEvent::Failure::Other: return QStringLiteral("failed");
    }
    return QString();
}

QString failureClassName(AgentEvent::Failure failure)
{
    switch (failure) {
    case AgentEvent::Failure::None: return QString();
    case AgentEvent::Failure::RateLimit: return QStringLiteral("rate_limit");
    case AgentEvent::Failure::Overloaded: return QStringLiteral("overloaded");
    case AgentEvent::Failure::Auth: return QStringLiteral("auth");
    case AgentEvent::Failure::ContextLimit: return QStringLiteral("context_limit");
    case AgentEvent::Failure::MaxTurns: return QStringLiteral("max_turns");
    case AgentEvent::Failure::Timeout: return QStringLiteral("timeout");
    case AgentEvent::Failure::Crash: return QStringLiteral("crash");
    case AgentEvent::Failure::Other: return QStringLiteral("other");
    }
    return QString();
}

void AgentTotals::add(const AgentEvent &event)
{
    ++events;
    switch (event.kind) {
    case AgentEvent::Kind::Session:
        sessionId = event.text;
        break;
    case AgentEvent::Kind::ToolCall:
        ++toolCalls;
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
        resultSeen = true;
        resultText = event.text.left(10 * 1024 * 1024);
        turns = std::max(turns, event.turns);
        if (event.failure != AgentEvent::Failure::None) {
            failure = event.failure;
            failureText = event.text;
            failureDetail = event.name;
        }
        break;
    case AgentEvent::Kind::Unreadable:
        ++malformedLines;
        break;
    case AgentEvent::Kind::Text:
        break;
    }
}

} // namespace Peal
