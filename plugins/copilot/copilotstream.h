// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/agent.h>

#include <QStringList>

#include <functional>

namespace Peal::Copilot {

// What [plugins.copilot] may set (docs/agents.md).
struct CopilotOptions
{
    QStringList allowTools{QStringLiteral("write")};                          // execute, address
    QStringList planDenyTools{QStringLiteral("write"), QStringLiteral("shell")}; // the read-only modes
    QStringList extraArgs;                                                    // appended as they are
};

// Reads the table; an error names the key and what it accepts.
Result<CopilotOptions> readOptions(const QJsonObject &table);

// The argv without the program, for the session `session`: a new one it names
// (`--session-id`), or the one to continue (`--resume=<id>`). The prompt goes on stdin; the
// usage goes to usageFile(session).
QStringList arguments(AgentMode mode, const AgentSettings &settings, const CopilotOptions &options,
                      const QString &session);

// Where the CLI writes a session's usage (`--usage-output-file`): its JSON lines carry no tokens.
QString usageFile(const QString &session);

// The Usage event of a usage file's JSON (its modelMetrics), or nothing.
std::optional<AgentEvent> usageOf(const QByteArray &json);

// The events of one line of `--output-format json` output. At the result line `readUsage` is
// given the session id and returns that session's usage file (empty when there is none).
QList<AgentEvent> eventsOf(const QString &line, const std::function<QByteArray(const QString &)> &readUsage);

} // namespace Peal::Copilot
