// SPDX-License-Identifier: MIT
#include "claudestream.h"

#include "agentcommon.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Peal::Claude {

namespace {

using namespace AgentCommon;

const QStringList kPermissionModes{QStringLiteral("default"), QStringLiteral("acceptEdits"),
                                   QStringLiteral("bypassPermissions"), QStringLiteral("dontAsk"),
                                   QStringLiteral("plan")};

qint64 number(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toInteger();
}

// The class of an error result: from its subtype, or the HTTP status the CLI saw and its words.
AgentEvent::Failure failureOf(const QJsonObject &result, const QString &text)
{
    if (result.value(u"subtype").toString() == u"error_max_turns")
        return AgentEvent::Failure::MaxTurns;
    return failureFromApiError(result.value(u"api_error_status").toInt(), text);
}

QList<AgentEvent> resultEvents(const QJsonObject &o)
{
    QList<AgentEvent> out;
    const QJsonObject usage = o.value(u"usage").toObject();
    AgentEvent tokens = usageEvent(number(usage, "input_tokens"), number(usage, "output_tokens"),
                                   number(usage, "cache_read_input_tokens"), number(usage, "cache_creation_input_tokens"));
    if (o.value(u"total_cost_usd").isDouble())
        tokens.costUsd = o.value(u"total_cost_usd").toDouble();
    out << tokens;

    AgentEvent result = eventOfKind(AgentEvent::Kind::Result);
    result.text = o.value(u"result").toString();
    result.turns = number(o, "num_turns");
    const QString subtype = o.value(u"subtype").toString();
    if (o.value(u"is_error").toBool() || (!subtype.isEmpty() && subtype != u"success")) {
        result.failure = failureOf(o, result.text);
        if (o.value(u"api_error_status").isDouble())
            result.name = QString::number(o.value(u"api_error_status").toInt());
        else if (!subtype.isEmpty() && subtype != u"success")
            result.name = subtype;
        if (result.text.isEmpty()) {
            QStringList errors;
            for (const QJsonValue &e : o.value(u"errors").toArray())
                errors << (e.isString() ? e.toString() : QString::fromUtf8(QJsonDocument(e.toObject()).toJson(QJsonDocument::Compact)));
            result.text = errors.isEmpty() ? QStringLiteral("Claude Code reported %1").arg(subtype.isEmpty() ? QStringLiteral("an error") : subtype)
                                           : errors.join(QStringLiteral("; "));
        }
    }
    out << result;
    return out;
}

} // namespace

Result<ClaudeOptions> readOptions(const QJsonObject &table)
{
    ClaudeOptions options;
    const auto read = OptionReader(table)
                          .choice(QStringLiteral("permission_mode"), kPermissionModes, options.permissionMode)
                          .choice(QStringLiteral("plan_permission_mode"), kPermissionModes, options.planPermissionMode)
                          .strings(QStringLiteral("allowed_tools"), options.allowedTools)
                          .positiveInteger(QStringLiteral("max_turns"), options.maxTurns)
                          .strings(QStringLiteral("extra_args"), options.extraArgs)
                          .finish();
    if (!read)
        return read.error();
    return options;
}

QStringList arguments(AgentMode mode, const AgentSettings &settings, const ClaudeOptions &options)
{
    QStringList args{QStringLiteral("-p"), QStringLiteral("--output-format"), QStringLiteral("stream-json"),
                     QStringLiteral("--verbose"), QStringLiteral("--permission-mode"),
                     readsOnly(mode) ? options.planPermissionMode : options.permissionMode};
    if (settings.model)
        args << QStringLiteral("--model") << *settings.model;
    if (options.maxTurns)
        args << QStringLiteral("--max-turns") << QString::number(*options.maxTurns);
    if (!options.allowedTools.isEmpty() && !readsOnly(mode))
        args << QStringLiteral("--allowedTools") << options.allowedTools.join(u',');
    // A session to continue (`--resume <id>`): the prompt on stdin is then the short one.
    if (const QString session = resumeSession(settings); !session.isEmpty())
        args << QStringLiteral("--resume") << session;
    args << options.extraArgs;
    return args;
}

QList<AgentEvent> eventsOf(const QString &line)
{
    QList<AgentEvent> out;
    const std::optional<QJsonObject> object = streamObject(line, &out);
    if (!object)
        return out;
    const QJsonObject &o = *object;
    const QString type = o.value(u"type").toString();
    if (type == u"system" && o.value(u"subtype") == QJsonValue(QStringLiteral("init"))) {
        out << sessionEvent(o.value(u"session_id").toString());
    } else if (type == u"assistant") {
        for (const QJsonValue &block : o.value(u"message").toObject().value(u"content").toArray()) {
            const QJsonObject b = block.toObject();
            const QString kind = b.value(u"type").toString();
            if (kind == u"text" && !b.value(u"text").toString().isEmpty())
                out << textEvent(b.value(u"text").toString());
            else if (kind == u"tool_use")
                out << toolCallEvent(b.value(u"name").toString(), b.value(u"input").toObject());
        }
    } else if (type == u"result") {
        out << resultEvents(o);
    }
    // Other types (user tool results, stream events, retries, rate-limit notices) and unknown
    // ones carry nothing peal acts on.
    return out;
}

} // namespace Peal::Claude
