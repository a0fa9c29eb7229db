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

namespace {

QList<AgentEvent> errorEvents(const QJsonObject &error)
{
    const QJsonObject data = error.value(u"data").toObject();
    AgentEvent failure;
    failure.kind = AgentEvent::Kind::Failure;
    failure.text = data.value(u"message").toString();
    if (failure.text.isEmpty())
        failure.text = error.value(u"name").toString(QStringLiteral("OpenCode reported an error"));
    const int status = data.value(u"statusCode").toInt();
    failure.failure = failureFromApiError(status, failure.text + u' ' + data.value(u"responseBody").toString() + u' '
                                                      + error.value(u"name").toString());
    failure.name = status > 0 ? QString::number(status) : error.value(u"name").toString();
    return {failure};
}

} // namespace

QList<AgentEvent> eventsOf(const QString &line)
{
    if (line.trimmed().isEmpty())
        return {};
    AgentEvent unreadable;
    const std::optional<QJsonObject> object = jsonObjectOf(line, &unreadable);
    if (!object)
        return {unreadable};
    const QJsonObject &o = *object;
    const QString type = o.value(u"type").toString();
    const QJsonObject part = o.value(u"part").toObject();
    if (type == u"step_start") {
        // Every line names the session; the first step's is enough.
        AgentEvent session;
        session.kind = AgentEvent::Kind::Session;
        session.text = o.value(u"sessionID").toString();
        return session.text.isEmpty() ? QList<AgentEvent>() : QList<AgentEvent>{session};
    }
    if (type == u"text") {
        AgentEvent text;
        text.kind = AgentEvent::Kind::Text;
        text.text = part.value(u"text").toString();
        return text.text.isEmpty() ? QList<AgentEvent>() : QList<AgentEvent>{text};
    }
    if (type == u"tool_use") {
        AgentEvent tool;
        tool.kind = AgentEvent::Kind::ToolCall;
        tool.name = part.value(u"tool").toString();
        tool.target = toolTarget(part.value(u"state").toObject().value(u"input").toObject());
        return {tool};
    }
    if (type == u"step_finish") {
        // One model turn, with its tokens and cost; a turn that did not end for tool calls is
        // the answer (OpenCode prints no result line of its own).
        const QJsonObject tokens = part.value(u"tokens").toObject();
        const QJsonObject cache = tokens.value(u"cache").toObject();
        AgentEvent usage;
        usage.kind = AgentEvent::Kind::Usage;
        usage.inputTokens = tokens.value(u"input").toInteger();
        usage.outputTokens = tokens.value(u"output").toInteger() + tokens.value(u"reasoning").toInteger();
        usage.cacheReadTokens = cache.value(u"read").toInteger();
        usage.cacheWriteTokens = cache.value(u"write").toInteger();
        if (part.value(u"cost").isDouble())
            usage.costUsd = part.value(u"cost").toDouble();
        AgentEvent turn;
        turn.kind = AgentEvent::Kind::Turn;
        QList<AgentEvent> out{usage, turn};
        if (part.value(u"reason").toString() != u"tool-calls") {
            AgentEvent result;
            result.kind = AgentEvent::Kind::Result; // the answer is the text before it
            out << result;
        }
        return out;
    }
    if (type == u"error")
        return errorEvents(o.value(u"error").toObject());
    // Other types (reasoning, snapshots, patches) carry nothing peal acts on.
    return {};
}

} // namespace Peal::OpenCode
