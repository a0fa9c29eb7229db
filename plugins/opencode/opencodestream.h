// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/agent.h>

#include <QHash>
#include <QStringList>

namespace Peal::OpenCode {

// What [plugins.opencode] may set (docs/agents.md).
struct OpenCodeOptions
{
    std::optional<QString> agent;     // execute and address (--agent); unset: "build"
    std::optional<QString> planAgent; // plan, triage, normalise; unset: "plan"
    QStringList extraArgs;                      // appended as they are
};

// Reads the table; an error names the key and what it accepts.
Result<OpenCodeOptions> readOptions(const QJsonObject &table);

// The argv without the program: `opencode run --format json` with the mode's agent; the prompt
// goes on stdin.
QStringList arguments(AgentMode mode, const AgentSettings &settings, const OpenCodeOptions &options);

// The environment of a call: in the read-only modes OPENCODE_PERMISSION denies edits and shell
// commands whatever the agent's own permissions say.
QHash<QString, QString> environment(AgentMode mode);

// The events of one line of `--format json` output. Pure.
QList<AgentEvent> eventsOf(const QString &line);

} // namespace Peal::OpenCode
