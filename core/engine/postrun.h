// SPDX-License-Identifier: MIT
#pragma once

#include "runcontext.h"

namespace Peal::Internal {

// Spec §4.10: each post_run_commands entry in order, split on ASCII whitespace (no shell),
// run in the repository; failures are logged and never change the run's result.
void runPostRunCommands(RunContext &run, QObject *context, std::function<void()> done);

} // namespace Peal::Internal
