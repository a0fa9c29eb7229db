// SPDX-License-Identifier: MIT
#include "geministream.h"

#include "agentcommon.h"

namespace Peal::Gemini {

using namespace AgentCommon;

namespace {

const QStringList kApprovalModes{QStringLiteral("default"), QStringLiteral("auto_edit"), QStringLiteral("yolo"),
                                 QStringLiteral("plan")};

} // namespace

Result<GeminiOptions> readOptions(const QJsonObject &table)
{
    GeminiOptions options;
    const auto read = OptionReader(table)
                          .choice(QStringLiteral("approval_mode"), kApprovalModes, options.approvalMode)
                          .choice(QStringLiteral("plan_approval_mode"), kApprovalModes, options.planApprovalMode)
                          .boolean(QStringLiteral("skip_trust"), options.skipTrust)
                          .strings(QStringLiteral("extra_args"), options.extraArgs)
                          .finish();
    if (!read)
        return read.error();
    return options;
}

QStringList arguments(AgentMode mode, const AgentSettings &settings, const GeminiOptions &options)
{
    QStringList args{QStringLiteral("--output-format"), QStringLiteral("stream-json"), QStringLiteral("--approval-mode"),
                     readsOnly(mode) ? options.planApprovalMode : options.approvalMode};
    if (settings.model)
        args << QStringLiteral("--model") << *settings.model;
    if (options.skipTrust)
        args << QStringLiteral("--skip-trust");
    // A session to continue (`--resume <id>`, the id its init event gave).
    if (const QString session = resumeSession(settings); !session.isEmpty())
        args << QStringLiteral("--resume") << session;
    args << options.extraArgs << QStringLiteral("--prompt") << QStringLiteral(" ");
    return args;
}

AgentEvent::Failure failureOfExitCode(int code)
{
    switch (code) {
    case 41: return AgentEvent::Failure::Auth;
    case 53: return AgentEvent::Failure::MaxTurns;
    case 42:
    case 52:
    case 54: return AgentEvent::Failure::Other;
    default: return AgentEvent::Failure::None;
    }
}

QList<AgentEvent> eventsOf(const QString &line)
{
    QList<AgentEvent> unreadable;
    const std::optional<QJsonObject> object = streamObject(line, &unreadable);
    if (!object)
        return unreadable;
    const QJsonObject &o = *object;
    const QString type = o.value(u"type").toString();
    if (type == u"init")
        return {sessionEvent(o.value(u"session_id").toString())};
    if (type == u"message" && o.value(u"role") == QJsonValue(QStringLiteral("assistant"))) {
        AgentEvent text = textEvent(o.value(u"content").toString());
        if (o.value(u"delta").toBool())
            text.name = QStringLiteral("delta");
        return {text};
    }
    if (type == u"tool_use")
        return {toolCallEvent(o.value(u"tool_name").toString(), o.value(u"parameters").toObject())};
    if (type == u"error" && o.value(u"severity") != QJsonValue(QStringLiteral("warning")))
        return {apiFailureEvent(0, o.value(u"message").toString(), QString(), QString())};
    if (type == u"result") {
        const QJsonObject stats = o.value(u"stats").toObject();
        const AgentEvent tokens = usageEvent(stats.value(u"input_tokens").toInteger(),
                                             stats.value(u"output_tokens").toInteger(), stats.value(u"cached").toInteger());
        AgentEvent result = eventOfKind(AgentEvent::Kind::Result); // the answer is the assistant's messages
        if (o.value(u"status") != QJsonValue(QStringLiteral("success"))) {
            const QJsonValue error = o.value(u"error");
            const QJsonObject e = error.toObject();
            result.text = error.isString() ? error.toString() : e.value(u"message").toString();
            if (result.text.isEmpty())
                result.text = QStringLiteral("Gemini CLI reported an error");
            const int code = e.value(u"code").toInt();
            result.failure = failureFromApiError(code, result.text + u' ' + e.value(u"type").toString());
            result.name = code > 0 ? QString::number(code) : e.value(u"type").toString();
        }
        return {tokens, result};
    }
    return {};
}

} // namespace Peal::Gemini
