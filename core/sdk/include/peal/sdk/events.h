// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>
#include <peal/sdk/extensions.h>

#include <QString>

#include <optional>

namespace Peal {

/*
 * What an agent said or did, as its plugin read it from one line of the agent's output
 * (AgentPlugin::onOutputLine). Plugins only describe; the core logs, shows, counts and acts on
 * events. Fields a kind does not use stay empty.
 */
struct PEAL_EXPORT AgentEvent
{
    enum class Kind {
        Session,  // text: the session or thread id
        Text,     // text: words of the assistant; name "delta": they continue the previous ones
        ToolCall, // name: the tool; target: a short what (a file path, a command), never contents
        Usage,    // tokens (and cost where the CLI reports it) of a turn or of the whole call
        Turn,     // one more model turn
        Failure,  // failure: the class; text: the CLI's message
        Result,   // the call's terminal result: text is the answer (or the error's message; empty:
                  // the assistant's last words are the answer);
                  // failure is set when the CLI reported an error result, with a short detail
                  // in `name` (an HTTP status, a subtype); turns as the CLI counted them
        Unreadable, // a line the plugin could not read (text: why); counted and skipped
    };

    // Why an agent call failed, as far as its output tells.
    enum class Failure {
        None,
        RateLimit,
        Overloaded,
        Auth,
        ContextLimit,
        MaxTurns,
        Timeout,
        Crash,
        Stalled, // no output for agent_idle_timeout_sec: the watchdog ended it (set by the core)
        Executor, // the executor failed, not the agent (no allocation, node failure, time limit)
        Other,
        Billing,  // out of credit or quota: the account must be paid for (402, insufficient_quota)
    };

    Kind kind = Kind::Text;
    QString text;
    QString name;
    QString target;
    qint64 inputTokens = 0;
    qint64 outputTokens = 0;
    qint64 cacheReadTokens = 0;
    qint64 cacheWriteTokens = 0;
    std::optional<double> costUsd;
    Failure failure = Failure::None;
    qint64 turns = 0; // Result: the CLI's count of model turns (0: not reported)
    Extensions extensions = {};
};

// "session", "text", "tool_call", ...; "rate_limit", "overloaded", ... ("" for None).
PEAL_EXPORT QString agentEventKindName(AgentEvent::Kind kind);
PEAL_EXPORT QString failureClassName(AgentEvent::Failure failure);
// "rate limited", "overloaded", ... for error messages ("" for None).
PEAL_EXPORT QString failureDescription(AgentEvent::Failure failure);
// The class of an API error from its HTTP status (0: unknown) and its message, as the CLIs
// report them: 429 or "rate limit" is RateLimit, 5xx or "overloaded" Overloaded, 401/403 or
// "api key" Auth, "context" words ContextLimit; anything else Other.
PEAL_EXPORT AgentEvent::Failure failureFromApiError(int httpStatus, const QString &message);

} // namespace Peal
