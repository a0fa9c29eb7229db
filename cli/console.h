// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace Peal::Cli {

// Writes UTF-8 text as is (no newline added).
void printOut(const QString &text);
void printErr(const QString &text);

// "error: <line>\n" on stderr, the one-line form every failure is reported in.
void printError(const QString &line);
void printWarning(const QString &line);

} // namespace Peal::Cli
