// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>

#include <QString>

#include <optional>

/*
 * The prompts of the review loop (spec §7), for phases that fix what a reviewer found: the
 * same texts the address phase sends. Untrusted text (review output) sits between fixed
 * delimiter lines. Prompts never end with a newline. Built by the core's prompt module, the
 * one place every prompt text lives.
 */
namespace Peal::Prompts {

// Fix what the review found; `suggestions`, when the reviewer gave any, follow the findings.
PEAL_EXPORT QString address(QStringView reviewOutput, const std::optional<QString> &suggestions = std::nullopt);
// Which findings are worth addressing, as free text the address phase reads.
PEAL_EXPORT QString triage(QStringView reviewOutput);

} // namespace Peal::Prompts
