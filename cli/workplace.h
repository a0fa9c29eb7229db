// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

#include <peal/config.h>

namespace Peal::Cli {

/*
 * Commands that know where they are. Without --config, a `peal.toml` in the current directory
 * is the configuration file; without a plan and repository from the command line, the
 * environment or that file, the state in the state directory names them (state.json, else the
 * task ledger). When neither exists, the error says which flags are needed.
 */
Result<Config> loadConfigHere(const CommandLine &commandLine);

// `peal.toml` of the current directory, when --config did not name a file.
std::optional<QString> configFileHere(const std::optional<QString> &given);

// The state directory of a command that reads only it (peal logs): --state-dir, else
// PEAL_STATE_DIR, else state_dir of ./peal.toml, else `.peal`.
QString stateDirHere(const std::optional<QString> &given);

} // namespace Peal::Cli
