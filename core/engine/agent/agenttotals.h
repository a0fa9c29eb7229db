// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/events.h>

#include <optional>

namespace Peal::Internal {

// What the core adds up from one agent call's events: counts, tokens, cost, the session, the
// failure class the CLI reported and the answer of its result. The core's own (the SDK's
// AgentOutput carries what a phase needs of it).
struct PEAL_EXPORT AgentTotals
{
    qint64 events = 0;
    qint64 toolCalls = 0;
    qint64 turns = 0;
    qint64 inputTokens = 0;
    qint64 outputTokens = 0;
    qint64 cacheReadTokens = 0;
    qint64 cacheWriteTokens = 0;
    std::optional<double> costUsd; // unset: the agent reports no cost
    QString sessionId;
    AgentEvent::Failure failure = AgentEvent::Failure::None; // the last one reported
    QString failureText;    // the message that came with it
    QString failureDetail;  // a short detail of it ("429")
    bool resultSeen = false; // a Result event arrived
    QString resultText;     // its answer (at most 10 MiB kept)
    QString lastText;       // the assistant's words since its last tool call (at most 10 MiB)
    qint64 malformedLines = 0; // lines the plugin could not read (counted, skipped)

    void add(const AgentEvent &event);
};

} // namespace Peal::Internal
