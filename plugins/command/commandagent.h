// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/agent.h>

#include <QHash>
#include <QStringList>

namespace Peal::Command {

// [plugins.command]: an argv template for every mode, optional ones per mode, and where the
// prompt goes (docs/agents.md).
struct CommandOptions
{
    QStringList argv;                     // the program and its arguments
    QHash<AgentMode, QStringList> perMode; // plan_argv, execute_argv, ...
    bool promptOnStdin = false;
};

Result<CommandOptions> readOptions(const QJsonObject &table);

// The argv of a call with {prompt}, {workspace} and {model} filled in: an argument holding
// {model} is left out when no model is set (with the flag right before it, when the argument is
// exactly "{model}" and that flag starts with '-').
QStringList expand(const QStringList &argvTemplate, const QString &prompt, const AgentSettings &settings);

// The template for `mode`.
const QStringList &templateFor(const CommandOptions &options, AgentMode mode);

} // namespace Peal::Command
