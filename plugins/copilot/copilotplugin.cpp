// SPDX-License-Identifier: MIT
// GitHub Copilot CLI (`copilot --output-format json`, the prompt on stdin) as an agent back-end.
#include "agentcommon.h"
#include "copilotstream.h"

#include <QFile>
#include <QUuid>

namespace Peal::Copilot {

class CopilotPlugin final : public AgentCommon::StreamingCliAgent
{
public:
    CopilotPlugin()
        : StreamingCliAgent({QStringLiteral("copilot"), QStringLiteral("Copilot CLI"),
                             QStringLiteral("Install it with 'npm install -g @github/copilot', then sign in with "
                                            "'copilot login' or set COPILOT_PROVIDER_BASE_URL for a provider of your own"),
                             QStringLiteral("1.0.102"), /* resumes */ true})
    {
    }

    Result<void> configure(const PluginConfig &config) override
    {
        return AgentCommon::readInto(m_options, readOptions(config.options));
    }

    // The CLI prints its session id only at its end: peal names each new session itself
    // (arguments()), so that a call stopped before then can still be continued.
    ProcessSpec command(AgentMode mode, const QString &prompt, const AgentSettings &settings) const override
    {
        ProcessSpec spec = StreamingCliAgent::command(mode, prompt, settings);
        if (const qsizetype at = spec.arguments.indexOf(QStringLiteral("--session-id")); at >= 0)
            setStartsSession(spec, spec.arguments.value(at + 1));
        return spec;
    }

protected:
    QStringList arguments(AgentMode mode, const AgentSettings &settings) const override
    {
        const QString resumed = resumeSession(settings);
        return Copilot::arguments(mode, settings, m_options,
                                  resumed.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : resumed);
    }

    // The result line's usage is in the file the CLI wrote just before it; read once, removed.
    QList<AgentEvent> eventsOfLine(const QString &line) const override
    {
        return eventsOf(line, [](const QString &session) {
            QFile file(usageFile(session));
            const QByteArray json = file.open(QIODevice::ReadOnly) ? file.read(1 << 20) : QByteArray();
            file.remove();
            return json;
        });
    }

private:
    CopilotOptions m_options;
};

} // namespace Peal::Copilot

PEAL_REGISTER_PLUGIN(Peal::Copilot::CopilotPlugin)
