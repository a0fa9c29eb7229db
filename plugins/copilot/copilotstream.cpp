// SPDX-License-Identifier: MIT
#include "copilotstream.h"

#include "agentcommon.h"

#include <QDir>
#include <QJsonDocument>

namespace Peal::Copilot {

using namespace AgentCommon;

Result<CopilotOptions> readOptions(const QJsonObject &table)
{
    CopilotOptions options;
    const auto read = OptionReader(table)
                          .strings(QStringLiteral("allow_tools"), options.allowTools)
                          .strings(QStringLiteral("plan_deny_tools"), options.planDenyTools)
                          .strings(QStringLiteral("extra_args"), options.extraArgs)
                          .finish();
    if (!read)
        return read.error();
    return options;
}

QString usageFile(const QString &session)
{
    return QDir::temp().filePath(QStringLiteral("peal-copilot-usage-%1.json").arg(session));
}

QStringList arguments(AgentMode mode, const AgentSettings &settings, const CopilotOptions &options,
                      const QString &session)
{
    // No questions to a person who is not there, no update in the middle of a run.
    QStringList args{QStringLiteral("--output-format"), QStringLiteral("json"), QStringLiteral("--no-ask-user"),
                     QStringLiteral("--no-auto-update")};
    if (settings.model)
        args << QStringLiteral("--model") << *settings.model;
    if (readsOnly(mode)) {
        for (const QString &tool : options.planDenyTools)
            args << QStringLiteral("--deny-tool=") + tool;
    } else {
        for (const QString &tool : options.allowTools)
            args << QStringLiteral("--allow-tool=") + tool;
    }
    if (resumeSession(settings) == session)
        args << QStringLiteral("--resume=") + session;
    else
        args << QStringLiteral("--session-id") << session;
    args << QStringLiteral("--usage-output-file") << usageFile(session) << options.extraArgs;
    return args;
}

std::optional<AgentEvent> usageOf(const QByteArray &json)
{
    const QJsonObject metrics = QJsonDocument::fromJson(json).object().value(u"modelMetrics").toObject();
    if (metrics.isEmpty())
        return std::nullopt;
    AgentEvent usage = usageEvent(0, 0);
    for (const QJsonValue &model : metrics) {
        const QJsonObject u = model.toObject().value(u"usage").toObject();
        usage.inputTokens += u.value(u"inputTokens").toInteger();
        usage.outputTokens += u.value(u"outputTokens").toInteger();
        usage.cacheReadTokens += u.value(u"cacheReadTokens").toInteger();
        usage.cacheWriteTokens += u.value(u"cacheWriteTokens").toInteger();
    }
    return usage;
}

QList<AgentEvent> eventsOf(const QString &line, const std::function<QByteArray(const QString &)> &readUsage)
{
    QList<AgentEvent> unreadable;
    const std::optional<QJsonObject> object = streamObject(line, &unreadable);
    if (!object)
        return unreadable;
    const QJsonObject &o = *object;
    const QString type = o.value(u"type").toString();
    const QJsonObject data = o.value(u"data").toObject();
    if (type == u"assistant.message" && !data.value(u"content").toString().isEmpty())
        return {textEvent(data.value(u"content").toString())};
    if (type == u"tool.execution_start")
        return {toolCallEvent(data.value(u"toolName").toString(), data.value(u"arguments").toObject())};
    if (type == u"assistant.turn_end")
        return {eventOfKind(AgentEvent::Kind::Turn)};
    if (type == u"session.error") // after its own retries: the status it last got and its words
        return {apiFailureEvent(data.value(u"statusCode").toInt(),
                                data.value(u"message").toString(QStringLiteral("Copilot CLI reported an error")),
                                data.value(u"errorType").toString(), data.value(u"errorType").toString())};
    if (type == u"result") {
        const QString session = o.value(u"sessionId").toString();
        QList<AgentEvent> out{sessionEvent(session)};
        if (!session.isEmpty() && readUsage) {
            if (auto usage = usageOf(readUsage(session)))
                out << *usage;
        }
        // A failed session ends without a result: its session.error (or the exit code) tells why.
        if (o.value(u"exitCode").toInt() == 0)
            out << eventOfKind(AgentEvent::Kind::Result); // the answer is the assistant's last message
        return out;
    }
    // Other types (deltas, turn starts, tool results, ephemeral notices) carry nothing peal acts on.
    return {};
}

} // namespace Peal::Copilot
