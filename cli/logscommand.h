// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

namespace Peal::Cli {

// `peal logs [N]`: the records of a task's agent calls (<state_dir>/tasks/<N>/), readable, raw
// or as JSON lines; with --follow, the call in progress until it ends. Exit 0, or 1 with an
// error line when there is nothing to show.
int runLogsCommand(const CommandLine &commandLine);

} // namespace Peal::Cli
