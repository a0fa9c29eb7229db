// SPDX-License-Identifier: MIT
// Any command line as the agent (aider, opencode, a script): [plugins.command] gives the argv.
#include "agentcommon.h"
#include "commandagent.h"

namespace Peal::Command {

class CommandPlugin final : public AgentPlugin
{
public:
    Result<void> configure(const PluginConfig &config) override
    {
        return AgentCommon::readInto(m_options, readOptions(config.options));
    }

    // agent_cmd left at its default runs the program of [plugins.command] argv.
    QString defaultCommand() const override { return m_options.argv.value(0); }

    Result<QString> resolveProgram(const QString &command, const std::optional<QString> &pathVariable) const override
    {
        return AgentCommon::resolveAgentProgram(command, pathVariable, QStringLiteral("The command agent"),
                                                QStringLiteral("Set [plugins.command] argv to a program that exists"));
    }

    ProcessSpec command(AgentMode mode, const QString &prompt, const AgentSettings &settings) const override
    {
        const QStringList argv = expand(templateFor(m_options, mode), prompt, settings);
        ProcessSpec spec;
        // A template of its own for the mode names its own program; else the resolved one.
        spec.program = m_options.perMode.contains(mode) ? argv.value(0) : settings.program;
        spec.arguments = argv.mid(1);
        spec.workingDirectory = settings.workspace;
        spec.timeout = settings.timeout;
        if (m_options.promptOnStdin) {
            spec.stdinMode = ProcessSpec::Stdin::Data;
            spec.stdinData = prompt.toUtf8();
        } else {
            spec.stdinMode = ProcessSpec::Stdin::Null;
        }
        spec.label = QStringLiteral("command ") + agentModeName(mode);
        return spec;
    }

    AgentOutput interpret(AgentMode, const ProcessResult &result) const override
    {
        AgentOutput out = AgentCommon::outputOf(result);
        out.text = result.stdoutText; // the text output is the answer
        return out;
    }

private:
    CommandOptions m_options;
};

} // namespace Peal::Command

PEAL_REGISTER_PLUGIN(Peal::Command::CommandPlugin)
