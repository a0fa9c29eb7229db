// SPDX-License-Identifier: MIT
// Google's Gemini CLI (`gemini -p --output-format stream-json`) as an agent back-end.
#include "agentcommon.h"
#include "geministream.h"

namespace Peal::Gemini {

class GeminiPlugin final : public AgentCommon::StreamingCliAgent
{
public:
    GeminiPlugin()
        : StreamingCliAgent({QStringLiteral("gemini"), QStringLiteral("Gemini CLI"),
                             QStringLiteral("Install it with 'npm install -g @google/gemini-cli', then sign in with "
                                            "'gemini' or set GEMINI_API_KEY"),
                             QStringLiteral("0.61.0"), /* resumes */ true})
    {
    }

    Result<void> configure(const PluginConfig &config) override
    {
        return AgentCommon::readInto(m_options, readOptions(config.options));
    }

    AgentOutput interpret(AgentMode mode, const ProcessResult &result) const override
    {
        AgentOutput out = StreamingCliAgent::interpret(mode, result);
        // Gemini CLI's exit codes say why when its stream does not (docs/cli/headless.md).
        if (const auto why = failureOfExitCode(result.code().value_or(0)); why != AgentEvent::Failure::None) {
            out.failure = why;
            out.failureDetail = QStringLiteral("exit code %1").arg(*result.code());
            out.failureText = result.stderrText.trimmed().section(u'\n', 0, 0);
        }
        return out;
    }

protected:
    // The prompt goes on stdin, which the CLI puts before the (blank) --prompt text.
    QStringList arguments(AgentMode mode, const AgentSettings &settings) const override
    {
        return Gemini::arguments(mode, settings, m_options);
    }
    QList<AgentEvent> eventsOfLine(const QString &line) const override { return eventsOf(line); }

private:
    GeminiOptions m_options;
};

} // namespace Peal::Gemini

PEAL_REGISTER_PLUGIN(Peal::Gemini::GeminiPlugin)
