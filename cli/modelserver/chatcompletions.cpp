// SPDX-License-Identifier: MIT
#include "chatcompletions.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace Peal::ModelServer {

namespace {

// How each client is told from its prompts, where it says its working directory, and its
// file-writing tool with that tool's argument names (docs/agents.md).
struct Client
{
    const char *name;
    const char *identity; // in its system prompt
    const char *cwdPattern;
    const char *writeTool;
    const char *pathKey;
    const char *contentKey;
};

const Client kClients[] = {
    {"opencode", "You are opencode", "Working directory: (\\S+)", "write", "filePath", "content"},
    {"copilot", "GitHub Copilot CLI", "Current working directory: (\\S+)", "create", "path", "file_text"},
    {"qwen", "You are Qwen Code", "I'm currently working in the directory: (\\S+)", "write_file", "file_path", "content"},
};

const Client *clientNamed(const QString &name)
{
    for (const Client &c : kClients) {
        if (name == QLatin1String(c.name))
            return &c;
    }
    return nullptr;
}

QByteArray chunk(const QJsonObject &data)
{
    return "data: " + QJsonDocument(data).toJson(QJsonDocument::Compact) + "\n\n";
}

QJsonObject choiceChunk(int number, const QString &model, const QJsonObject &delta, const QJsonValue &finish)
{
    return {{QStringLiteral("id"), QStringLiteral("chatcmpl-%1").arg(number)},
            {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
            {QStringLiteral("created"), 1700000000},
            {QStringLiteral("model"), model},
            {QStringLiteral("choices"), QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                               {QStringLiteral("delta"), delta},
                                                               {QStringLiteral("finish_reason"), finish}}}}};
}

} // namespace

ChatRequest readChatRequest(const QJsonObject &body)
{
    ChatRequest out;
    QString userText, everything;
    for (const QJsonValue &value : body.value(u"messages").toArray()) {
        const QJsonObject message = value.toObject();
        const QString role = message.value(u"role").toString();
        ++out.shape.items;
        const QString text = textOf(message.value(u"content"));
        everything += text + u'\n';
        if (role == u"tool") {
            out.toolResult = true;
            ++out.shape.toolResults;
        } else if (role == u"user") {
            userText += text + u'\n';
            if (!text.trimmed().isEmpty())
                out.shape.lastUser = text;
        }
    }
    for (const Client &c : kClients) {
        if (everything.contains(QLatin1String(c.identity))) {
            out.client = QLatin1String(c.name);
            out.cwd = QRegularExpression(QLatin1String(c.cwdPattern)).match(everything).captured(1);
            break;
        }
    }
    out.directives = directivesIn(userText);
    return out;
}

QByteArray chatAnswer(const ChatRequest &request, int number, const QString &model)
{
    QByteArray out = chunk(choiceChunk(number, model, {{QStringLiteral("role"), QStringLiteral("assistant")},
                                                       {QStringLiteral("content"), QString()}},
                                       QJsonValue()));
    const Client *client = clientNamed(request.client);
    const bool writing = client && !request.toolResult && !request.directives.isEmpty();
    if (writing) {
        int index = 0;
        for (const Directive &d : request.directives) {
            const QString file = request.cwd.isEmpty() || d.path.startsWith(u'/') ? d.path : request.cwd + u'/' + d.path;
            const QJsonObject arguments{{QLatin1String(client->pathKey), file}, {QLatin1String(client->contentKey), d.content}};
            const QJsonObject call{{QStringLiteral("index"), index},
                                   {QStringLiteral("id"), QStringLiteral("call_%1_%2").arg(number).arg(index)},
                                   {QStringLiteral("type"), QStringLiteral("function")},
                                   {QStringLiteral("function"),
                                    QJsonObject{{QStringLiteral("name"), QLatin1String(client->writeTool)},
                                                {QStringLiteral("arguments"),
                                                 QString::fromUtf8(QJsonDocument(arguments).toJson(QJsonDocument::Compact))}}}};
            out += chunk(choiceChunk(number, model, {{QStringLiteral("tool_calls"), QJsonArray{call}}}, QJsonValue()));
            ++index;
        }
    } else {
        out += chunk(choiceChunk(number, model, {{QStringLiteral("content"), answerText(request.directives)}}, QJsonValue()));
    }
    out += chunk(choiceChunk(number, model, {}, writing ? QStringLiteral("tool_calls") : QStringLiteral("stop")));
    QJsonObject usage{{QStringLiteral("prompt_tokens"), 100},
                      {QStringLiteral("completion_tokens"), 20},
                      {QStringLiteral("total_tokens"), 120},
                      {QStringLiteral("prompt_tokens_details"), QJsonObject{{QStringLiteral("cached_tokens"), 30}}}};
    QJsonObject last = choiceChunk(number, model, {}, QJsonValue());
    last.insert(QStringLiteral("choices"), QJsonArray());
    last.insert(QStringLiteral("usage"), usage);
    out += chunk(last);
    out += "data: [DONE]\n\n";
    return out;
}

QByteArray brokenChatStream()
{
    return "data: {\"id\": \"chatcmpl-broken\", \"choi\n\n";
}

} // namespace Peal::ModelServer
