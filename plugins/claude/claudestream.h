// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/agent.h>

#include <QStringList>

namespace Peal::Claude {

// What [plugins.claude] may set (docs/agents.md).
struct ClaudeOptions
{
    QString permissionMode = QStringLiteral("acceptEdits");   // execute and address
    QString planPermissionMode = QStringLiteral("plan");      // plan, triage, normalise
    QStringList allowedTools;                                 // --allowedTools
    std::optional<qint64> maxTurns;                           // --max-turns
    QStringList extraArgs;                                    // appended as they are
};

// Reads the table; an error names the key and what it accepts.
Result<ClaudeOptions> readOptions(const QJsonObject &table);

// The argv without the program: `claude -p` in stream-json with the mode's permission mode.
// The prompt goes on stdin.
QStringList arguments(AgentMode mode, const AgentSettings &settings, const ClaudeOptions &options);

// The events of one line of `--output-format stream-json --verbose` output. Pure.
QList<AgentEvent> eventsOf(const QString &line);

} // namespace Peal::Claude
