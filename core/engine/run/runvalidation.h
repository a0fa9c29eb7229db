// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/recipe.h"
#include "run/runcontext.h"

namespace Peal::Internal {

// validateConfig() as steps of a run: the git work-tree check is a process step, so it is
// started by the run's limiter, logged like every child, and ended by a cancel (which ends the
// step as interrupted instead of giving a verdict on the repository).
PEAL_EXPORT Step validateStep(RunContext &run, QObject *context);

} // namespace Peal::Internal
