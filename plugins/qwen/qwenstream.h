// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/agent.h>

#include <QStringList>

namespace Peal::Qwen {

// What [plugins.qwen] may set (docs/agents.md).
struct QwenOptions
{
    QString approvalMode = QStringLiteral("auto-edit"); // execute and address
    QString planApprovalMode = QStringLiteral("plan");  // plan, triage, normalise
    QStringList extraArgs;                              // appended as they are
};

// Reads the table; an error names the key and what it accepts.
Result<QwenOptions> readOptions(const QJsonObject &table);

// The argv without the program: `qwen -o stream-json` with the mode's approval mode; the
// prompt goes on stdin.
QStringList arguments(AgentMode mode, const AgentSettings &settings, const QwenOptions &options);

// The events of one line of `-o stream-json` output (Claude Code's format). Qwen Code reports
// an API error as the assistant's text "[API Error: <status> ...]" in a successful result: that
// result is a failure of the error's class. Pure.
QList<AgentEvent> eventsOf(const QString &line);

} // namespace Peal::Qwen
