// SPDX-License-Identifier: MIT
// Claude Code (`claude -p --output-format stream-json --verbose`) as an agent back-end.
#include "agentcommon.h"
#include "claudestream.h"

namespace Peal::Claude {

class ClaudePlugin final : public AgentPlugin
{
public:
    Result<void> configure(const PluginConfig &config) override
    {
        auto options = readOptions(config.options);
        if (!options)
            return options.error();
        m_options = std::move(options).value();
        return {};
    }

    QString defaultCommand() const override { return QStringLiteral("claude"); }

    Result<QString> resolveProgram(const QString &command, const std::optional<QString> &pathVariable) const override
    {
        return AgentCommon::resolveAgentProgram(command, pathVariable, QStringLiteral("Claude Code"),
                                                QStringLiteral("Install it with 'npm install -g @anthropic-ai/claude-code' "
                                                               "(Node.js 18 or newer), then sign in with 'claude' or set "
                                                               "ANTHROPIC_API_KEY"));
    }

    ProcessSpec command(AgentMode mode, const QString &prompt, const AgentSettings &settings) const override
    {
        ProcessSpec spec;
        spec.program = settings.program;
        spec.arguments = arguments(mode, settings, m_options);
        // Claude Code works in its current directory; the prompt goes on stdin, so neither its
        // length nor a leading '-' matters.
        spec.workingDirectory = settings.workspace;
        spec.stdinMode = ProcessSpec::Stdin::Data;
        spec.stdinData = prompt.toUtf8();
        spec.timeout = settings.timeout;
        spec.label = QStringLiteral("claude ") + agentModeName(mode);
        return spec;
    }

    QString testedVersion() const override { return QStringLiteral("2.1.197"); }

    bool streamsEvents(AgentMode) const override { return true; }
    bool reportsResult(AgentMode) const override { return true; }

    QList<AgentEvent> onOutputLine(AgentMode, OutputChannel channel, const QString &line) const override
    {
        return channel == OutputChannel::Stdout ? eventsOf(line) : QList<AgentEvent>();
    }

    // The answer and the error class come from the stream's result (the core applies them).
    AgentOutput interpret(AgentMode, const ProcessResult &result) const override { return AgentCommon::outputOf(result); }

private:
    ClaudeOptions m_options;
};

} // namespace Peal::Claude

PEAL_REGISTER_PLUGIN(Peal::Claude::ClaudePlugin)
