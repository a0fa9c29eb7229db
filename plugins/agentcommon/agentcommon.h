// SPDX-License-Identifier: MIT
#pragma once

// What the agent back-ends (claude, codex, gemini, command) share: reading their option tables,
// their JSON lines, and the status of a finished process. Compiled into each plugin.

#include <peal/sdk/agent.h>

#include <QJsonObject>
#include <QStringList>

#include <optional>

namespace Peal::AgentCommon {

// An option error: its message names the key ("max_turns must be a positive integer").
Error optionError(const QString &what);
// Fails on a key not in `known`, naming the known ones.
Result<void> onlyKnownKeys(const QJsonObject &table, const QStringList &known);
// An array of strings (none when the key is absent).
Result<QStringList> stringListOption(const QJsonObject &table, const QString &key);
// One of `choices`, or `fallback` when the key is absent.
Result<QString> choiceOption(const QJsonObject &table, const QString &key, const QStringList &choices,
                             const QString &fallback);
// A positive integer, or none when the key is absent.
Result<std::optional<qint64>> positiveIntegerOption(const QJsonObject &table, const QString &key);
// A boolean, or `fallback` when the key is absent.
Result<bool> booleanOption(const QJsonObject &table, const QString &key, bool fallback);

// Plan, triage and normalisation only read; execute and address edit the workspace.
bool readsOnly(AgentMode mode);

// The JSON object on a line, or an Unreadable event in `unreadable` (a line that is not one).
std::optional<QJsonObject> jsonObjectOf(const QString &line, AgentEvent *unreadable);

// A short "what" of a tool call from its input: the file, the command, the pattern; never
// contents. One line, at most 200 characters.
QString toolTarget(const QJsonObject &input);

// The status of a finished agent process (the answer and error class come from its events).
AgentOutput outputOf(const ProcessResult &result);

// The lookup of a back-end's program, or its error with the install hint.
Result<QString> resolveAgentProgram(const QString &command, const std::optional<QString> &pathVariable,
                                    const QString &tool, const QString &installHint);

} // namespace Peal::AgentCommon
