// SPDX-License-Identifier: MIT
#pragma once

#include "unattended/budget.h"
#include "task/taskresult.h"

#include <peal/log.h>
#include <peal/state.h>
#include <peal/summary.h>
#include <peal/taskledger.h>

#include <peal/sdk/events.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>

#include <chrono>

namespace Peal::Internal {

// What agent calls used, added up: for a task or a whole run.
struct PEAL_EXPORT UsageTotals
{
    qint64 calls = 0;
    qint64 durationMs = 0;
    qint64 inputTokens = 0;
    qint64 outputTokens = 0;
    qint64 cacheReadTokens = 0;
    qint64 cacheWriteTokens = 0;
    qint64 turns = 0;
    qint64 toolCalls = 0;
    std::optional<double> costUsd; // unset: no back-end reported a cost
    QMap<QString, qint64> failures; // failure class -> calls that ended with it

    void add(const AgentTotals &call, std::chrono::milliseconds duration);
    QJsonObject toJson() const;
};

// How a run ended, for last_run.json.
struct RunEnd
{
    QString runId;
    QString startedAt; // RFC 3339
    int exitCode = 0;
    bool interrupted = false;
    QString error; // the error line's message, empty when none
};

/*
 * The one owner of task outcomes: every completion and failure of a task comes here, which
 * updates the state and writes state.json; the run's record files (run_summary.json and
 * last_run.json) are written from here too. No plugin saves state.
 */
class PEAL_EXPORT TaskOutcomes
{
public:
    // `config` outlives this object (the run's own).
    TaskOutcomes(State &state, const Config &config, Logger &logger)
        : m_state(state), m_config(config), m_logger(logger)
    {
    }

    // `tasks` completed: marked and saved. A save that fails is returned: the run stops, since
    // a resume would redo the work.
    Result<void> completed(const QList<quint32> &tasks);
    // `task` is to run again from its first phase (peal run --redo): unmarked and saved.
    Result<void> reopened(quint32 task);
    // How far each task got (task_progress.jsonl), read at the start of a run.
    Result<void> loadLedger();
    const TaskLedger &ledger() const { return m_ledger; }
    // The ledger speaks of this plan and repository from now on; what it said of others is
    // forgotten.
    Result<void> ledgerFor(const QString &planPath, const QString &repoPath);
    // Completed in state.json and owing no phase: a task the run skips.
    bool isDone(quint32 task) const { return m_ledger.isDone(task, m_state.isTaskCompleted(task)); }
    // The phases of `entry` that it counts are done for `task` (best effort: a failure is logged,
    // and costs at most a phase done again).
    void phasesDone(quint32 task, const TaskLedger::Entry &entry);
    // `tasks` failed: recorded, and the state saved (best effort: the state did not change, the
    // file is written so that it exists after a failed run, as the reference's does).
    void failed(const QList<quint32> &tasks, const QString &why);
    // The state saved now, best effort ("interruption"); a failure is logged.
    void save(const QString &after);

    // The tasks that failed in this run, in the order they failed, each once.
    const QList<quint32> &failedTasks() const { return m_failed; }
    // A graph plan's waits and the tasks a failure blocked, for the run summary and the history.
    void setGraph(QJsonObject graph) { m_graph = std::move(graph); }
    // `task` finished its last phase in this run (the history's record of the run).
    void taskDone(quint32 task)
    {
        if (!m_done.contains(task))
            m_done.append(task);
    }

    // run_summary.json for a run that finished its tasks with exit `code` (spec §4.5); the path
    // written on success. A summary that cannot be written is an error.
    Result<QString> writeSummary(const RunOutcome &done, int code) const;
    // last_run.json, what `peal status` reads, and the run's record in the history.
    Result<void> writeLastRun(const RunEnd &end) const;

    // The exit code of a finished run: 2 when a task failed or findings remain, else 0.
    static int exitCodeOf(const RunOutcome &done);

    // One agent call ended (`task` 0: not a task's, such as plan normalisation).
    void agentCallEnded(quint32 task, const AgentTotals &totals, std::chrono::milliseconds duration,
                        const QString &backEnd = {});
    // A back-end set aside and its calls moved on (agent_fallback): from, to, class, reason, until.
    void noteFallback(const QJsonObject &fallback) { m_fallbacks.append(fallback); }
    // A task (0: none) ended for a reason of the core, not of an agent call ("budget"): counted
    // with the failure classes of the calls.
    void noteFailureClass(quint32 task, const QString &name);
    const UsageTotals &runUsage() const { return m_usage; }
    // What this state spent, for budgets (spend.json): read at the start of a run; `warning`
    // says when the file was not a ledger.
    Result<void> loadSpend(QString *warning) { return m_spend.load(m_config.stateDir, warning); }
    const SpendLedger &spend() const { return m_spend; }
    // The "usage" object of run_summary.json and last_run.json: the run's totals and "tasks"
    // by index; empty when no agent call ran.
    QJsonObject usageJson() const;

private:
    State &m_state;
    const Config &m_config;
    Logger &m_logger;
    QList<quint32> m_failed;
    QList<quint32> m_done;
    QJsonObject m_graph;
    UsageTotals m_usage;
    QMap<quint32, UsageTotals> m_taskUsage;
    QMap<QString, qint64> m_backEndCalls; // agent calls by the back-end that did them
    QJsonArray m_fallbacks;
    SpendLedger m_spend;
    TaskLedger m_ledger;
};

} // namespace Peal::Internal
