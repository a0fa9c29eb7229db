// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/agent.h>

namespace Peal::Cursor {

/*
 * Cursor's `agent` CLI in print mode (spec §5.1). The prompt is always the last argument;
 * --model appears only when a model is configured; the workspace is passed exactly as
 * configured.
 */
class CursorPlugin final : public AgentPlugin
{
public:
    Result<QString> resolveProgram(const QString &command,
                                   const std::optional<QString> &pathVariable) const override;
    ProcessSpec command(AgentMode mode, const QString &prompt,
                        const AgentSettings &settings) const override;
    AgentOutput interpret(AgentMode mode, const ProcessResult &result) const override;

    // The argv without the program, for tests and documentation.
    static QStringList arguments(AgentMode mode, const QString &prompt, const AgentSettings &settings);
};

} // namespace Peal::Cursor
