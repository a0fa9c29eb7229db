// SPDX-License-Identifier: MIT
#include "runcommand.h"

#include "console.h"
#include "signalwatcher.h"

#include <peal/engine.h>

#include <csignal>

namespace Peal::Cli {

RunCommand::RunCommand(CommandLine commandLine, QObject *parent)
    : QObject(parent), m_commandLine(std::move(commandLine))
{
}

void RunCommand::start()
{
    auto config = ConfigLoader::load(m_commandLine.configFile, m_commandLine.cliLayer,
                                     ConfigLoader::systemEnvironment());
    if (!config) {
        printError(config.error().toDisplayString());
        return Q_EMIT finished(toInt(ExitCode::Failure));
    }
    RunRequest request;
    request.config = std::move(config).value();
    request.task = m_commandLine.task;
    request.fromTask = m_commandLine.fromTask;
    request.pluginDirs = m_commandLine.pluginDirs;
    if (qEnvironmentVariableIsSet("PEAL_LOG"))
        request.pealLog = qEnvironmentVariable("PEAL_LOG");
    if (qEnvironmentVariableIsSet("PATH"))
        request.pathVariable = qEnvironmentVariable("PATH");
    m_engine = new Engine(std::move(request), this);
    connect(m_engine, &Engine::finished, this, &RunCommand::finished);
    // Ctrl-C and SIGTERM stop the run cleanly: process trees ended, state saved, review
    // session finished, exit 130 / 143.
    auto *signals = new SignalWatcher(this);
    connect(signals, &SignalWatcher::received, m_engine, [this](int signalNumber) {
        m_engine->cancel(signalNumber == SIGTERM ? ExitCode::Terminated : ExitCode::Interrupted);
    });
    m_engine->start();
}

} // namespace Peal::Cli
