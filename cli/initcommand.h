// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

namespace Peal::Cli {

// `peal init`: a commented peal.toml and a plan skeleton in the current directory; an
// existing file is never overwritten (nothing is written then, exit 1).
int runInitCommand(const CommandLine &commandLine);

} // namespace Peal::Cli
