// SPDX-License-Identifier: MIT
#include "workplace.h"

#include <peal/state.h>
#include <peal/taskledger.h>

#include <QFileInfo>

namespace Peal::Cli {

namespace {

const QString kHereConfig = QStringLiteral("peal.toml");

// The state directory the configuration names (the command line, PEAL_STATE_DIR, the file),
// or the default.
QString stateDirOf(const CommandLine &commandLine, const std::optional<QString> &configFile)
{
    if (commandLine.cliLayer.stateDir)
        return *commandLine.cliLayer.stateDir;
    if (qEnvironmentVariableIsSet("PEAL_STATE_DIR") && !qEnvironmentVariable("PEAL_STATE_DIR").isEmpty())
        return qEnvironmentVariable("PEAL_STATE_DIR");
    if (configFile) {
        if (auto file = ConfigLoader::readFile(*configFile); file && file->stateDir)
            return *file->stateDir;
    }
    return QStringLiteral(".peal");
}

// The plan and repository a state directory records: state.json's, else the task ledger's.
std::optional<std::pair<QString, QString>> recordedPlace(const QString &stateDir, QString *source)
{
    if (auto loaded = StateStore::load(stateDir); loaded && loaded->state) {
        *source = StateStore::stateFilePath(stateDir);
        return std::pair{loaded->state->planPath(), loaded->state->repoPath()};
    }
    if (auto ledger = TaskLedger::load(stateDir); ledger && !ledger->planPath().isEmpty()) {
        *source = TaskLedger::path(stateDir);
        return std::pair{ledger->planPath(), ledger->repoPath()};
    }
    return std::nullopt;
}

bool missingPlace(const Error &error)
{
    return error.kind() == Error::Kind::Config
           && (error.message().startsWith(u"plan_path is required") || error.message().startsWith(u"repo_path is required"));
}

} // namespace

std::optional<QString> configFileHere(const std::optional<QString> &given)
{
    if (given)
        return given;
    if (QFileInfo(kHereConfig).isFile())
        return kHereConfig;
    return std::nullopt;
}

QString stateDirHere(const std::optional<QString> &given)
{
    if (given)
        return *given;
    CommandLine none;
    return stateDirOf(none, configFileHere(std::nullopt));
}

Result<Config> loadConfigHere(const CommandLine &commandLine)
{
    const std::optional<QString> configFile = configFileHere(commandLine.configFile);
    const EnvLookup env = ConfigLoader::systemEnvironment();
    auto config = ConfigLoader::load(configFile, commandLine.cliLayer, env);
    if (config || !missingPlace(config.error()))
        return config;
    // No plan or repository given: the state of the last run here names them.
    const QString stateDir = stateDirOf(commandLine, configFile);
    QString source;
    const auto place = recordedPlace(stateDir, &source);
    if (!place)
        return Error(Error::Kind::Config, config.error().message(),
                     QStringLiteral("no ./peal.toml here and no peal state in %1: give --plan and --repo, run in the "
                                    "directory of your peal.toml, or write one with 'peal init'")
                         .arg(StateStore::directory(stateDir)));
    ConfigLayer cli = commandLine.cliLayer;
    if (!cli.planPath && !qEnvironmentVariableIsSet("PEAL_PLAN_PATH"))
        cli.planPath = place->first;
    if (!cli.repoPath && !qEnvironmentVariableIsSet("PEAL_REPO_PATH"))
        cli.repoPath = place->second;
    auto found = ConfigLoader::load(configFile, cli, env);
    if (!found)
        return found;
    for (const QString &key : {QStringLiteral("plan_path"), QStringLiteral("repo_path")}) {
        const bool fromState = key == u"plan_path" ? !commandLine.cliLayer.planPath : !commandLine.cliLayer.repoPath;
        if (fromState && found->originOf(key).startsWith(u"--"))
            found->origins.insert(key, source);
    }
    return found;
}

} // namespace Peal::Cli
