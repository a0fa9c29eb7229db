// SPDX-License-Identifier: MIT
// Claude Code (`claude -p --output-format stream-json --verbose`) as an agent back-end.
#include "agentcommon.h"
#include "claudestream.h"

namespace Peal::Claude {

class ClaudePlugin final : public AgentCommon::StreamingCliAgent
{
public:
    ClaudePlugin()
        : StreamingCliAgent({QStringLiteral("claude"), QStringLiteral("Claude Code"),
                             QStringLiteral("Install it with 'npm install -g @anthropic-ai/claude-code' (Node.js 18 or "
                                            "newer), then sign in with 'claude' or set ANTHROPIC_API_KEY"),
                             QStringLiteral("2.1.197"), /* resumes */ true})
    {
    }

    Result<void> configure(const PluginConfig &config) override
    {
        return AgentCommon::readInto(m_options, readOptions(config.options));
    }

protected:
    QStringList arguments(AgentMode mode, const AgentSettings &settings) const override
    {
        return Claude::arguments(mode, settings, m_options);
    }
    QList<AgentEvent> eventsOfLine(const QString &line) const override { return eventsOf(line); }

public:
    // Its result event carries total_cost_usd.
    bool reportsCost(AgentMode) const override { return true; }

private:
    ClaudeOptions m_options;
};

} // namespace Peal::Claude

PEAL_REGISTER_PLUGIN(Peal::Claude::ClaudePlugin)
