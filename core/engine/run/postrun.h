// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/processstep.h"

namespace Peal::Internal {

// Spec §4.10: each post_run_commands entry in order, split on ASCII whitespace (no shell),
// run in the repository, as a sequence of steps; failures are logged and never change the run's
// result.
Step postRunCommands(RunContext &run, QObject *context);

} // namespace Peal::Internal
