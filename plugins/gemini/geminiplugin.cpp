// SPDX-License-Identifier: MIT
// Google's Gemini CLI (`gemini -p --output-format stream-json`) as an agent back-end.
#include "agentcommon.h"
#include "geministream.h"

namespace Peal::Gemini {

class GeminiPlugin final : public AgentPlugin
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

    QString defaultCommand() const override { return QStringLiteral("gemini"); }

    Result<QString> resolveProgram(const QString &command, const std::optional<QString> &pathVariable) const override
    {
        return AgentCommon::resolveAgentProgram(command, pathVariable, QStringLiteral("Gemini CLI"),
                                                QStringLiteral("Install it with 'npm install -g @google/gemini-cli', then "
                                                               "sign in with 'gemini' or set GEMINI_API_KEY"));
    }

    ProcessSpec command(AgentMode mode, const QString &prompt, const AgentSettings &settings) const override
    {
        ProcessSpec spec;
        spec.program = settings.program;
        spec.arguments = arguments(mode, settings, m_options);
        // Gemini CLI works in its current directory and reads the prompt from stdin.
        spec.workingDirectory = settings.workspace;
        spec.stdinMode = ProcessSpec::Stdin::Data;
        spec.stdinData = prompt.toUtf8();
        spec.timeout = settings.timeout;
        spec.label = QStringLiteral("gemini ") + agentModeName(mode);
        return spec;
    }

    QString testedVersion() const override { return QStringLiteral("0.61.0"); }

    bool streamsEvents(AgentMode) const override { return true; }
    bool reportsResult(AgentMode) const override { return true; }

    QList<AgentEvent> onOutputLine(AgentMode, OutputChannel channel, const QString &line) const override
    {
        return channel == OutputChannel::Stdout ? eventsOf(line) : QList<AgentEvent>();
    }

    AgentOutput interpret(AgentMode, const ProcessResult &result) const override
    {
        AgentOutput out = AgentCommon::outputOf(result);
        // Gemini CLI's exit codes say why when its stream does not (docs/cli/headless.md).
        if (const auto why = failureOfExitCode(result.code().value_or(0)); why != AgentEvent::Failure::None) {
            out.totals.failure = why;
            out.totals.failureDetail = QStringLiteral("exit code %1").arg(*result.code());
            out.totals.failureText = result.stderrText.trimmed().section(u'\n', 0, 0);
        }
        return out;
    }

private:
    GeminiOptions m_options;
};

} // namespace Peal::Gemini

PEAL_REGISTER_PLUGIN(Peal::Gemini::GeminiPlugin)
