// SPDX-License-Identifier: MIT
#pragma once

#include <peal/log.h>
#include <peal/state.h>

#include <QList>

namespace Peal::Internal {

/*
 * The one owner of task outcomes: every completion and failure of a task comes here, which
 * updates the state and writes state.json; the engine reads the failures from here for
 * last_run.json. No plugin saves state.
 */
class PEAL_EXPORT TaskOutcomes
{
public:
    TaskOutcomes(State &state, const QString &stateDir, Logger &logger)
        : m_state(state), m_stateDir(stateDir), m_logger(logger)
    {
    }

    // `tasks` completed: marked and saved. A save that fails is returned: the run stops, since
    // a resume would redo the work.
    Result<void> completed(const QList<quint32> &tasks);
    // `task` is to run again (peal run --redo): unmarked and saved.
    Result<void> reopened(quint32 task);
    // `tasks` failed: recorded, and the state saved (best effort: the state did not change, the
    // file is written so that it exists after a failed run, as the reference's does).
    void failed(const QList<quint32> &tasks, const QString &why);
    // The state saved now, best effort ("interruption"); a failure is logged.
    void save(const QString &after);

    // The tasks that failed in this run, in the order they failed, each once.
    const QList<quint32> &failedTasks() const { return m_failed; }

private:
    State &m_state;
    QString m_stateDir;
    Logger &m_logger;
    QList<quint32> m_failed;
};

} // namespace Peal::Internal
