// SPDX-License-Identifier: MIT
#include "servecommand.h"

#include "console.h"
#include "signalwatcher.h"
#include "workplace.h"

#include <peal/exitcode.h>
#include <peal/state.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace Peal::Cli {

Result<std::unique_ptr<DashboardServer>> startDashboard(DashboardOptions options, std::optional<quint16> port)
{
    options.port = port.value_or(kDefaultServePort);
    auto server = std::make_unique<DashboardServer>(options);
    auto listening = server->listen();
    if (!listening && !port) {
        // The default port is taken (another peal serves it): any free one will do.
        options.port = 0;
        server = std::make_unique<DashboardServer>(options);
        listening = server->listen();
    }
    if (!listening)
        return listening.error();
    return server;
}

int runServeCommand(const CommandLine &commandLine)
{
    DashboardOptions options;
    options.bindAddress = commandLine.serveBind;
    options.token = commandLine.serveToken;
    if (options.token.isEmpty() && !DashboardServer::isLoopback(options.bindAddress))
        options.token = DashboardServer::newToken();
    if (!commandLine.serveRoot.isEmpty()) {
        if (!QFileInfo(commandLine.serveRoot).isDir()) {
            printError(QStringLiteral("--root: %1 is not a directory").arg(commandLine.serveRoot));
            return toInt(ExitCode::Failure);
        }
        options.root = commandLine.serveRoot;
    }
    // Without --root, the state directory the other commands would use; with it, only when named.
    if (options.root.isEmpty() || commandLine.givenStateDir)
        options.stateDirs << QFileInfo(StateStore::directory(stateDirHere(commandLine.givenStateDir))).absoluteFilePath();
    auto server = startDashboard(options, commandLine.servePort);
    if (!server) {
        printError(server.error().toDisplayString());
        return toInt(ExitCode::Failure);
    }
    const QString shown = options.root.isEmpty() ? QDir::toNativeSeparators(options.stateDirs.first())
                                                 : QStringLiteral("the state directories under %1").arg(options.root);
    printOut(QStringLiteral("peal serve: the dashboard of %1 is at\n  %2\n(Ctrl-C stops it)\n").arg(shown, (*server)->url()));
    if (options.stateDirs.size() == 1 && options.root.isEmpty() && !QFileInfo(options.stateDirs.first()).isDir())
        printWarning(QStringLiteral("%1 does not exist yet: the page shows its runs once there are some")
                         .arg(options.stateDirs.first()));
    SignalWatcher signals;
    QObject::connect(&signals, &SignalWatcher::received, qApp, [] { QCoreApplication::exit(toInt(ExitCode::Success)); });
    return QCoreApplication::exec();
}

} // namespace Peal::Cli
