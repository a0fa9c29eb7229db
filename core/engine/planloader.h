// SPDX-License-Identifier: MIT
#pragma once

#include "runcontext.h"

namespace Peal::Internal {

/*
 * Reads the plan, normalises it through the agent when it is not canonical and normalisation
 * is on (spec §3.6, §3.7), applies --task / --from-task, and insists on at least one task.
 */
void loadPlan(RunContext &run, QObject *context, const std::optional<quint32> &task,
              const std::optional<quint32> &fromTask, std::function<void(Result<Plan>)> done);

// The bounded "<first 5 stderr lines joined by spaces>" of a failed normalisation.
PEAL_EXPORT QString stderrSnippet(const QString &stderrText);

} // namespace Peal::Internal
