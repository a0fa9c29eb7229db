// SPDX-License-Identifier: MIT
#include "resetcommand.h"

#include "console.h"

#include <peal/exitcode.h>
#include <peal/state.h>
#include <peal/taskledger.h>

#include <QFileInfo>

namespace Peal::Cli {

namespace {

// The state file that the reset may change: it exists, is valid and belongs to this plan and
// repo. Anything else is left as it is.
Result<std::optional<State>> loadOwnState(const Config &c)
{
    auto loaded = StateStore::load(c.stateDir);
    if (!loaded)
        return loaded.error();
    const QString path = StateStore::stateFilePath(c.stateDir);
    if (loaded->isInvalid())
        return Error(Error::Kind::State,
                     QStringLiteral("cannot reset the invalid state file %1: %2").arg(path, loaded->invalidReason),
                     QStringLiteral("nothing was changed; 'peal run' would move it aside and start fresh"));
    if (loaded->state && !loaded->state->matchesContext(c.planPath, c.repoPath))
        return Error(Error::Kind::State, QStringLiteral("%1 belongs to plan %2 and repo %3, not to %4 and %5")
                                             .arg(path, loaded->state->planPath(), loaded->state->repoPath(),
                                                  c.planPath, c.repoPath),
                     QStringLiteral("nothing was changed"));
    return loaded->state;
}

} // namespace

int runResetCommand(const CommandLine &commandLine)
{
    auto config = ConfigLoader::load(commandLine.configFile, commandLine.cliLayer, ConfigLoader::systemEnvironment());
    if (!config) {
        printError(config.error().toDisplayString());
        return toInt(ExitCode::Failure);
    }
    const Config &c = *config;
    const QString path = StateStore::stateFilePath(c.stateDir);
    // Nothing to change: no lock is taken, so a mistyped --state-dir creates nothing. A run in
    // progress is said so, whatever its state file says yet.
    if (!QFileInfo::exists(path) && !QFileInfo(path).isSymLink() && !QFileInfo::exists(TaskLedger::path(c.stateDir))
        && !StateLock::activeHolder(c.stateDir)) {
        printOut(QStringLiteral("%1 does not exist: no task is completed, nothing to reset\n").arg(path));
        return toInt(ExitCode::Success);
    }
    // A run that holds the state directory would overwrite the change; the lock keeps a run
    // from starting while the file is rewritten.
    StateLock lock;
    if (auto acquired = lock.acquire(c.stateDir); !acquired) {
        printError(acquired.error().toDisplayString());
        return toInt(ExitCode::Failure);
    }
    auto own = loadOwnState(c);
    if (!own) {
        printError(own.error().toDisplayString());
        return toInt(ExitCode::Failure);
    }
    // How far tasks got: reset with them, so a reset task starts from its first phase.
    auto ledger = TaskLedger::load(c.stateDir);
    if (!ledger) {
        printError(ledger.error().toDisplayString());
        return toInt(ExitCode::Failure);
    }
    const auto forget = [&](std::optional<quint32> task) {
        auto reset = task ? ledger->reset(*task) : ledger->resetAll();
        if (!reset)
            printError(reset.error().toDisplayString());
        return reset.ok();
    };
    if (!*own) {
        if (!forget(commandLine.resetAll ? std::nullopt : commandLine.task))
            return toInt(ExitCode::Failure);
        printOut(QStringLiteral("%1 does not exist: no task is completed, nothing to reset\n").arg(path));
        return toInt(ExitCode::Success);
    }
    if (!forget(commandLine.resetAll ? std::nullopt : commandLine.task))
        return toInt(ExitCode::Failure);
    State state = **own;
    QString done;
    if (commandLine.resetAll) {
        if (state.completedTaskIndices().isEmpty()) {
            printOut(QStringLiteral("no task is completed in %1: nothing to reset\n").arg(path));
            return toInt(ExitCode::Success);
        }
        // Everything it records goes: the old file is kept beside it.
        auto kept = StateStore::setAside(c.stateDir);
        if (!kept) {
            printError(kept.error().toDisplayString());
            return toInt(ExitCode::Failure);
        }
        const qsizetype count = state.completedTaskIndices().size();
        state.clearCompleted();
        done = QStringLiteral("%1 task(s) are no longer completed in %2 (the old file is kept as %3); 'peal run' "
                              "will run every task again\n")
                   .arg(count)
                   .arg(path, *kept);
    } else {
        const quint32 task = *commandLine.task;
        if (!state.markTaskIncomplete(task)) {
            printOut(QStringLiteral("task %1 is not completed in %2: nothing to reset\n").arg(task).arg(path));
            return toInt(ExitCode::Success);
        }
        done = QStringLiteral("task %1 is no longer completed in %2; 'peal run' will run it again\n").arg(task).arg(path);
    }
    if (auto saved = StateStore::save(c.stateDir, state); !saved) {
        printError(saved.error().toDisplayString());
        return toInt(ExitCode::Failure);
    }
    printOut(done);
    return toInt(ExitCode::Success);
}

} // namespace Peal::Cli
