// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/agent.h>

#include <QStringList>

namespace Peal::Codex {

// What [plugins.codex] may set (docs/agents.md).
struct CodexOptions
{
    QString sandbox = QStringLiteral("workspace-write"); // execute and address
    QString planSandbox = QStringLiteral("read-only");   // plan, triage, normalise
    bool skipGitRepoCheck = false;
    QStringList extraArgs;
};

Result<CodexOptions> readOptions(const QJsonObject &table);

// The argv without the program: `codex exec --json`, the prompt on stdin ("-"); it runs in the
// workspace.
QStringList arguments(AgentMode mode, const AgentSettings &settings, const CodexOptions &options);

// The events of one line of `codex exec --json` output. Pure.
QList<AgentEvent> eventsOf(const QString &line);

} // namespace Peal::Codex
