// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

namespace Peal::Cli {

// `peal reset --task N | --all`: marks tasks not completed in the state file, under the lock.
int runResetCommand(const CommandLine &commandLine);

} // namespace Peal::Cli
