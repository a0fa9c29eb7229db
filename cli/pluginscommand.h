// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace Peal::Cli {

// `peal plugins`: what was found where, loaded or rejected and why. Returns the exit code:
// 0 when every plugin found could be loaded, 1 otherwise.
int runPluginsCommand(const QStringList &pluginDirs);

} // namespace Peal::Cli
