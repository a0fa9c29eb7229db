// SPDX-License-Identifier: MIT
// OpenAI's Codex CLI (`codex exec --json`) as an agent back-end.
#include "agentcommon.h"
#include "codexstream.h"

namespace Peal::Codex {

class CodexPlugin final : public AgentPlugin
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

    QString defaultCommand() const override { return QStringLiteral("codex"); }

    Result<QString> resolveProgram(const QString &command, const std::optional<QString> &pathVariable) const override
    {
        return AgentCommon::resolveAgentProgram(command, pathVariable, QStringLiteral("Codex CLI"),
                                                QStringLiteral("Install it with 'npm install -g @openai/codex', then "
                                                               "sign in with 'codex login' or set CODEX_API_KEY"));
    }

    ProcessSpec command(AgentMode mode, const QString &prompt, const AgentSettings &settings) const override
    {
        ProcessSpec spec;
        spec.program = settings.program;
        spec.arguments = arguments(mode, settings, m_options);
        spec.workingDirectory = settings.workspace;
        spec.stdinMode = ProcessSpec::Stdin::Data; // "-": the prompt is read from stdin
        spec.stdinData = prompt.toUtf8();
        spec.timeout = settings.timeout;
        spec.label = QStringLiteral("codex ") + agentModeName(mode);
        return spec;
    }

    QString testedVersion() const override { return QStringLiteral("0.171.0"); }

    bool streamsEvents(AgentMode) const override { return true; }
    bool reportsResult(AgentMode) const override { return true; }

    QList<AgentEvent> onOutputLine(AgentMode, OutputChannel channel, const QString &line) const override
    {
        return channel == OutputChannel::Stdout ? eventsOf(line) : QList<AgentEvent>();
    }

    AgentOutput interpret(AgentMode, const ProcessResult &result) const override { return AgentCommon::outputOf(result); }

private:
    CodexOptions m_options;
};

} // namespace Peal::Codex

PEAL_REGISTER_PLUGIN(Peal::Codex::CodexPlugin)
