// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/phase.h>
#include <peal/sdk/reviewer.h>
#include <peal/sdk/steps.h>

/*
 * What a plugin asks of the core, as steps of its recipe (PhaseServices::run,
 * ReviewServices::run). Each reads the
 * answer in a function that returns the step's result: an error ends the step with it, and so
 * the enclosing sequence or loop, unless an onDone() policy says otherwise. What a step needs
 * from earlier steps (a prompt, a message) is a function called as the step starts.
 */
namespace Peal {

template<typename T>
using ReadAnswer = std::function<Result<void>(const Result<T> &)>;

// An agent call (PhaseServices::runAgent). Without `read`, a failed call ends the step.
PEAL_EXPORT Step agentStep(PhaseServices &services, QString name, AgentMode mode, std::function<QString()> prompt,
                           AgentCallOptions options, ReadAnswer<AgentOutput> read = {});
// A process (PhaseServices::runProcess); `read` sees its result, whatever it was.
PEAL_EXPORT Step processStep(PhaseServices &services, QString name, std::function<ProcessSpec()> spec,
                             std::function<Result<void>(const ProcessResult &)> read = {});
// A process of a review session (ReviewServices::runProcess); `read` sees its result.
PEAL_EXPORT Step processStep(ReviewServices &services, QString name, std::function<ProcessSpec()> spec,
                             std::function<Result<void>(const ProcessResult &)> read = {});
// PhaseServices::commitChanges with the message `message()` returns.
PEAL_EXPORT Step commitStep(PhaseServices &services, QString name, std::function<QString()> message);
// One review (Reviewer::review). Without `read`, a review that could not run ends the step.
PEAL_EXPORT Step reviewStep(Reviewer &reviewer, QString name, ReadAnswer<ReviewResult> read = {});
// Dismisses each finding `dismissals()` names, in order (Reviewer::dismiss), with its reason.
PEAL_EXPORT Step dismissStep(Reviewer &reviewer, QString name,
                             std::function<QList<std::pair<QString, QString>>()> dismissals);

} // namespace Peal
