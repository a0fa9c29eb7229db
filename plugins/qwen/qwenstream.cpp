// SPDX-License-Identifier: MIT
#include "qwenstream.h"

#include "agentcommon.h"
#include "claudestream.h"

#include <QRegularExpression>

namespace Peal::Qwen {

using namespace AgentCommon;

namespace {

const QStringList kApprovalModes{QStringLiteral("plan"), QStringLiteral("default"), QStringLiteral("auto-edit"),
                                 QStringLiteral("yolo")};

} // namespace

Result<QwenOptions> readOptions(const QJsonObject &table)
{
    QwenOptions options;
    const auto read = OptionReader(table)
                          .choice(QStringLiteral("approval_mode"), kApprovalModes, options.approvalMode)
                          .choice(QStringLiteral("plan_approval_mode"), kApprovalModes, options.planApprovalMode)
                          .strings(QStringLiteral("extra_args"), options.extraArgs)
                          .finish();
    if (!read)
        return read.error();
    return options;
}

QStringList arguments(AgentMode mode, const AgentSettings &settings, const QwenOptions &options)
{
    QStringList args{QStringLiteral("--output-format"), QStringLiteral("stream-json"), QStringLiteral("--approval-mode"),
                     readsOnly(mode) ? options.planApprovalMode : options.approvalMode};
    if (settings.model)
        args << QStringLiteral("--model") << *settings.model;
    // A session to continue (`--resume <id>`, the id of its init line; the same directory).
    if (const QString session = resumeSession(settings); !session.isEmpty())
        args << QStringLiteral("--resume") << session;
    args << options.extraArgs;
    return args;
}

QList<AgentEvent> eventsOf(const QString &line)
{
    static const QRegularExpression apiError(QStringLiteral("^\\[API Error: (?:(\\d{3})\\b)?"));
    QList<AgentEvent> events = Claude::eventsOf(line);
    for (AgentEvent &event : events) {
        if (event.kind != AgentEvent::Kind::Result || event.failure != AgentEvent::Failure::None)
            continue;
        const auto m = apiError.match(event.text.trimmed());
        if (!m.hasMatch())
            continue;
        const int status = m.captured(1).toInt();
        event.failure = failureFromApiError(status, event.text);
        if (event.failure == AgentEvent::Failure::None)
            event.failure = AgentEvent::Failure::Other;
        event.name = status > 0 ? QString::number(status) : QStringLiteral("api_error");
    }
    return events;
}

} // namespace Peal::Qwen
