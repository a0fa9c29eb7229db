// SPDX-License-Identifier: MIT
#pragma once

#include "serve/httprequest.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <optional>

class QTcpSocket;

namespace Peal {
struct DashboardOptions;
}

namespace Peal::Serve {

class JournalFeeds;
class StateCatalog;

// What every connection of one server shares.
struct ServerContext
{
    const DashboardOptions &options;
    StateCatalog &catalog;
    JournalFeeds &feeds;
    QString boundAddress;
    quint16 port = 0;
};

/*
 * One client: its request head read with RequestParser's limits and a deadline, then one
 * answer - a page file, a JSON document, an error - and the connection closed; or a run's
 * journal as an event stream, kept open, fed from the file as the client takes it (never more
 * than a chunk waits in memory for a slow client) and dropped when it stops taking anything.
 * Deletes itself when the socket closes.
 */
class Connection : public QObject
{
public:
    Connection(QTcpSocket *socket, ServerContext &context, QObject *parent);
    ~Connection() override;

    // Answers 503 and closes: the server has as many clients as it takes.
    static void refuse(QTcpSocket *socket);

private:
    void readRequest();
    void handle(const Http::Request &request);
    bool authorized(const Http::Request &request, QByteArray *setCookie) const;
    void serveFile(const Http::Request &request, QByteArrayView path);
    void serveApi(const Http::Request &request, const QList<QByteArray> &parts);
    void respond(int status, QByteArray contentType, const QByteArray &body, QList<QByteArray> extraHeaders = {});
    void fail(int status, const QByteArray &reason);
    void startStream(const QString &journal, quint64 after);
    void pump();
    void checkStream();

    QTcpSocket *m_socket;
    ServerContext &m_context;
    Http::RequestParser m_parser;
    bool m_head = false;      // a HEAD request: headers only
    bool m_answered = false;
    QByteArray m_setCookie;
    QTimer m_deadline;

    struct Stream
    {
        QString path;
        qint64 offset = 0;
        quint64 after = 0;
    };
    std::optional<Stream> m_stream;
    QTimer m_heartbeat;
    QElapsedTimer m_lastTaken; // when the client last took bytes (or had nothing waiting)
    QElapsedTimer m_lastBeat;  // when the stream last sent a keep-alive comment
};

} // namespace Peal::Serve
