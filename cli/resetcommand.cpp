// SPDX-License-Identifier: MIT
#include "resetcommand.h"
#include "workplace.h"

#include "console.h"

#include <peal/callrecordfiles.h>
#include <peal/exitcode.h>
#include <peal/plan.h>
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

// The tasks to reset must be tasks of the plan (a canonical plan: a plan still to normalise has
// no numbers yet, and any number is taken).
std::optional<Error> unknownTasks(const Config &c, const QList<quint32> &tasks)
{
    auto document = PlanParser::readDocument(c.planPath);
    if (!document || !document->canonical)
        return std::nullopt;
    QStringList unknown;
    for (quint32 task : tasks) {
        if (!document->plan.taskByIndex(task))
            unknown << QString::number(task);
    }
    if (unknown.isEmpty())
        return std::nullopt;
    QStringList known;
    for (const Task &t : document->plan.tasks)
        known << QString::number(t.index);
    return Error(Error::Kind::TaskNotFound,
                 QStringLiteral("%1 %2 not in the plan %3").arg(unknown.size() == 1 ? QStringLiteral("task") : QStringLiteral("tasks"),
                                                                unknown.join(QStringLiteral(", ")), c.planPath),
                 QStringLiteral("its tasks are %1; nothing was changed").arg(known.join(QStringLiteral(", "))));
}

int fail(const Error &error)
{
    printError(error.toDisplayString());
    return toInt(ExitCode::Failure);
}

} // namespace

int runResetCommand(const CommandLine &commandLine)
{
    auto config = loadConfigHere(commandLine);
    if (!config)
        return fail(config.error());
    const Config &c = *config;
    if (!commandLine.resetAll) {
        if (auto unknown = unknownTasks(c, commandLine.resetTasks))
            return fail(*unknown);
    }
    const QString path = StateStore::stateFilePath(c.stateDir);
    // Nothing to change: no lock is taken, so a mistyped --state-dir creates nothing. A run in
    // progress is said so, whatever its state file says yet.
    if (!QFileInfo::exists(path) && !QFileInfo(path).isSymLink() && !QFileInfo::exists(TaskLedger::path(c.stateDir))
        && !StateLock::activeHolder(c.stateDir)) {
        printOut(QStringLiteral("%1 does not exist: no task has run, nothing to reset\n").arg(path));
        return toInt(ExitCode::Success);
    }
    // A run that holds the state directory would overwrite the change; the lock keeps a run
    // from starting while the files are rewritten.
    StateLock lock;
    if (auto acquired = lock.acquire(c.stateDir); !acquired)
        return fail(acquired.error());
    auto own = loadOwnState(c);
    if (!own)
        return fail(own.error());
    // How far tasks got: reset with them, so a reset task starts from its first phase.
    auto ledger = TaskLedger::load(c.stateDir);
    if (!ledger)
        return fail(ledger.error());
    State state = own->value_or(State(c.planPath, c.repoPath));
    QStringList said;
    if (commandLine.resetAll) {
        if (auto reset = ledger->resetAll(); !reset)
            return fail(reset.error());
        if (state.completedTaskIndices().isEmpty()) {
            printOut(QStringLiteral("no task is completed in %1: every task starts from its first phase\n").arg(path));
            return toInt(ExitCode::Success);
        }
        // Everything it records goes: the old file is kept beside it.
        auto kept = StateStore::setAside(c.stateDir);
        if (!kept)
            return fail(kept.error());
        said << QStringLiteral("%1 task(s) are no longer completed in %2 (the old file is kept as %3); 'peal run' "
                               "will run every task again")
                    .arg(state.completedTaskIndices().size())
                    .arg(path, *kept);
        state.clearCompleted();
        for (quint32 task : CallRecordFiles::tasks(c.stateDir))
            CallRecordFiles::startFresh(c.stateDir, task);
    } else {
        for (quint32 task : commandLine.resetTasks) {
            CallRecordFiles::startFresh(c.stateDir, task);
            const bool hadProgress = ledger->entry(task).has_value();
            if (auto reset = ledger->reset(task); !reset)
                return fail(reset.error());
            if (state.markTaskIncomplete(task))
                said << QStringLiteral("task %1 is no longer completed in %2; 'peal run' will run it again").arg(task).arg(path);
            else if (hadProgress)
                said << QStringLiteral("task %1 will start from its first phase (what an earlier run did of it is "
                                       "forgotten)").arg(task);
            else
                said << QStringLiteral("task %1 is not completed in %2: nothing to reset").arg(task).arg(path);
        }
    }
    if (*own) {
        if (auto saved = StateStore::save(c.stateDir, state); !saved)
            return fail(saved.error());
    }
    printOut(said.join(u'\n') + u'\n');
    return toInt(ExitCode::Success);
}

} // namespace Peal::Cli
