// SPDX-License-Identifier: MIT
#pragma once

#include "run/runcontext.h"

namespace Peal::Internal {

// validateConfig() for a run: the git work-tree check goes through `run.runProcess`, so it is
// started by the run's limiter, logged like every child, and ended by a cancel (which reports
// an Interrupted error instead of a verdict on the repository).
PEAL_EXPORT void validateRun(RunContext &run, QObject *context, std::function<void(Result<void>)> done);

} // namespace Peal::Internal
