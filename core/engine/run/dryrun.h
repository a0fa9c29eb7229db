// SPDX-License-Identifier: MIT
#pragma once

#include "run/runcontext.h"
#include "task/taskresult.h"

#include <peal/sdk/reviewer.h>

namespace Peal::Internal {

// What `peal run --dry-run` prints: the run's settings, its segments in order with what would
// happen to each task (skipped or which phases, with their commands and prompts redacted), and
// what runs before the first task and after the last. `review` is null when phase 3 is off.
QString describeRun(RunContext &run, const Pipeline &pipeline, const ReviewOutline *review,
                    const QString &reviewNote);

// The same when the plan must be normalised by the agent first, so its tasks are not known.
QString describeNormalization(RunContext &run);

} // namespace Peal::Internal
