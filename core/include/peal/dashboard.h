// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

#include <QObject>
#include <QStringList>

#include <memory>

namespace Peal {

// What `peal serve` and `peal run --serve` serve, and how (docs/dashboard.md).
struct PEAL_EXPORT DashboardOptions
{
    QString bindAddress = QStringLiteral("127.0.0.1");
    quint16 port = 0;          // 0: a free port
    QString token;             // asked of every request when not empty
    QStringList stateDirs;     // the state directories shown
    QString root;              // and every state directory found under this one
    QString pageDir;           // the page's files; empty: <prefix>/share/peal/dashboard
    int maxClients = 256;      // connections at once; more are answered 503 and closed
    int requestTimeoutMs = 10000; // to send a whole request head
    int streamStallMs = 60000;    // an event stream that takes nothing for this long is dropped
};

/*
 * The dashboard server: a small HTTP/1.1 server on QTcpServer that answers GET and HEAD only -
 * the page's fixed files, a JSON API over the state directories (their runs, journals and
 * task records) and each run's journal as Server-Sent Events, replayed from Last-Event-ID.
 * It runs on the event loop of the process that owns it; a slow or vanished client only ever
 * holds its own connection.
 */
class PEAL_EXPORT DashboardServer : public QObject
{
public:
    explicit DashboardServer(DashboardOptions options, QObject *parent = nullptr);
    ~DashboardServer() override;

    // Starts listening; the error names the address and port and why.
    Result<void> listen();
    quint16 port() const;
    // The address to open: http://<address>:<port>/, with ?token=<token> when there is one.
    QString url() const;
    int clientCount() const;
    // Feeds every event stream what its journal holds now (the run is about to end).
    void sendPending();

    // The page's files beside the executable: <prefix>/share/peal/dashboard.
    static QString defaultPageDir();
    // Whether an address is one of this machine's loopback addresses.
    static bool isLoopback(const QString &address);
    // A new random token (128 bits, hex).
    static QString newToken();

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Peal
