// SPDX-License-Identifier: MIT
#pragma once

#include "agent/callending.h" // classifyAgentOutput, for the callers of agent calls

#include "recipe/recipe.h"
#include "run/runcontext.h"

namespace Peal::Internal {

// What one agent call is: the mode and prompt, how it is retried and reported, the task it
// belongs to (0: none, plan normalisation) and the workspace that replaces the configured one
// when not empty (a task in its own worktree).
struct AgentCallRequest
{
    AgentMode mode = AgentMode::Plan;
    QString prompt;
    AgentCallOptions options;
    quint32 taskIndex = 0;
    QString workspace;
};

/*
 * One agent invocation with the retry policy of spec §5.3 as a subtree of the run's recipe: a
 * loop of attempts, each the budget check, the wait for the back-end's rate limit, the process
 * and the reading of its result, which decides whether another attempt follows (a timeout or a
 * non-zero exit within `attempts`, never a failure to start; one more for a stalled call), a
 * wait (a rate limit), or the end. Triage may turn a final non-zero exit into an empty answer.
 * Errors say what happened to the agent ("agent exited with code 1", the first stderr line as
 * the hint); the task that fails names itself and the phase. `done` hears of the outcome once.
 */
Step agentCallStep(RunContext &run, QObject *context, AgentCallRequest request, AgentCallback done);

} // namespace Peal::Internal
