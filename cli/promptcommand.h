// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <optional>

namespace Peal::Cli {

// `peal prompt [--output PATH]`; returns the exit code.
int runPromptCommand(const std::optional<QString> &output, bool graph = false);

} // namespace Peal::Cli
