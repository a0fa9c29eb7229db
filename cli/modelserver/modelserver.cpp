// SPDX-License-Identifier: MIT
/*
 * peal-model-server: a scripted model server on 127.0.0.1 for driving the real agent CLIs
 * with no network - by `peal demo --agent <cli>` and by the tests (../shared/spec/agent-clis.md §7).
 * It speaks, as server-sent events, the Anthropic Messages API (POST /v1/messages, Claude Code),
 * the OpenAI Responses API (POST /v1/responses, Codex), the Gemini API
 * (POST /v1beta/models/<m>:streamGenerateContent, Gemini CLI; its non-streaming generateContent
 * gets a plain JSON answer) and OpenAI Chat Completions (POST /v1/chat/completions: OpenCode,
 * Copilot CLI, Qwen Code; chatcompletions.cpp).
 *
 * The "model" follows directives in the conversation's first user message: every line
 * "@write <path> <words...>" becomes a call of the CLI's own file-writing tool (Claude Code's
 * Write, Codex's apply_patch through exec_command, Gemini CLI's write_file, OpenCode's write,
 * Copilot CLI's create, Qwen Code's write_file; paths relative to
 * the working directory the CLI reports); once the tool results come
 * back, it answers with text that repeats the directives, so a plan written in plan mode carries
 * them to the execute phase. "@probe <path> <words...>" is tried the same way but not repeated:
 * the file exists afterwards only if the CLI let the phase that saw it write. Without directives
 * it answers "Nothing to do.".
 *
 * POST /hook takes a webhook call (a JSON body, logged with api "hook"), for the notify
 * examples.
 *
 * Options:
 *   --port-file F      write the port it listens on (a free one) into F
 *   --log F            append one JSON line per request (api, path, directives, tool_result, cwd)
 *   --fail N           answer the first N model requests with --status (default 429)
 *   --status S         the HTTP status of those answers
 *   --retry-after SEC  send a retry-after header with them, and say "Please try again in SECs."
 *                      in their message, as providers do
 *   --malformed N      answer the first N model requests with a broken event stream
 *   --hang N           hold the first N model requests (after those) open, unanswered
 *   --hang-at K[,K...] hold model request number K open (a stall in the middle of a call)
 *   --only-api API     the scripted failures are those of API (anthropic, openai, gemini, chat) alone,
 *                      counted among its own requests: one back-end limited while another answers
 *
 * Each logged request also says what its conversation holds: items, tool_results and the last
 * line of the last user text (last_user), so a test can see a continued conversation.
 *   --client-home DIR  set up the CLIs to talk to this server: DIR/.codex/config.toml,
 *                      DIR/.gemini/settings.json, DIR/.qwen/settings.json, and DIR/env with
 *                      the NAME=value lines (OpenCode's inline config among them) to add to
 *                      their environment (HOME=DIR among them), written once it listens
 */
#include "chatcompletions.h"
#include "support.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTcpServer>
#include <QTcpSocket>

namespace {

using namespace Peal::ModelServer;

struct Settings
{
    QString logPath;
    int fail = 0;
    int status = 429;
    QString retryAfter;
    int malformed = 0;
    int hang = 0;
    QList<int> hangAt; // these requests (numbered from 1) are held open
    QString onlyApi;   // anthropic, openai or gemini: the failures above are this API's alone
};

class Server : public QObject
{
public:
    explicit Server(Settings settings) : m_settings(std::move(settings)) {}

    bool listen(const QString &portFile)
    {
        if (!m_server.listen(QHostAddress::LocalHost, 0))
            return false;
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(socket);
        });
        return writeFile(portFile, QByteArray::number(m_server.serverPort()));
    }

    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }

private:
    void serve(QTcpSocket *socket)
    {
        auto *buffer = new QByteArray;
        connect(socket, &QTcpSocket::disconnected, socket, [socket, buffer] {
            delete buffer;
            socket->deleteLater();
        });
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
            buffer->append(socket->readAll());
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = buffer->left(end);
            QByteArray body = buffer->mid(end + 4);
            const QList<QByteArray> lines = head.split('\n');
            const QList<QByteArray> request = lines.value(0).trimmed().split(' ');
            qsizetype length = 0;
            bool chunked = false;
            for (const QByteArray &line : lines.mid(1)) {
                const QByteArray lower = line.trimmed().toLower();
                if (lower.startsWith("content-length:"))
                    length = lower.mid(15).trimmed().toLongLong();
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked"))
                    chunked = true;
            }
            if (chunked) {
                if (!body.contains("\r\n0\r\n\r\n") && !body.startsWith("0\r\n"))
                    return;
                QByteArray plain;
                qsizetype at = 0;
                while (true) {
                    const qsizetype eol = body.indexOf("\r\n", at);
                    const qsizetype size = body.mid(at, eol - at).toLongLong(nullptr, 16);
                    if (eol < 0 || size <= 0)
                        break;
                    plain += body.mid(eol + 2, size);
                    at = eol + 2 + size + 2;
                }
                body = plain;
            } else if (body.size() < length) {
                return;
            }
            const QByteArray method = request.value(0);
            const QString path = QString::fromUtf8(request.value(1));
            buffer->clear();
            respond(socket, method, path, body.left(chunked ? body.size() : length));
        });
    }

    void respond(QTcpSocket *socket, const QByteArray &method, const QString &path, const QByteArray &body)
    {
        if (method == "POST" && path.startsWith(u"/v1/messages") && !path.startsWith(u"/v1/messages/"))
            return send(socket, anthropic(body));
        if (method == "POST" && path.startsWith(u"/v1/responses"))
            return send(socket, openAi(body));
        if (method == "POST" && (path.startsWith(u"/v1/chat/completions") || path.startsWith(u"/chat/completions")))
            return send(socket, chat(body));
        if (method == "POST" && path.contains(u":streamGenerateContent"))
            return send(socket, gemini(body, path, true));
        if (method == "POST" && path.contains(u":generateContent"))
            return send(socket, gemini(body, path, false));
        if (method == "POST" && path == u"/hook") {
            // A webhook (share/peal/notify/webhook.sh): the body is logged as it came.
            log({{QStringLiteral("api"), QStringLiteral("hook")},
                 {QStringLiteral("body"), QJsonDocument::fromJson(body).object()}});
            return send(socket, {200, "application/json", R"({"ok":true})", {}});
        }
        send(socket, {404, "application/json", R"({"error":"not found"})", {}});
    }

    struct Reply
    {
        int status = 200;
        QByteArray type;
        QByteArray body;
        QList<std::pair<QByteArray, QByteArray>> headers;
    };

    void send(QTcpSocket *socket, const Reply &reply)
    {
        if (reply.status == 0)
            return; // --hang: the client waits until it gives up
        QByteArray out = "HTTP/1.1 " + QByteArray::number(reply.status) + (reply.status == 200 ? " OK" : " Error")
                         + "\r\ncontent-type: " + reply.type + "\r\ncontent-length: " + QByteArray::number(reply.body.size())
                         + "\r\nconnection: close\r\n";
        for (const auto &[name, value] : reply.headers)
            out += name + ": " + value + "\r\n";
        out += "\r\n" + reply.body;
        socket->write(out);
        socket->disconnectFromHost();
    }

    void log(const QJsonObject &entry)
    {
        if (m_settings.logPath.isEmpty())
            return;
        QFile file(m_settings.logPath);
        if (file.open(QIODevice::Append))
            file.write(QJsonDocument(entry).toJson(QJsonDocument::Compact) + '\n');
    }

    enum class Api { Anthropic, OpenAi, Gemini, Chat };

    // A scripted failure for the first requests, in the API's own error shape, or nothing.
    std::optional<Reply> scriptedFailure(int request, Api api)
    {
        // --only-api: the scripted failures are that API's, counted among its own requests.
        if (!m_settings.onlyApi.isEmpty()) {
            static const char *const names[] = {"anthropic", "openai", "gemini", "chat"};
            if (m_settings.onlyApi != QLatin1String(names[int(api)]))
                return std::nullopt;
            request = ++m_onlyApiRequests;
        }
        const int status = m_settings.status;
        if (request <= m_settings.fail) {
            Reply r{status, "application/json", {}, {}};
            const QString message = status == 429 ? QStringLiteral("Rate limit reached (scripted)")
                                    : status >= 500 ? QStringLiteral("The server had an error (scripted)")
                                                    : QStringLiteral("Request failed (scripted)");
            const QString said = m_settings.retryAfter.isEmpty()
                                     ? message
                                     : message + QStringLiteral(". Please try again in %1s.").arg(m_settings.retryAfter);
            QJsonObject error;
            if (api == Api::Anthropic)
                error = {{QStringLiteral("type"), QStringLiteral("error")},
                         {QStringLiteral("error"), QJsonObject{{QStringLiteral("type"), status == 429 ? QStringLiteral("rate_limit_error")
                                                                                         : status == 529 ? QStringLiteral("overloaded_error")
                                                                                                         : QStringLiteral("api_error")},
                                                               {QStringLiteral("message"), said}}}};
            else if (api == Api::OpenAi || api == Api::Chat)
                error = {{QStringLiteral("error"), QJsonObject{{QStringLiteral("type"), status == 429 ? QStringLiteral("rate_limit_exceeded")
                                                                                                        : QStringLiteral("server_error")},
                                                               {QStringLiteral("code"), status == 429 ? QStringLiteral("rate_limit_exceeded")
                                                                                                        : QStringLiteral("server_error")},
                                                               {QStringLiteral("message"), said}}}};
            else
                error = {{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), status},
                                                               {QStringLiteral("message"), said},
                                                               {QStringLiteral("status"), status == 429 ? QStringLiteral("RESOURCE_EXHAUSTED")
                                                                                                        : QStringLiteral("INTERNAL")}}}};
            r.body = QJsonDocument(error).toJson(QJsonDocument::Compact);
            if (!m_settings.retryAfter.isEmpty())
                r.headers.append({"retry-after", m_settings.retryAfter.toUtf8()});
            else if (api == Api::Chat)
                r.headers.append({QByteArray("retry-after-ms"), QByteArray("0")}); // OpenCode's own retries: at once, not over a minute
            return r;
        }
        if (request <= m_settings.fail + m_settings.malformed)
            return Reply{200, "text/event-stream",
                         api == Api::Anthropic ? QByteArray("event: message_start\ndata: {\"type\": \"message_st\n\n")
                         : api == Api::OpenAi  ? QByteArray("event: response.created\ndata: {\"type\": \"resp\n\n")
                         : api == Api::Chat    ? brokenChatStream()
                                               : QByteArray("data: {\"candidates\": [{\"cont\r\n\r\n"),
                         api == Api::Chat ? QList<std::pair<QByteArray, QByteArray>>{{"retry-after-ms", "0"}}
                                          : QList<std::pair<QByteArray, QByteArray>>{}};
        if (request <= m_settings.fail + m_settings.malformed + m_settings.hang || m_settings.hangAt.contains(request))
            return Reply{0, {}, {}, {}}; // held open: send() writes nothing
        return std::nullopt;
    }

    void logRequest(const char *api, int request, const QList<Directive> &directives, bool toolResult,
                    const QString &cwd, const QJsonValue &model, const Shape &shape, const QString &client = {})
    {
        QJsonArray paths;
        for (const Directive &d : directives)
            paths.append(d.path);
        log({{QStringLiteral("api"), QString::fromLatin1(api)}, {QStringLiteral("request"), request},
             {QStringLiteral("directives"), paths}, {QStringLiteral("tool_result"), toolResult},
             {QStringLiteral("cwd"), cwd}, {QStringLiteral("model"), model},
             {QStringLiteral("items"), shape.items}, {QStringLiteral("tool_results"), shape.toolResults},
             {QStringLiteral("last_user"), shape.lastUser.trimmed().section(u'\n', -1).left(200)},
             {QStringLiteral("client"), client}});
    }

    // OpenAI Responses (Codex): apply_patch through exec_command, the answer as a message item.
    Reply openAi(const QByteArray &body)
    {
        const int request = ++m_requests;
        const QJsonObject j = QJsonDocument::fromJson(body).object();
        bool toolResult = false;
        QString userText;
        Shape shape;
        for (const QJsonValue &value : j.value(u"input").toArray()) {
            const QJsonObject item = value.toObject();
            ++shape.items;
            if (item.value(u"type") == QJsonValue(QStringLiteral("function_call_output"))) {
                toolResult = true;
                ++shape.toolResults;
            } else if (item.value(u"role") == QJsonValue(QStringLiteral("user"))) {
                QString said;
                for (const QJsonValue &part : item.value(u"content").toArray())
                    said += part.toObject().value(u"text").toString() + u'\n';
                userText += said;
                if (!said.trimmed().isEmpty())
                    shape.lastUser = said;
            }
        }
        static const QRegularExpression cwdTag(QStringLiteral("<cwd>([^<]*)</cwd>"));
        const QList<Directive> directives = directivesIn(userText);
        logRequest("openai", request, directives, toolResult, cwdTag.match(userText).captured(1), j.value(u"model"), shape);
        if (auto failure = scriptedFailure(request, Api::OpenAi))
            return *failure;
        const auto event = [](const QJsonObject &data) -> QByteArray {
            return "event: " + data.value(u"type").toString().toUtf8() + "\ndata: "
                   + QJsonDocument(data).toJson(QJsonDocument::Compact) + "\n\n";
        };
        const QString id = QStringLiteral("resp_%1").arg(request);
        QByteArray out = event({{QStringLiteral("type"), QStringLiteral("response.created")},
                                {QStringLiteral("response"), QJsonObject{{QStringLiteral("id"), id}}}});
        QJsonObject item;
        if (!toolResult && !directives.isEmpty()) {
            QString patch = QStringLiteral("*** Begin Patch\n");
            for (const Directive &d : directives)
                patch += QStringLiteral("*** Add File: %1\n+%2").arg(d.path, d.content);
            patch += QStringLiteral("*** End Patch\n");
            const QString command = QStringLiteral("apply_patch <<'PATCH'\n") + patch + QStringLiteral("PATCH\n");
            item = {{QStringLiteral("type"), QStringLiteral("function_call")}, {QStringLiteral("id"), QStringLiteral("fc_%1").arg(request)},
                    {QStringLiteral("call_id"), QStringLiteral("call_%1").arg(request)}, {QStringLiteral("name"), QStringLiteral("exec_command")},
                    {QStringLiteral("arguments"), QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("cmd"), command}})
                                                                        .toJson(QJsonDocument::Compact))}};
        } else {
            item = {{QStringLiteral("type"), QStringLiteral("message")}, {QStringLiteral("role"), QStringLiteral("assistant")},
                    {QStringLiteral("id"), QStringLiteral("msg_%1").arg(request)},
                    {QStringLiteral("content"), QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("output_text")},
                                                                       {QStringLiteral("text"), answerText(directives)}}}}};
        }
        out += event({{QStringLiteral("type"), QStringLiteral("response.output_item.done")}, {QStringLiteral("output_index"), 0},
                      {QStringLiteral("item"), item}});
        out += event({{QStringLiteral("type"), QStringLiteral("response.completed")},
                      {QStringLiteral("response"),
                       QJsonObject{{QStringLiteral("id"), id},
                                   {QStringLiteral("usage"), QJsonObject{{QStringLiteral("input_tokens"), 100},
                                                                         {QStringLiteral("input_tokens_details"), QJsonObject{{QStringLiteral("cached_tokens"), 30}}},
                                                                         {QStringLiteral("output_tokens"), 20},
                                                                         {QStringLiteral("total_tokens"), 120}}}}}});
        return {200, "text/event-stream", out, {}};
    }

    // OpenAI Chat Completions (OpenCode, Copilot CLI, Qwen Code): the client's own write tool,
    // the answer as text (chatcompletions.cpp).
    Reply chat(const QByteArray &body)
    {
        const int request = ++m_requests;
        const QJsonObject j = QJsonDocument::fromJson(body).object();
        const ChatRequest asked = readChatRequest(j);
        logRequest("chat", request, asked.directives, asked.toolResult, asked.cwd, j.value(u"model"), asked.shape,
                   asked.client);
        if (auto failure = scriptedFailure(request, Api::Chat))
            return *failure;
        return {200, "text/event-stream", chatAnswer(asked, request, j.value(u"model").toString()), {}};
    }

    // Gemini (Gemini CLI): write_file calls, the answer as text; generateContent (the CLI's
    // model router) gets a plain JSON answer.
    Reply gemini(const QByteArray &body, const QString &path, bool streaming)
    {
        // The model is in the path: /v1beta/models/<model>:streamGenerateContent.
        const QString model = path.section(u'/', -1).section(u':', 0, 0);
        const QJsonObject j = QJsonDocument::fromJson(body).object();
        if (!streaming) {
            const QJsonObject answer{{QStringLiteral("candidates"),
                                      QJsonArray{QJsonObject{{QStringLiteral("content"),
                                                              QJsonObject{{QStringLiteral("role"), QStringLiteral("model")},
                                                                          {QStringLiteral("parts"), QJsonArray{QJsonObject{{QStringLiteral("text"),
                                                                                                                              QStringLiteral("{\"reasoning\": \"scripted\", \"model_choice\": \"pro\"}")}}}}}},
                                                             {QStringLiteral("finishReason"), QStringLiteral("STOP")}}}}};
            return {200, "application/json", QJsonDocument(answer).toJson(QJsonDocument::Compact), {}};
        }
        const int request = ++m_requests;
        bool toolResult = false;
        QString userText;
        Shape shape;
        for (const QJsonValue &value : j.value(u"contents").toArray()) {
            const QJsonObject content = value.toObject();
            ++shape.items;
            for (const QJsonValue &part : content.value(u"parts").toArray()) {
                if (part.toObject().contains(u"functionResponse")) {
                    toolResult = true;
                    ++shape.toolResults;
                } else if (content.value(u"role") == QJsonValue(QStringLiteral("user"))) {
                    userText += part.toObject().value(u"text").toString() + u'\n';
                    shape.lastUser = part.toObject().value(u"text").toString();
                }
            }
        }
        const QList<Directive> directives = directivesIn(userText);
        logRequest("gemini", request, directives, toolResult, QString(), model, shape);
        if (auto failure = scriptedFailure(request, Api::Gemini))
            return *failure;
        QJsonArray parts;
        if (!toolResult && !directives.isEmpty()) {
            for (const Directive &d : directives)
                parts.append(QJsonObject{{QStringLiteral("functionCall"),
                                          QJsonObject{{QStringLiteral("name"), QStringLiteral("write_file")},
                                                      {QStringLiteral("args"), QJsonObject{{QStringLiteral("file_path"), d.path},
                                                                                           {QStringLiteral("content"), d.content}}}}}});
        } else {
            parts.append(QJsonObject{{QStringLiteral("text"), answerText(directives)}});
        }
        const QJsonObject chunk{{QStringLiteral("candidates"),
                                 QJsonArray{QJsonObject{{QStringLiteral("content"), QJsonObject{{QStringLiteral("role"), QStringLiteral("model")},
                                                                                                {QStringLiteral("parts"), parts}}},
                                                        {QStringLiteral("finishReason"), QStringLiteral("STOP")},
                                                        {QStringLiteral("index"), 0}}}},
                                {QStringLiteral("usageMetadata"), QJsonObject{{QStringLiteral("promptTokenCount"), 100},
                                                                              {QStringLiteral("candidatesTokenCount"), 20},
                                                                              {QStringLiteral("totalTokenCount"), 120}}}};
        return {200, "text/event-stream", "data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact) + "\r\n\r\n", {}};
    }

    Reply anthropic(const QByteArray &body)
    {
        const int request = ++m_requests;
        const QJsonObject j = QJsonDocument::fromJson(body).object();
        const QJsonArray messages = j.value(u"messages").toArray();
        // A tool result anywhere in the conversation: the tools have run (a continued
        // conversation ends with the user's short prompt, after them).
        bool toolResult = false;
        QString first;
        Shape shape;
        for (const QJsonValue &m : messages) {
            ++shape.items;
            bool result = false;
            const QString text = textOf(m.toObject().value(u"content"), &result);
            toolResult = toolResult || result;
            shape.toolResults += result ? 1 : 0;
            if (m.toObject().value(u"role") == QJsonValue(QStringLiteral("user"))) {
                if (first.isEmpty())
                    first = text;
                if (!text.trimmed().isEmpty())
                    shape.lastUser = text;
            }
        }
        static const QRegularExpression cwdLine(QStringLiteral("Primary working directory: (\\S+)"));
        const QString system = textOf(j.value(u"system"));
        const QString cwd = cwdLine.match(system).captured(1);
        const QList<Directive> directives = directivesIn(first);
        logRequest("anthropic", request, directives, toolResult, cwd, j.value(u"model"), shape);
        if (auto failure = scriptedFailure(request, Api::Anthropic))
            return *failure;

        const QString model = j.value(u"model").toString();
        QByteArray out = sse("message_start",
                             {{QStringLiteral("type"), QStringLiteral("message_start")},
                              {QStringLiteral("message"),
                               QJsonObject{{QStringLiteral("id"), QStringLiteral("msg_%1").arg(request)},
                                           {QStringLiteral("type"), QStringLiteral("message")},
                                           {QStringLiteral("role"), QStringLiteral("assistant")},
                                           {QStringLiteral("model"), model},
                                           {QStringLiteral("content"), QJsonArray()},
                                           {QStringLiteral("stop_reason"), QJsonValue()},
                                           {QStringLiteral("usage"), QJsonObject{{QStringLiteral("input_tokens"), 100},
                                                                                 {QStringLiteral("output_tokens"), 1}}}}}});
        const bool writing = !toolResult && !directives.isEmpty();
        int index = 0;
        if (writing) {
            for (const Directive &d : directives) {
                const QString file = cwd.isEmpty() || d.path.startsWith(u'/') ? d.path : cwd + u'/' + d.path;
                const QByteArray input = QJsonDocument(QJsonObject{{QStringLiteral("file_path"), file},
                                                                   {QStringLiteral("content"), d.content}})
                                             .toJson(QJsonDocument::Compact);
                out += sse("content_block_start",
                           {{QStringLiteral("type"), QStringLiteral("content_block_start")}, {QStringLiteral("index"), index},
                            {QStringLiteral("content_block"),
                             QJsonObject{{QStringLiteral("type"), QStringLiteral("tool_use")},
                                         {QStringLiteral("id"), QStringLiteral("toolu_%1_%2").arg(request).arg(index)},
                                         {QStringLiteral("name"), QStringLiteral("Write")},
                                         {QStringLiteral("input"), QJsonObject()}}}});
                out += sse("content_block_delta",
                           {{QStringLiteral("type"), QStringLiteral("content_block_delta")}, {QStringLiteral("index"), index},
                            {QStringLiteral("delta"), QJsonObject{{QStringLiteral("type"), QStringLiteral("input_json_delta")},
                                                                  {QStringLiteral("partial_json"), QString::fromUtf8(input)}}}});
                out += sse("content_block_stop", {{QStringLiteral("type"), QStringLiteral("content_block_stop")},
                                                  {QStringLiteral("index"), index}});
                ++index;
            }
        } else {
            const QString text = answerText(directives);
            out += sse("content_block_start",
                       {{QStringLiteral("type"), QStringLiteral("content_block_start")}, {QStringLiteral("index"), 0},
                        {QStringLiteral("content_block"), QJsonObject{{QStringLiteral("type"), QStringLiteral("text")},
                                                                      {QStringLiteral("text"), QString()}}}});
            out += sse("content_block_delta",
                       {{QStringLiteral("type"), QStringLiteral("content_block_delta")}, {QStringLiteral("index"), 0},
                        {QStringLiteral("delta"), QJsonObject{{QStringLiteral("type"), QStringLiteral("text_delta")},
                                                              {QStringLiteral("text"), text}}}});
            out += sse("content_block_stop",
                       {{QStringLiteral("type"), QStringLiteral("content_block_stop")}, {QStringLiteral("index"), 0}});
        }
        out += sse("message_delta",
                   {{QStringLiteral("type"), QStringLiteral("message_delta")},
                    {QStringLiteral("delta"), QJsonObject{{QStringLiteral("stop_reason"),
                                                           writing ? QStringLiteral("tool_use") : QStringLiteral("end_turn")},
                                                          {QStringLiteral("stop_sequence"), QJsonValue()}}},
                    {QStringLiteral("usage"), QJsonObject{{QStringLiteral("output_tokens"), 20}}}});
        out += sse("message_stop", {{QStringLiteral("type"), QStringLiteral("message_stop")}});
        return {200, "text/event-stream", out, {}};
    }

    Settings m_settings;
    QTcpServer m_server;
    int m_requests = 0;
    int m_onlyApiRequests = 0; // the requests of --only-api's API
};


} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addOptions({{QStringLiteral("port-file"), QStringLiteral("Write the port here."), QStringLiteral("file")},
                       {QStringLiteral("log"), QStringLiteral("Log requests here."), QStringLiteral("file")},
                       {QStringLiteral("fail"), QStringLiteral("Fail the first N requests."), QStringLiteral("n")},
                       {QStringLiteral("status"), QStringLiteral("Their HTTP status."), QStringLiteral("code")},
                       {QStringLiteral("retry-after"), QStringLiteral("Their retry-after."), QStringLiteral("sec")},
                       {QStringLiteral("malformed"), QStringLiteral("Break the first N streams."), QStringLiteral("n")},
                       {QStringLiteral("hang"), QStringLiteral("Hold the next N requests open."), QStringLiteral("n")},
                       {QStringLiteral("only-api"), QStringLiteral("Script the failures of this API only."),
                        QStringLiteral("api")},
                       {QStringLiteral("hang-at"), QStringLiteral("Hold these requests open (1-based, comma-separated)."),
                        QStringLiteral("k")},
                       {QStringLiteral("client-home"), QStringLiteral("Set up the CLIs in this home."), QStringLiteral("dir")}});
    parser.process(app);
    Settings settings;
    settings.logPath = parser.value(QStringLiteral("log"));
    settings.fail = parser.value(QStringLiteral("fail")).toInt();
    if (parser.isSet(QStringLiteral("status")))
        settings.status = parser.value(QStringLiteral("status")).toInt();
    settings.retryAfter = parser.value(QStringLiteral("retry-after"));
    settings.malformed = parser.value(QStringLiteral("malformed")).toInt();
    settings.hang = parser.value(QStringLiteral("hang")).toInt();
    settings.onlyApi = parser.value(QStringLiteral("only-api"));
    for (const QString &k : parser.value(QStringLiteral("hang-at")).split(u',', Qt::SkipEmptyParts))
        settings.hangAt.append(k.toInt());
    Server server(settings);
    if (!parser.isSet(QStringLiteral("port-file")) || !server.listen(parser.value(QStringLiteral("port-file")))) {
        std::fputs("peal-model-server: cannot listen on 127.0.0.1 or write --port-file\n", stderr);
        return 1;
    }
    if (parser.isSet(QStringLiteral("client-home")) && !writeClientSetup(parser.value(QStringLiteral("client-home")), server.url())) {
        std::fputs("peal-model-server: cannot write the --client-home files\n", stderr);
        return 1;
    }
    return app.exec();
}
