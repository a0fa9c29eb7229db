// SPDX-License-Identifier: MIT
#include "claudestream.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Peal::Claude {

namespace {

Error optionError(const QString &what)
{
    return Error(Error::Kind::Config, what);
}

const QStringList kPermissionModes{QStringLiteral("default"), QStringLiteral("acceptEdits"),
                                   QStringLiteral("bypassPermissions"), QStringLiteral("dontAsk"),
                                   QStringLiteral("plan")};

Result<QStringList> stringList(const QJsonObject &table, const QString &key)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return QStringList();
    QStringList out;
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString())
            return optionError(QStringLiteral("%1 must be an array of strings").arg(key));
        out << item.toString();
    }
    if (!value.isArray())
        return optionError(QStringLiteral("%1 must be an array of strings").arg(key));
    return out;
}

Result<QString> permissionMode(const QJsonObject &table, const QString &key, const QString &fallback)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return fallback;
    if (!value.isString() || !kPermissionModes.contains(value.toString()))
        return optionError(QStringLiteral("%1 must be one of %2").arg(key, kPermissionModes.join(QStringLiteral(", "))));
    return value.toString();
}

bool readsOnly(AgentMode mode)
{
    return mode == AgentMode::Plan || mode == AgentMode::Triage || mode == AgentMode::Normalize;
}

qint64 number(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toInteger();
}

// The class of an error result: from the HTTP status the CLI saw, its subtype, or its words.
AgentEvent::Failure failureOf(const QJsonObject &result, const QString &text)
{
    const QString subtype = result.value(u"subtype").toString();
    if (subtype == u"error_max_turns")
        return AgentEvent::Failure::MaxTurns;
    const int status = result.value(u"api_error_status").toInt();
    if (status == 429)
        return AgentEvent::Failure::RateLimit;
    if (status == 401 || status == 403)
        return AgentEvent::Failure::Auth;
    if (status == 529 || (status >= 500 && status < 600))
        return AgentEvent::Failure::Overloaded;
    const QString lower = text.toLower();
    if (lower.contains(u"prompt is too long") || lower.contains(u"context window") || lower.contains(u"context length"))
        return AgentEvent::Failure::ContextLimit;
    if (lower.contains(u"rate limit") || lower.contains(u"usage limit"))
        return AgentEvent::Failure::RateLimit;
    if (lower.contains(u"overloaded"))
        return AgentEvent::Failure::Overloaded;
    if (lower.contains(u"invalid api key") || lower.contains(u"authentication") || lower.contains(u"/login"))
        return AgentEvent::Failure::Auth;
    return AgentEvent::Failure::Other;
}

QList<AgentEvent> resultEvents(const QJsonObject &o)
{
    QList<AgentEvent> out;
    const QJsonObject usage = o.value(u"usage").toObject();
    AgentEvent tokens;
    tokens.kind = AgentEvent::Kind::Usage;
    tokens.inputTokens = number(usage, "input_tokens");
    tokens.outputTokens = number(usage, "output_tokens");
    tokens.cacheReadTokens = number(usage, "cache_read_input_tokens");
    tokens.cacheWriteTokens = number(usage, "cache_creation_input_tokens");
    if (o.value(u"total_cost_usd").isDouble())
        tokens.costUsd = o.value(u"total_cost_usd").toDouble();
    out << tokens;

    AgentEvent result;
    result.kind = AgentEvent::Kind::Result;
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
    static const QStringList known{QStringLiteral("permission_mode"), QStringLiteral("plan_permission_mode"),
                                   QStringLiteral("allowed_tools"), QStringLiteral("max_turns"),
                                   QStringLiteral("extra_args")};
    for (auto it = table.begin(); it != table.end(); ++it) {
        if (!known.contains(it.key()))
            return optionError(QStringLiteral("has an unknown key '%1' (known: %2)").arg(it.key(), known.join(QStringLiteral(", "))));
    }
    ClaudeOptions options;
    auto mode = permissionMode(table, QStringLiteral("permission_mode"), options.permissionMode);
    if (!mode)
        return mode.error();
    options.permissionMode = *mode;
    auto planMode = permissionMode(table, QStringLiteral("plan_permission_mode"), options.planPermissionMode);
    if (!planMode)
        return planMode.error();
    options.planPermissionMode = *planMode;
    auto tools = stringList(table, QStringLiteral("allowed_tools"));
    if (!tools)
        return tools.error();
    options.allowedTools = *tools;
    auto extra = stringList(table, QStringLiteral("extra_args"));
    if (!extra)
        return extra.error();
    options.extraArgs = *extra;
    const QJsonValue turns = table.value(u"max_turns");
    if (!turns.isUndefined()) {
        if (!turns.isDouble() || turns.toDouble() < 1 || turns.toDouble() != double(turns.toInteger()))
            return optionError(QStringLiteral("max_turns must be a positive integer"));
        options.maxTurns = turns.toInteger();
    }
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
    args << options.extraArgs;
    return args;
}

QString toolTarget(const QJsonObject &input)
{
    for (const char *key : {"file_path", "notebook_path", "path", "command", "pattern", "url", "query", "description"}) {
        const QJsonValue value = input.value(QLatin1String(key));
        if (value.isString() && !value.toString().isEmpty())
            return value.toString().section(u'\n', 0, 0).left(200);
    }
    return QString();
}

QList<AgentEvent> eventsOf(const QString &line)
{
    if (line.trimmed().isEmpty())
        return {};
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(line.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        AgentEvent unreadable;
        unreadable.kind = AgentEvent::Kind::Unreadable;
        unreadable.text = error.error != QJsonParseError::NoError
                              ? QStringLiteral("not JSON: %1 at offset %2").arg(error.errorString()).arg(error.offset)
                              : QStringLiteral("not a JSON object");
        return {unreadable};
    }
    const QJsonObject o = document.object();
    const QString type = o.value(u"type").toString();
    QList<AgentEvent> out;
    if (type == u"system" && o.value(u"subtype") == QJsonValue(QStringLiteral("init"))) {
        AgentEvent session;
        session.kind = AgentEvent::Kind::Session;
        session.text = o.value(u"session_id").toString();
        out << session;
    } else if (type == u"assistant") {
        for (const QJsonValue &block : o.value(u"message").toObject().value(u"content").toArray()) {
            const QJsonObject b = block.toObject();
            const QString kind = b.value(u"type").toString();
            if (kind == u"text" && !b.value(u"text").toString().isEmpty()) {
                AgentEvent text;
                text.kind = AgentEvent::Kind::Text;
                text.text = b.value(u"text").toString();
                out << text;
            } else if (kind == u"tool_use") {
                AgentEvent tool;
                tool.kind = AgentEvent::Kind::ToolCall;
                tool.name = b.value(u"name").toString();
                tool.target = toolTarget(b.value(u"input").toObject());
                out << tool;
            }
        }
    } else if (type == u"result") {
        out << resultEvents(o);
    }
    // Other types (user tool results, stream events, retries, rate-limit notices) and unknown
    // ones carry nothing peal acts on.
    return out;
}

} // namespace Peal::Claude
