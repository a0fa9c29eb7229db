// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/prompts.h>
#include <peal/sdk/result.h>

#include <QString>
#include <QStringList>

#include <optional>

/*
 * Every prompt peal sends to an agent, built in one place (spec §7). Untrusted text (task body,
 * plan, review output, user document) sits between fixed delimiter lines, one pair per kind.
 * Prompts never end with a newline.
 */
namespace Peal::Prompts {

PEAL_EXPORT QString plan(QStringView taskBody);
PEAL_EXPORT QString execute(QStringView planText);
PEAL_EXPORT QString normalize(QStringView document);

// The prompt of a call that continues an interrupted one's conversation (resume_sessions):
// `why` says what stopped it ("it wrote nothing for 300 s and was stopped").
PEAL_EXPORT QString resume(QStringView why);

// A user template with every "{{DOC}}" replaced by the document, nothing added.
PEAL_EXPORT QString fromTemplate(QStringView templateText, QStringView document);

// The normalisation prompt: the template file when one is configured, else the built-in one
// (with `graph`, the one that asks for a graph plan: normalize_graph).
PEAL_EXPORT Result<QString> buildNormalize(QStringView document,
                                           const std::optional<QString> &templatePath, bool graph = false);

// The plan-format guide printed by `peal prompt` (spec §7.7).
PEAL_EXPORT QString planFormatGuide();

// Graph plans (beyond the reference; graphprompts.cpp): the guide of `peal prompt --graph`, and
// the built-in normalisation prompt that asks for tasks naming what they wait for.
PEAL_EXPORT QString graphPlanFormatGuide();
PEAL_EXPORT QString normalizeGraph(QStringView document);

// argv for logs: the last element (always the prompt) becomes "<prompt len=N>" (spec §11.3).
PEAL_EXPORT QStringList redactForLog(const QStringList &arguments);

} // namespace Peal::Prompts
