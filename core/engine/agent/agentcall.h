// SPDX-License-Identifier: MIT
#pragma once

#include "run/runcontext.h"

namespace Peal::Internal {

/*
 * One agent invocation with the retry policy of spec §5.3: up to `attempts` runs, retried on
 * timeout or non-zero exit, never on a failure to start; triage may turn a final non-zero exit
 * into an empty answer. Errors say what happened to the agent ("agent exited with code 1",
 * the first stderr line as the hint); the task that fails names itself and the phase. `taskIndex` is 0 for calls that belong to no task (normalisation). `workspace`
 * replaces the configured one when not empty (a task in its own worktree).
 */
void runAgentCall(RunContext &run, QObject *context, AgentMode mode, const QString &prompt,
                  const AgentCallOptions &options, quint32 taskIndex, const QString &workspace,
                  AgentCallback done);

// Maps an agent's output to an error about `subject` ("agent exited with code 1"), or success.
// A failure class the back-end reported names the back-end: "claude: rate limited (429)".
PEAL_EXPORT Result<AgentOutput> classifyAgentOutput(const AgentOutput &output, const QString &subject,
                                                    quint64 timeoutSec, const QString &backEnd = {});

} // namespace Peal::Internal
