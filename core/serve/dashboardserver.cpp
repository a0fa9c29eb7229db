// SPDX-License-Identifier: MIT
#include <peal/dashboard.h>

#include "serve/connection.h"
#include "serve/journalfeeds.h"
#include "serve/statecatalog.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QRandomGenerator>
#include <QSysInfo>
#include <QTcpServer>
#include <QTcpSocket>

namespace Peal {

using namespace Serve;

class DashboardServer::Private
{
public:
    explicit Private(DashboardOptions o)
        : options(std::move(o)), catalog(options.stateDirs, options.root), context{options, catalog, feeds, {}, 0}
    {
    }

    DashboardOptions options;
    StateCatalog catalog;
    JournalFeeds feeds;
    ServerContext context;
    QTcpServer server;
    int clients = 0;
};

DashboardServer::DashboardServer(DashboardOptions options, QObject *parent)
    : QObject(parent), d(std::make_unique<Private>(std::move(options)))
{
    if (d->options.pageDir.isEmpty())
        d->options.pageDir = defaultPageDir();
    connect(&d->server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = d->server.nextPendingConnection()) {
            if (d->clients >= d->options.maxClients) {
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
                Connection::refuse(socket);
                continue;
            }
            ++d->clients;
            auto *connection = new Connection(socket, d->context, this);
            connect(connection, &QObject::destroyed, this, [this] { --d->clients; });
        }
    });
}

DashboardServer::~DashboardServer()
{
    // The connections go before what they use.
    const auto connections = findChildren<Connection *>(Qt::FindDirectChildrenOnly);
    for (Connection *c : connections) {
        disconnect(c, &QObject::destroyed, this, nullptr);
        delete c;
    }
}

Result<void> DashboardServer::listen()
{
    const QString where = QStringLiteral("%1:%2").arg(d->options.bindAddress).arg(d->options.port);
    QHostAddress address;
    if (d->options.bindAddress == u"localhost")
        address = QHostAddress(QHostAddress::LocalHost);
    else if (!address.setAddress(d->options.bindAddress))
        return Error(Error::Kind::Config,
                     QStringLiteral("--bind: '%1' is not an IP address (for example 127.0.0.1, 0.0.0.0 or ::1)")
                         .arg(d->options.bindAddress));
    if (!QFileInfo::exists(QDir(d->options.pageDir).filePath(QStringLiteral("index.html"))))
        return Error(Error::Kind::Config, QStringLiteral("the dashboard's page is not in %1 (is peal installed whole?)")
                                              .arg(QDir::toNativeSeparators(d->options.pageDir)));
    if (!d->server.listen(address, d->options.port))
        return Error(Error::Kind::Io, QStringLiteral("cannot listen on %1: %2").arg(where, d->server.errorString()),
                     QStringLiteral("choose another --port, or --port 0 for a free one"));
    d->context.boundAddress = address.toString();
    d->context.port = d->server.serverPort();
    return {};
}

quint16 DashboardServer::port() const
{
    return d->server.serverPort();
}

QString DashboardServer::url() const
{
    QString host = d->context.boundAddress;
    if (host == u"0.0.0.0" || host == u"::")
        host = QSysInfo::machineHostName();
    else if (host.contains(u':'))
        host = u'[' + host + u']';
    QString url = QStringLiteral("http://%1:%2/").arg(host).arg(port());
    if (!d->options.token.isEmpty())
        url += QStringLiteral("?token=") + d->options.token;
    return url;
}

int DashboardServer::clientCount() const
{
    return d->clients;
}

void DashboardServer::sendPending()
{
    d->feeds.pollAll();
}

QString DashboardServer::defaultPageDir()
{
    return QDir::cleanPath(QCoreApplication::applicationDirPath() + QStringLiteral("/../share/peal/dashboard"));
}

bool DashboardServer::isLoopback(const QString &address)
{
    return address == u"localhost" || QHostAddress(address).isLoopback();
}

QString DashboardServer::newToken()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex());
}

} // namespace Peal
