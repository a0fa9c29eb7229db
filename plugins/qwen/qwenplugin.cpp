// SPDX-License-Identifier: MIT
// Qwen Code (`qwen -o stream-json`, the prompt on stdin) as an agent back-end.
#include "agentcommon.h"
#include "qwenstream.h"

namespace Peal::Qwen {

class QwenPlugin final : public AgentCommon::StreamingCliAgent
{
public:
    QwenPlugin()
        : StreamingCliAgent({QStringLiteral("qwen"), QStringLiteral("Qwen Code"),
                             QStringLiteral("Install it with 'npm install -g @qwen-code/qwen-code', then sign in with "
                                            "'qwen' or set OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_MODEL"),
                             QStringLiteral("0.15.10"), /* resumes */ true})
    {
    }

    Result<void> configure(const PluginConfig &config) override
    {
        return AgentCommon::readInto(m_options, readOptions(config.options));
    }

protected:
    QStringList arguments(AgentMode mode, const AgentSettings &settings) const override
    {
        return Qwen::arguments(mode, settings, m_options);
    }
    QList<AgentEvent> eventsOfLine(const QString &line) const override { return eventsOf(line); }

private:
    QwenOptions m_options;
};

} // namespace Peal::Qwen

PEAL_REGISTER_PLUGIN(Peal::Qwen::QwenPlugin)
