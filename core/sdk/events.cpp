// SPDX-License-Identifier: MIT
#include <peal/sdk/agent.h>
#include <peal/sdk/events.h>

namespace Peal {

QString AgentPlugin::defaultCommand() const
{
    return QStringLiteral("agent");
}

QString AgentPlugin::testedVersion() const
{
    return QString();
}

bool AgentPlugin::streamsEvents(AgentMode) const
{
    return false;
}

bool AgentPlugin::reportsResult(AgentMode) const
{
    return false;
}

bool AgentPlugin::reportsCost(AgentMode) const
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
    case AgentEvent::Failure::Stalled: return QStringLiteral("stalled");
    case AgentEvent::Failure::Executor: return QStringLiteral("executor failed");
    case AgentEvent::Failure::Other: return QStringLiteral("failed");
    case AgentEvent::Failure::Billing: return QStringLiteral("out of credit or quota");
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
    case AgentEvent::Failure::Stalled: return QStringLiteral("stalled");
    case AgentEvent::Failure::Executor: return QStringLiteral("executor");
    case AgentEvent::Failure::Other: return QStringLiteral("other");
    case AgentEvent::Failure::Billing: return QStringLiteral("billing");
    }
    return QString();
}

AgentEvent::Failure failureFromApiError(int httpStatus, const QString &message)
{
    const QString lower = message.toLower();
    // An account out of credit: no wait helps (OpenAI's insufficient_quota comes as a 429).
    if (httpStatus == 402 || lower.contains(u"insufficient_quota") || lower.contains(u"credit balance")
        || lower.contains(u"payment required") || lower.contains(u"billing") || lower.contains(u"insufficient credit"))
        return AgentEvent::Failure::Billing;
    if (httpStatus == 429 || lower.contains(u"rate limit") || lower.contains(u"rate_limit") || lower.contains(u"usage limit")
        || lower.contains(u"quota") || lower.contains(u"resource_exhausted") || lower.contains(u"too many requests"))
        return AgentEvent::Failure::RateLimit;
    if (httpStatus == 401 || httpStatus == 403 || lower.contains(u"api key") || lower.contains(u"unauthorized")
        || lower.contains(u"authentication") || lower.contains(u"permission_denied"))
        return AgentEvent::Failure::Auth;
    if (lower.contains(u"context window") || lower.contains(u"context length") || lower.contains(u"context_length")
        || lower.contains(u"prompt is too long") || lower.contains(u"too many tokens"))
        return AgentEvent::Failure::ContextLimit;
    if ((httpStatus >= 500 && httpStatus < 600) || lower.contains(u"overloaded") || lower.contains(u"unavailable")
        || lower.contains(u"server error") || lower.contains(u"internal error") || lower.contains(u"capacity")
        || lower.contains(u"high demand") || lower.contains(u"temporar"))
        return AgentEvent::Failure::Overloaded;
    return AgentEvent::Failure::Other;
}

} // namespace Peal
