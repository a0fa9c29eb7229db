// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace Peal::Cli {

// Generated from commandCatalog(), so they list exactly the commands and options peal parses.
QString bashCompletion();
QString zshCompletion();
QString manPage();

} // namespace Peal::Cli
