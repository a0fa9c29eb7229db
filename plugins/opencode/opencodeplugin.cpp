// SPDX-License-Identifier: MIT
// OpenCode (`opencode run --format json`) as an agent back-end.
#include "agentcommon.h"
#include "opencodestream.h"

namespace Peal::OpenCode {

class OpenCodePlugin final : public AgentCommon::StreamingCliAgent
{
public:
    OpenCodePlugin()
        : StreamingCliAgent({QStringLiteral("opencode"), QStringLiteral("OpenCode"),
                             QStringLiteral("Install it with 'npm install -g opencode-ai', then sign in with "
                                            "'opencode auth login' or configure a provider in opencode.json"),
                             QStringLiteral("1.18.33"), /* resumes */ true})
    {
    }

    Result<void> configure(const PluginConfig &config) override
    {
        return AgentCommon::readInto(m_options, readOptions(config.options));
    }

    // Its step_finish lines carry the cost of each turn.
    bool reportsCost(AgentMode) const override { return true; }

protected:
    QStringList arguments(AgentMode mode, const AgentSettings &settings) const override
    {
        return OpenCode::arguments(mode, settings, m_options);
    }
    QList<AgentEvent> eventsOfLine(const QString &line) const override { return eventsOf(line); }
    QHash<QString, QString> environment(AgentMode mode, const AgentSettings &) const override
    {
        return OpenCode::environment(mode);
    }

private:
    OpenCodeOptions m_options;
};

} // namespace Peal::OpenCode

PEAL_REGISTER_PLUGIN(Peal::OpenCode::OpenCodePlugin)
