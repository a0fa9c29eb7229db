// SPDX-License-Identifier: MIT
#pragma once

#include "runcontext.h"

namespace Peal::Internal {

/*
 * One agent invocation with the retry policy of spec §5.3: up to `attempts` runs, retried on
 * timeout or non-zero exit, never on a failure to start; triage may turn a final non-zero exit
 * into an empty answer. Errors carry the reference messages ("Phase 2 exited with code
 * Some(1)"). `taskIndex` is 0 for calls that belong to no task (normalisation). `workspace`
 * replaces the configured one when not empty (a task in its own worktree).
 */
void runAgentCall(RunContext &run, QObject *context, AgentMode mode, const QString &prompt,
                  const AgentCallOptions &options, quint32 taskIndex, const QString &workspace,
                  AgentCallback done);

// Maps an agent's output to the reference error of `phase` ("Phase 2"), or success.
PEAL_EXPORT Result<AgentOutput> classifyAgentOutput(const AgentOutput &output, const QString &phase,
                                                    quint64 timeoutSec);

} // namespace Peal::Internal
