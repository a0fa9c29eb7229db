// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

namespace Peal::Cli {

// `peal history`: the runs of a state directory, newest first (<state_dir>/runs/).
int runHistoryCommand(const CommandLine &commandLine);

} // namespace Peal::Cli
