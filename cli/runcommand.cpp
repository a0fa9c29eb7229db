// SPDX-License-Identifier: MIT
#include "runcommand.h"

#include "console.h"

#include <peal/exitcode.h>
#include <peal/validation.h>

namespace Peal::Cli {

RunCommand::RunCommand(CommandLine commandLine, QObject *parent)
    : QObject(parent), m_commandLine(std::move(commandLine))
{
}

void RunCommand::fail(const Error &error)
{
    printError(error.toDisplayString());
    Q_EMIT finished(toInt(ExitCode::Failure));
}

void RunCommand::start()
{
    auto config = ConfigLoader::load(m_commandLine.configFile, m_commandLine.cliLayer,
                                     ConfigLoader::systemEnvironment());
    if (!config)
        return fail(config.error());
    validateConfig(*config, this, [this](const Result<void> &valid) {
        if (!valid)
            return fail(valid.error());
        fail(Error(Error::Kind::Generic,
                   QStringLiteral("the run engine is not built yet; configuration is valid")));
    });
}

} // namespace Peal::Cli
