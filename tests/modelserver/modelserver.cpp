// SPDX-License-Identifier: MIT
/*
 * peal-test-model-server: a scripted model server on 127.0.0.1 for driving the real agent CLIs
 * with no network (../shared/spec/agent-clis.md §7). It speaks the Anthropic Messages API as
 * server-sent events (POST /v1/messages).
 *
 * The "model" follows directives in the conversation's first user message: every line
 * "@write <path> <words...>" becomes a call of the CLI's own file-writing tool (Claude Code's
 * Write, path relative to the working directory the CLI reports); once the tool results come
 * back, it answers with text that repeats the directives, so a plan written in plan mode carries
 * them to the execute phase. "@probe <path> <words...>" is tried the same way but not repeated:
 * the file exists afterwards only if the CLI let the phase that saw it write. Without directives
 * it answers "Nothing to do.".
 *
 * Options:
 *   --port-file F      write the port it listens on (a free one) into F
 *   --log F            append one JSON line per request (api, path, directives, tool_result, cwd)
 *   --fail N           answer the first N model requests with --status (default 429)
 *   --status S         the HTTP status of those answers
 *   --retry-after SEC  send a retry-after header with them
 *   --malformed N      answer the first N model requests with a broken event stream
 */
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>

namespace {

struct Settings
{
    QString logPath;
    int fail = 0;
    int status = 429;
    QString retryAfter;
    int malformed = 0;
};

struct Directive
{
    QString path;
    QString content;
    bool echoed = true; // repeated in the answer ("@write"), or not ("@probe")
};

QList<Directive> directivesIn(const QString &text)
{
    static const QRegularExpression write(QStringLiteral("^\\s*@(write|probe)\\s+(\\S+)\\s+(.*)$"),
                                          QRegularExpression::MultilineOption);
    QList<Directive> out;
    auto it = write.globalMatch(text);
    while (it.hasNext()) {
        const auto m = it.next();
        out << Directive{m.captured(2), m.captured(3).trimmed() + u'\n', m.captured(1) == u"write"};
    }
    return out;
}

// The text of a message's content (a string or blocks); tool results are left out.
QString textOf(const QJsonValue &content, bool *hasToolResult = nullptr)
{
    if (content.isString())
        return content.toString();
    QString text;
    for (const QJsonValue &block : content.toArray()) {
        const QJsonObject b = block.toObject();
        if (b.value(u"type") == QJsonValue(QStringLiteral("tool_result"))) {
            if (hasToolResult)
                *hasToolResult = true;
        } else if (b.value(u"type") == QJsonValue(QStringLiteral("text"))) {
            text += b.value(u"text").toString() + u'\n';
        }
    }
    return text;
}

QByteArray sse(const char *event, const QJsonObject &data)
{
    return QByteArray("event: ") + event + "\ndata: " + QJsonDocument(data).toJson(QJsonDocument::Compact) + "\n\n";
}

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
        QFile file(portFile);
        return file.open(QIODevice::WriteOnly) && file.write(QByteArray::number(m_server.serverPort())) > 0;
    }

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

    // A scripted failure for the first requests, or nothing.
    std::optional<Reply> scriptedFailure(int request, const char *errorType)
    {
        if (request <= m_settings.fail) {
            Reply r{m_settings.status, "application/json", {}, {}};
            r.body = QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("error")},
                                               {QStringLiteral("error"),
                                                QJsonObject{{QStringLiteral("type"), QString::fromLatin1(errorType)},
                                                            {QStringLiteral("message"), QStringLiteral("scripted failure")}}}})
                         .toJson(QJsonDocument::Compact);
            if (!m_settings.retryAfter.isEmpty())
                r.headers.append({"retry-after", m_settings.retryAfter.toUtf8()});
            return r;
        }
        if (request <= m_settings.fail + m_settings.malformed)
            return Reply{200, "text/event-stream", "event: message_start\ndata: {\"type\": \"message_st\n\n", {}};
        return std::nullopt;
    }

    Reply anthropic(const QByteArray &body)
    {
        const int request = ++m_requests;
        const QJsonObject j = QJsonDocument::fromJson(body).object();
        const QJsonArray messages = j.value(u"messages").toArray();
        bool toolResult = false;
        textOf(messages.last().toObject().value(u"content"), &toolResult);
        QString first;
        for (const QJsonValue &m : messages) {
            if (m.toObject().value(u"role") == QJsonValue(QStringLiteral("user"))) {
                first = textOf(m.toObject().value(u"content"));
                break;
            }
        }
        static const QRegularExpression cwdLine(QStringLiteral("Primary working directory: (\\S+)"));
        const QString system = textOf(j.value(u"system"));
        const QString cwd = cwdLine.match(system).captured(1);
        const QList<Directive> directives = directivesIn(first);
        QJsonArray paths;
        for (const Directive &d : directives)
            paths.append(d.path);
        log({{QStringLiteral("api"), QStringLiteral("anthropic")}, {QStringLiteral("request"), request},
             {QStringLiteral("directives"), paths}, {QStringLiteral("tool_result"), toolResult},
             {QStringLiteral("cwd"), cwd}, {QStringLiteral("model"), j.value(u"model")}});
        const int status = m_settings.status;
        if (auto failure = scriptedFailure(request, status == 429 ? "rate_limit_error"
                                                    : status == 529 ? "overloaded_error"
                                                                    : "api_error"))
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
            QString text = QStringLiteral("Nothing to do.");
            if (!directives.isEmpty()) {
                QStringList lines{QStringLiteral("Plan: write the files."), QString()};
                for (const Directive &d : directives) {
                    if (d.echoed)
                        lines << QStringLiteral("@write %1 %2").arg(d.path, d.content.trimmed());
                }
                text = lines.join(u'\n');
            }
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
                       {QStringLiteral("malformed"), QStringLiteral("Break the first N streams."), QStringLiteral("n")}});
    parser.process(app);
    Settings settings;
    settings.logPath = parser.value(QStringLiteral("log"));
    settings.fail = parser.value(QStringLiteral("fail")).toInt();
    if (parser.isSet(QStringLiteral("status")))
        settings.status = parser.value(QStringLiteral("status")).toInt();
    settings.retryAfter = parser.value(QStringLiteral("retry-after"));
    settings.malformed = parser.value(QStringLiteral("malformed")).toInt();
    Server server(settings);
    if (!parser.isSet(QStringLiteral("port-file")) || !server.listen(parser.value(QStringLiteral("port-file")))) {
        std::fputs("peal-test-model-server: cannot listen on 127.0.0.1 or write --port-file\n", stderr);
        return 1;
    }
    return app.exec();
}
