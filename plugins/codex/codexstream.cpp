// SPDX-License-Identifier: MIT
#include "codexstream.h"

#include "agentcommon.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace Peal::Codex {

using namespace AgentCommon;

namespace {

const QStringList kSandboxes{QStringLiteral("read-only"), QStringLiteral("workspace-write"),
                             QStringLiteral("danger-full-access")};

AgentEvent toolCall(const QString &name, const QString &target)
{
    AgentEvent event;
    event.kind = AgentEvent::Kind::ToolCall;
    event.name = name;
    event.target = target.section(u'\n', 0, 0).left(200);
    return event;
}

// An item as it starts: what the agent runs or edits.
QList<AgentEvent> startedItem(const QJsonObject &item)
{
    const QString type = item.value(u"type").toString();
    if (type == u"command_execution")
        return {toolCall(QStringLiteral("shell"), item.value(u"command").toString())};
    if (type == u"file_change") {
        const QJsonArray changes = item.value(u"changes").toArray();
        QString target = changes.first().toObject().value(u"path").toString();
        if (changes.size() > 1)
            target += QStringLiteral(" (and %1 more)").arg(changes.size() - 1);
        return {toolCall(QStringLiteral("edit"), target)};
    }
    if (type == u"mcp_tool_call")
        return {toolCall(item.value(u"tool").toString(), item.value(u"server").toString())};
    if (type == u"web_search")
        return {toolCall(QStringLiteral("web_search"), item.value(u"query").toString())};
    return {};
}

} // namespace

Result<CodexOptions> readOptions(const QJsonObject &table)
{
    CodexOptions options;
    const auto read = OptionReader(table)
                          .choice(QStringLiteral("sandbox"), kSandboxes, options.sandbox)
                          .choice(QStringLiteral("plan_sandbox"), kSandboxes, options.planSandbox)
                          .boolean(QStringLiteral("skip_git_repo_check"), options.skipGitRepoCheck)
                          .strings(QStringLiteral("extra_args"), options.extraArgs)
                          .finish();
    if (!read)
        return read.error();
    return options;
}

QStringList arguments(AgentMode mode, const AgentSettings &settings, const CodexOptions &options)
{
    // Codex works in its current directory, the workspace (the spec's working directory).
    QStringList args{QStringLiteral("exec"), QStringLiteral("--json"), QStringLiteral("--sandbox"),
                     readsOnly(mode) ? options.planSandbox : options.sandbox};
    if (settings.model)
        args << QStringLiteral("--model") << *settings.model;
    if (options.skipGitRepoCheck)
        args << QStringLiteral("--skip-git-repo-check");
    args << options.extraArgs;
    // A session to continue: `codex exec [options] resume <id> -`; the options of `exec` must
    // come before `resume`, which refuses some of them (--sandbox).
    if (const QString session = resumeSession(settings); !session.isEmpty())
        args << QStringLiteral("resume") << session;
    args << QStringLiteral("-");
    return args;
}

QList<AgentEvent> eventsOf(const QString &line)
{
    QList<AgentEvent> unreadable;
    const std::optional<QJsonObject> object = streamObject(line, &unreadable);
    if (!object)
        return unreadable;
    const QJsonObject &o = *object;
    const QString type = o.value(u"type").toString();
    if (type == u"thread.started")
        return {sessionEvent(o.value(u"thread_id").toString())};
    if (type == u"item.started")
        return startedItem(o.value(u"item").toObject());
    if (type == u"item.completed") {
        const QJsonObject item = o.value(u"item").toObject();
        if (item.value(u"type") == QJsonValue(QStringLiteral("agent_message")))
            return {textEvent(item.value(u"text").toString())};
        return {}; // reasoning, finished commands, warnings ("error" items) carry nothing more
    }
    if (type == u"turn.completed") {
        const QJsonObject usage = o.value(u"usage").toObject();
        AgentEvent result = eventOfKind(AgentEvent::Kind::Result); // the answer is the last agent message
        result.turns = 1;
        return {usageEvent(usage.value(u"input_tokens").toInteger(), usage.value(u"output_tokens").toInteger(),
                           usage.value(u"cached_input_tokens").toInteger()),
                result};
    }
    if (type == u"turn.failed" || type == u"error") {
        const QString message = type == u"error" ? o.value(u"message").toString()
                                                 : o.value(u"error").toObject().value(u"message").toString();
        AgentEvent failure;
        // A turn that failed is the result; an error event may be followed by a retry.
        failure.kind = type == u"turn.failed" ? AgentEvent::Kind::Result : AgentEvent::Kind::Failure;
        failure.failure = failureFromApiError(0, message);
        failure.text = message.isEmpty() ? QStringLiteral("Codex reported an error") : message;
        static const QRegularExpression status(QStringLiteral("\\b([45]\\d\\d)\\b"));
        failure.name = status.match(message).captured(1);
        if (failure.name.toInt() > 0)
            failure.failure = failureFromApiError(failure.name.toInt(), message);
        return {failure};
    }
    return {};
}

} // namespace Peal::Codex
