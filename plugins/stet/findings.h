// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/reviewer.h>

// Reading reviewer output (spec §8.5). Pure functions: no processes, no state.
namespace Peal::Stet {

bool detectFindings(std::optional<int> exitCode, const QString &output);
std::optional<QList<Finding>> parseFindings(const QString &output);
std::optional<QString> extractSuggestions(const QString &output);
int countFindings(const QString &output);
// Every finding as a key (ReviewerPlugin::openFindings): findings without ids count too.
QStringList openFindings(const QString &output);

} // namespace Peal::Stet
