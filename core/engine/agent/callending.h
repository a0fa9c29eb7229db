// SPDX-License-Identifier: MIT
#pragma once

#include "agent/agenttotals.h"

#include <peal/config.h>
#include <peal/sdk/agent.h>
#include <peal/sdk/process.h>

#include <optional>

// How an agent call ended, read for what comes next: its error, whether it was stopped from
// outside (so that a retry may continue its conversation), whether it was limited.
namespace Peal::Internal {

// Maps an agent's output to an error about `subject` ("agent exited with code 1"), or success.
// A failure class the back-end reported names the back-end: "claude: rate limited (429)".
PEAL_EXPORT Result<AgentOutput> classifyAgentOutput(const AgentOutput &output, const QString &subject,
                                                    quint64 timeoutSec, const QString &backEnd = {});

// Why a failed call was stopped from outside - the stall watchdog, the phase timeout, a rate
// limit, the executor - as its continuation's prompt says it; none for a failure of its own.
std::optional<QString> interruptionOf(const AgentOutput &output, const ProcessResult &result, const Config &config);

// A back-end that ends its stream with a result: the answer is the result's, an error result
// fails the call even after exit 0, and a stream without a result is a failure too.
void applyStreamResult(AgentOutput &output, const ProcessResult &result, const AgentTotals &totals);

// A rate limit or an overload: the classes a wait (or a fallback) answers.
bool isRateLimit(AgentEvent::Failure failure);

} // namespace Peal::Internal
