// SPDX-License-Identifier: MIT
#include "runcommand.h"
#include "workplace.h"

#include "console.h"
#include "progressview.h"
#include "servecommand.h"
#include "signalwatcher.h"

#include <peal/log.h>
#include <peal/state.h>

#include <QFileInfo>
#include <QTimer>

#include <csignal>

namespace Peal::Cli {

namespace {
// How long a served run's process stays after the run, for its pages to take the last events.
constexpr std::chrono::milliseconds kDashboardLinger{300};
} // namespace

RunRequest runRequest(const CommandLine &commandLine, Config config)
{
    RunRequest request;
    request.config = std::move(config);
    request.task = commandLine.task;
    request.fromTask = commandLine.fromTask;
    if (commandLine.redo) {
        request.task = commandLine.redo;
        request.redo = true;
    }
    request.pluginDirs = commandLine.pluginDirs;
    request.dryRun = commandLine.dryRun;
    request.quiet = commandLine.quiet;
    return request;
}

RunCommand::RunCommand(CommandLine commandLine, QObject *parent)
    : QObject(parent), m_commandLine(std::move(commandLine))
{
}

RunCommand::~RunCommand() = default;

void RunCommand::start()
{
    auto config = loadConfigHere(m_commandLine);
    if (!config) {
        printError(config.error().toDisplayString());
        return Q_EMIT finished(toInt(ExitCode::Failure));
    }
    if (m_commandLine.serve) {
        // The dashboard of this state directory, up before the run starts (docs/dashboard.md).
        DashboardOptions options;
        options.stateDirs << QFileInfo(StateStore::directory(config->stateDir)).absoluteFilePath();
        auto server = startDashboard(options, m_commandLine.servePort);
        if (!server) {
            printError(server.error().toDisplayString());
            return Q_EMIT finished(toInt(ExitCode::Failure));
        }
        m_dashboard = std::move(server).value();
        printErr(QStringLiteral("dashboard: %1\n").arg(m_dashboard->url()));
    }
    RunRequest request = runRequest(m_commandLine, std::move(config).value());
    if (qEnvironmentVariableIsSet("PEAL_LOG"))
        request.pealLog = qEnvironmentVariable("PEAL_LOG");
    if (qEnvironmentVariableIsSet("PATH"))
        request.pathVariable = qEnvironmentVariable("PATH");
    const ProgressView::Options view = ProgressView::optionsFor(request, m_commandLine.verbose);
    m_engine = new Engine(std::move(request), this);
    m_progress = ProgressView::attach(m_engine, view, this);
    connect(m_engine, &Engine::finished, this, [this](int code) {
        if (m_progress)
            m_progress->close();
        if (!m_dashboard)
            return Q_EMIT finished(code);
        // The pages watching get the journal's last lines before the server goes.
        m_dashboard->sendPending();
        QTimer::singleShot(kDashboardLinger, this, [this, code] { Q_EMIT finished(code); });
    });
    // Ctrl-C and SIGTERM stop the run cleanly: process trees ended, state saved, review
    // session finished, exit 130 / 143.
    auto *signals = new SignalWatcher(this);
    connect(signals, &SignalWatcher::received, m_engine, [this](int signalNumber) {
        m_engine->cancel(signalNumber == SIGTERM ? ExitCode::Terminated : ExitCode::Interrupted);
    });
    m_engine->start();
}

} // namespace Peal::Cli
