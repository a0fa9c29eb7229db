// SPDX-License-Identifier: MIT
#include "serve/connection.h"

#include "serve/journalfeeds.h"
#include "serve/statecatalog.h"

#include <peal/dashboard.h>
#include <peal/journal.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>

namespace Peal::Serve {

namespace {

constexpr qint64 kChunk = 256 * 1024;   // journal bytes read for a stream at once
constexpr qint64 kLowWater = 64 * 1024; // a stream is fed when less than this waits to be sent
constexpr int kHeartbeatMs = 15000;     // a comment line keeps idle streams and proxies alive
constexpr qint64 kMaxDiscard = 64 * 1024; // bytes a client may send after its request
constexpr int kMaxJournalEvents = 5000; // events in one /journal answer

// The page's files: the only paths that name a file, each with its type.
struct PageFile
{
    QByteArrayView path;
    const char *file;
    const char *type;
};
constexpr PageFile kPageFiles[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/index.html", "index.html", "text/html; charset=utf-8"},
    {"/dashboard.css", "dashboard.css", "text/css; charset=utf-8"},
    {"/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
    {"/favicon.svg", "favicon.svg", "image/svg+xml"},
};

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    }
    return "Error";
}

QByteArray statusLine(int status)
{
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
}

// Headers every answer carries: nothing cached, nothing sniffed, framed or fetched elsewhere.
const QByteArray kCommonHeaders = "Cache-Control: no-store\r\n"
                                  "X-Content-Type-Options: nosniff\r\n"
                                  "X-Frame-Options: DENY\r\n"
                                  "Referrer-Policy: no-referrer\r\n"
                                  "Content-Security-Policy: default-src 'self'; img-src 'self' data:; "
                                  "frame-ancestors 'none'\r\n";

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<quint64> number(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 19)
        return std::nullopt;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
    }
    return text.toULongLong();
}

// The token a request carries: "Authorization: Bearer <t>", the cookie the page got, or ?token=.
QByteArray tokenOf(const Http::Request &request, bool *fromQuery)
{
    *fromQuery = false;
    const QByteArray auth = request.header("authorization");
    if (auth.startsWith("Bearer "))
        return auth.mid(7).trimmed();
    for (const QByteArray &cookie : request.header("cookie").split(';')) {
        const QByteArray c = cookie.trimmed();
        if (c.startsWith("peal_token="))
            return c.mid(11);
    }
    *fromQuery = true;
    return request.queryValue("token");
}

bool isWildcard(const QString &address)
{
    return address == u"0.0.0.0" || address == u"::";
}

} // namespace

Connection::Connection(QTcpSocket *socket, ServerContext &context, QObject *parent)
    : QObject(parent), m_socket(socket), m_context(context)
{
    socket->setParent(this);
    connect(socket, &QTcpSocket::readyRead, this, &Connection::readRequest);
    connect(socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
    connect(socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_socket->state() != QAbstractSocket::ConnectedState)
            deleteLater();
    });
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        if (!m_answered)
            fail(408, "the request head did not arrive in time");
    });
    m_deadline.start(context.options.requestTimeoutMs);
    readRequest(); // bytes that came with the connection
}

Connection::~Connection()
{
    if (m_stream)
        m_context.feeds.unsubscribe(m_stream->path, this);
}

void Connection::refuse(QTcpSocket *socket)
{
    const QByteArray body = "503 too many clients: try again later\n";
    socket->write(statusLine(503) + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: "
                  + QByteArray::number(body.size()) + "\r\nRetry-After: 5\r\nConnection: close\r\n\r\n" + body);
    socket->disconnectFromHost();
}

void Connection::readRequest()
{
    if (m_answered) {
        // Nothing more is read from a client that has its answer; a flood ends the connection.
        const QByteArray extra = m_socket->read(kMaxDiscard + 1);
        if (extra.size() > kMaxDiscard)
            m_socket->abort();
        return;
    }
    while (m_socket->bytesAvailable() > 0 && m_parser.state() == Http::RequestParser::State::NeedMore)
        m_parser.feed(m_socket->read(4096));
    if (m_parser.state() == Http::RequestParser::State::Failed)
        return fail(m_parser.status(), m_parser.reason());
    if (m_parser.state() == Http::RequestParser::State::Complete) {
        m_deadline.stop();
        m_answered = true;
        handle(m_parser.request());
    }
}

bool Connection::authorized(const Http::Request &request, QByteArray *setCookie) const
{
    const QString &token = m_context.options.token;
    if (token.isEmpty())
        return true;
    bool fromQuery = false;
    const QByteArray given = tokenOf(request, &fromQuery);
    if (!Http::sameToken(given, token.toUtf8()))
        return false;
    if (fromQuery) // the page's own requests then carry it as a cookie
        *setCookie = "Set-Cookie: peal_token=" + given + "; Path=/; HttpOnly; SameSite=Strict\r\n";
    return true;
}

void Connection::handle(const Http::Request &request)
{
    m_head = request.method == "HEAD";
    if (!isWildcard(m_context.boundAddress)
        && !Http::hostAllowed(request.header("host"), m_context.boundAddress, m_context.port))
        return fail(403, "the Host header names neither this server's address nor localhost");
    if (!authorized(request, &m_setCookie))
        return fail(401, "this dashboard needs its token: open the URL that peal printed, which has it");
    const QByteArray &path = request.path;
    if (path.startsWith("/api/")) {
        QList<QByteArray> parts = path.mid(5).split('/');
        if (!parts.isEmpty() && parts.last().isEmpty())
            parts.removeLast();
        return serveApi(request, parts);
    }
    serveFile(request, path);
}

void Connection::serveFile(const Http::Request &, QByteArrayView path)
{
    for (const PageFile &page : kPageFiles) {
        if (page.path != path)
            continue;
        QFile file(QDir(m_context.options.pageDir).filePath(QString::fromLatin1(page.file)));
        if (!file.open(QIODevice::ReadOnly))
            return fail(500, "the dashboard's files are not where peal looks for them (" + file.fileName().toUtf8() + ")");
        return respond(200, page.type, file.readAll());
    }
    fail(404, "no such page");
}

void Connection::serveApi(const Http::Request &request, const QList<QByteArray> &parts)
{
    // states | states/<key> | states/<key>/runs/<id>/(journal|events) | states/<key>/tasks/<n>
    if (parts.isEmpty() || parts.first() != "states")
        return fail(404, "no such API path (docs/dashboard.md lists them)");
    if (parts.size() == 1)
        return respond(200, "application/json", json(m_context.catalog.statesJson()));
    const auto state = m_context.catalog.find(QString::fromUtf8(parts.at(1)));
    if (!state)
        return fail(404, "no such state directory");
    if (parts.size() == 2)
        return respond(200, "application/json", json(StateCatalog::stateJson(*state)));
    if (parts.size() == 4 && parts.at(2) == "tasks") {
        const auto task = number(parts.at(3));
        if (!task || *task == 0 || *task > std::numeric_limits<quint32>::max())
            return fail(404, "a task is a positive number");
        return respond(200, "application/json", json(StateCatalog::taskJson(*state, quint32(*task))));
    }
    if (parts.size() != 5 || parts.at(2) != "runs" || (parts.at(4) != "journal" && parts.at(4) != "events"))
        return fail(404, "no such API path (docs/dashboard.md lists them)");
    const auto journal = StateCatalog::journalOf(*state, QString::fromUtf8(parts.at(3)));
    if (!journal)
        return fail(404, "no such run, or it has no journal");
    // Where to start: Last-Event-ID (an event stream reconnecting), else ?after=N.
    QByteArray afterText = request.header("last-event-id");
    if (afterText.isEmpty())
        afterText = request.queryValue("after");
    std::optional<quint64> after = afterText.isEmpty() ? std::optional<quint64>(0) : number(afterText);
    if (!after)
        return fail(400, "after and Last-Event-ID are event numbers");
    if (parts.at(4) == "events")
        return startStream(*journal, *after);
    const auto events = RunJournal::read(*journal, *after);
    if (!events)
        return fail(500, events.error().toDisplayString().toUtf8());
    QJsonArray list;
    for (qsizetype i = 0; i < events->size() && i < kMaxJournalEvents; ++i)
        list.append(events->at(i));
    respond(200, "application/json",
            json({{QStringLiteral("events"), list}, {QStringLiteral("more"), events->size() > kMaxJournalEvents}}));
}

void Connection::respond(int status, QByteArray contentType, const QByteArray &body, QList<QByteArray> extraHeaders)
{
    QByteArray head = statusLine(status) + "Content-Type: " + contentType + "\r\nContent-Length: "
                      + QByteArray::number(body.size()) + "\r\n" + kCommonHeaders + m_setCookie;
    for (const QByteArray &h : extraHeaders)
        head += h + "\r\n";
    head += "Connection: close\r\n\r\n";
    m_socket->write(m_head ? head : head + body);
    m_socket->disconnectFromHost();
}

void Connection::fail(int status, const QByteArray &reason)
{
    m_answered = true;
    m_deadline.stop();
    respond(status, "text/plain; charset=utf-8", QByteArray::number(status) + ' ' + reasonPhrase(status).toLower() + ": " + reason + '\n',
            status == 401 ? QList<QByteArray>{"WWW-Authenticate: Bearer"} : QList<QByteArray>{});
}

void Connection::startStream(const QString &journal, quint64 after)
{
    m_socket->write(statusLine(200) + "Content-Type: text/event-stream\r\n" + kCommonHeaders + m_setCookie
                    + "X-Accel-Buffering: no\r\n\r\n");
    if (m_head)
        return m_socket->disconnectFromHost();
    // The browser waits this long before it reconnects (with Last-Event-ID).
    m_socket->write("retry: 2000\n\n");
    m_stream = Stream{journal, 0, after};
    m_context.feeds.subscribe(journal, this, [this] { pump(); });
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        m_lastTaken.start();
        pump();
    });
    m_lastTaken.start();
    m_lastBeat.start();
    m_heartbeat.setInterval(std::min(kHeartbeatMs, std::max(100, m_context.options.streamStallMs / 2)));
    connect(&m_heartbeat, &QTimer::timeout, this, &Connection::checkStream);
    m_heartbeat.start();
    pump();
}

void Connection::pump()
{
    if (!m_stream || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    while (m_socket->bytesToWrite() < kLowWater) {
        QFile file(m_stream->path);
        if (!file.open(QIODevice::ReadOnly))
            return;
        if (file.size() < m_stream->offset)
            m_stream->offset = 0; // a new file in its place: read it again (the numbers skip what was sent)
        if (!file.seek(m_stream->offset))
            return;
        const QByteArray chunk = file.read(kChunk);
        const qsizetype end = chunk.lastIndexOf('\n');
        if (end < 0)
            return; // nothing new, or a line still being written
        m_stream->offset += end + 1;
        QByteArray out;
        for (const QByteArray &line : chunk.left(end).split('\n')) {
            const quint64 seq = quint64(QJsonDocument::fromJson(line).object().value(u"seq").toInteger());
            if (seq <= m_stream->after)
                continue; // sent before, or not an event
            m_stream->after = seq;
            out += "id: " + QByteArray::number(seq) + "\ndata: " + line + "\n\n";
        }
        if (!out.isEmpty())
            m_socket->write(out);
        if (chunk.size() < kChunk)
            return;
    }
}

void Connection::checkStream()
{
    if (m_socket->bytesToWrite() == 0) {
        m_lastTaken.start();
        if (m_lastBeat.hasExpired(kHeartbeatMs)) {
            m_lastBeat.start();
            m_socket->write(": keep-alive\n\n");
        }
        return;
    }
    // The client takes nothing: it is gone or stuck; it reconnects with Last-Event-ID if it can.
    if (m_lastTaken.elapsed() > m_context.options.streamStallMs)
        m_socket->abort();
}

} // namespace Peal::Serve
