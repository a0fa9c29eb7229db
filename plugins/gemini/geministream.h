// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/agent.h>

#include <QStringList>

namespace Peal::Gemini {

// What [plugins.gemini] may set (docs/agents.md).
struct GeminiOptions
{
    QString approvalMode = QStringLiteral("auto_edit"); // execute and address
    QString planApprovalMode = QStringLiteral("plan");  // plan, triage, normalise
    bool skipTrust = false;                             // --skip-trust
    QStringList extraArgs;
};

Result<GeminiOptions> readOptions(const QJsonObject &table);

// The argv without the program: `gemini -p` in stream-json; the prompt goes on stdin, which the
// CLI puts before the (empty) -p text.
QStringList arguments(AgentMode mode, const AgentSettings &settings, const GeminiOptions &options);

// The class Gemini CLI's exit code gives: 41 auth, 53 turn limit, 42/52/54 other; None for the
// rest (0, 1, 130).
AgentEvent::Failure failureOfExitCode(int code);

// The events of one line of `--output-format stream-json` output. Pure.
QList<AgentEvent> eventsOf(const QString &line);

} // namespace Peal::Gemini
