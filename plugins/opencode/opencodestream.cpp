// SPDX-License-Identifier: MIT
#include "opencodestream.h"

#include "agentcommon.h"

#include <QFileInfo>
#include <QJsonDocument>

namespace Peal::OpenCode {

using namespace AgentCommon;

Result<OpenCodeOptions> readOptions(const QJsonObject &table)
{
    OpenCodeOptions options;
    const auto read = OptionReader(table)
                          .text(QStringLiteral("agent"), options.agent)
                          .text(QStringLiteral("plan_agent"), options.planAgent)
                          .strings(QStringLiteral("extra_args"), options.extraArgs)
                          .finish();
    if (!read)
        return read.error();
    return options;
}

QStringList arguments(AgentMode mode, const AgentSettings &settings, const OpenCodeOptions &options)
{
    // A title of our own: without one OpenCode asks the model for one first, a call we pay for.
    QStringList args{QStringLiteral("run"), QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--agent"),
                     readsOnly(mode) ? options.planAgent.value_or(QStringLiteral("plan"))
                                     : options.agent.value_or(QStringLiteral("build")),
                     QStringLiteral("--title"),
                     QStringLiteral("peal ") + agentModeName(mode)};
    // It takes its directory from $PWD, not from the one it was started in.
    if (!settings.workspace.isEmpty())
        args << QStringLiteral("--dir") << QFileInfo(settings.workspace).absoluteFilePath();
    if (settings.model)
        args << QStringLiteral("--model") << *settings.model;
    // A session to continue (`--session <id>`, the sessionID on its lines).
    if (const QString session = resumeSession(settings); !session.isEmpty())
        args << QStringLiteral("--session") << session;
    args << options.extraArgs;
    return args;
}

QHash<QString, QString> environment(AgentMode mode)
{
    if (!readsOnly(mode))
        return {};
    return {{QStringLiteral("OPENCODE_PERMISSION"),
             QStringLiteral(R"({"edit":"deny","bash":"deny","webfetch":"deny"})")}};
}

QList<AgentEvent> eventsOf(const QString &line)
{
    QList<AgentEvent> unreadable;
    const std::optional<QJsonObject> object = streamObject(line, &unreadable);
    if (!object)
        return unreadable;
    const QJsonObject &o = *object;
    const QString type = o.value(u"type").toString();
    const QJsonObject part = o.value(u"part").toObject();
    if (type == u"step_start" && !o.value(u"sessionID").toString().isEmpty())
        return {sessionEvent(o.value(u"sessionID").toString())}; // every line names it; the first step's will do
    if (type == u"text" && !part.value(u"text").toString().isEmpty())
        return {textEvent(part.value(u"text").toString())};
    if (type == u"tool_use")
        return {toolCallEvent(part.value(u"tool").toString(), part.value(u"state").toObject().value(u"input").toObject())};
    if (type == u"step_finish") {
        // One model turn, with its tokens and cost; a turn that did not end for tool calls is
        // the answer (OpenCode prints no result line of its own).
        const QJsonObject tokens = part.value(u"tokens").toObject();
        const QJsonObject cache = tokens.value(u"cache").toObject();
        AgentEvent usage = usageEvent(tokens.value(u"input").toInteger(),
                                      tokens.value(u"output").toInteger() + tokens.value(u"reasoning").toInteger(),
                                      cache.value(u"read").toInteger(), cache.value(u"write").toInteger());
        if (part.value(u"cost").isDouble())
            usage.costUsd = part.value(u"cost").toDouble();
        QList<AgentEvent> out{usage, eventOfKind(AgentEvent::Kind::Turn)};
        if (part.value(u"reason").toString() != u"tool-calls")
            out << eventOfKind(AgentEvent::Kind::Result); // the answer is the text before it
        return out;
    }
    if (type == u"error") {
        // After its own retries: the status it last got, its words and the error's name.
        const QJsonObject error = o.value(u"error").toObject();
        const QJsonObject data = error.value(u"data").toObject();
        const QString name = error.value(u"name").toString();
        const QString message = data.value(u"message").toString(name.isEmpty() ? QStringLiteral("OpenCode reported an error") : name);
        return {apiFailureEvent(data.value(u"statusCode").toInt(), message,
                                data.value(u"responseBody").toString() + u' ' + name, name)};
    }
    // Other types (reasoning, snapshots, patches) carry nothing peal acts on.
    return {};
}

} // namespace Peal::OpenCode
