// SPDX-License-Identifier: MIT
// OpenAI's Codex CLI (`codex exec --json`) as an agent back-end.
#include "agentcommon.h"
#include "codexstream.h"

namespace Peal::Codex {

class CodexPlugin final : public AgentCommon::StreamingCliAgent
{
public:
    CodexPlugin()
        : StreamingCliAgent({QStringLiteral("codex"), QStringLiteral("Codex CLI"),
                             QStringLiteral("Install it with 'npm install -g @openai/codex', then sign in with "
                                            "'codex login' or set CODEX_API_KEY"),
                             QStringLiteral("0.171.0"), /* resumes */ true})
    {
    }

    Result<void> configure(const PluginConfig &config) override
    {
        return AgentCommon::readInto(m_options, readOptions(config.options));
    }

protected:
    // "-" at the end: the prompt is read from stdin.
    QStringList arguments(AgentMode mode, const AgentSettings &settings) const override
    {
        return Codex::arguments(mode, settings, m_options);
    }
    QList<AgentEvent> eventsOfLine(const QString &line) const override { return eventsOf(line); }

private:
    CodexOptions m_options;
};

} // namespace Peal::Codex

PEAL_REGISTER_PLUGIN(Peal::Codex::CodexPlugin)
