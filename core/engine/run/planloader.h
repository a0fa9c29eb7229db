// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/recipe.h"
#include "run/runcontext.h"

namespace Peal::Internal {

/*
 * The step that reads the plan (or takes `document`, read earlier from the same file) into the
 * run: normalised through the agent when it is not canonical and normalisation is on (spec §3.6,
 * §3.7; a loop of attempts while the answer does not parse), then --task / --from-task, and at
 * least one task. The notices of a normalised plan are warned about like those of the file
 * (reportNotices).
 */
Step readPlanStep(RunContext &run, QObject *context, const std::optional<quint32> &task,
                  const std::optional<quint32> &fromTask, std::optional<PlanDocument> document);

// One "warning: <where>:<line>: ..." per notice; with strict_plan, the error that stops the run.
Result<void> reportNotices(RunContext &run, const QString &where, const QList<PlanNotice> &notices);

// The bounded "<first 5 stderr lines joined by spaces>" of a failed normalisation.
PEAL_EXPORT QString stderrSnippet(const QString &stderrText);

} // namespace Peal::Internal
