// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

namespace Peal::Cli {

// `peal status`: what is done, what the last run did, what `peal run` would do next.
int runStatusCommand(const CommandLine &commandLine);

} // namespace Peal::Cli
