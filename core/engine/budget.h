// SPDX-License-Identifier: MIT
#pragma once

#include <peal/config.h>
#include <peal/sdk/events.h>

#include <QMap>

#include <optional>

namespace Peal::Internal {

// What agent calls cost, as budgets count it: input plus output tokens, and US dollars where
// a back-end reported them.
struct Spend
{
    double costUsd = 0;
    qint64 tokens = 0;

    void add(const AgentTotals &call);
};

/*
 * `<state_dir>/spend.json`: the spending of every run of this state (docs/unattended.md). It
 * outlives a run, so that a run stopped by a budget resumes only once the limit is raised, and
 * starts from zero when the state does: StateStore::setAside() moves it aside with state.json
 * (a fresh start, `peal reset --all`).
 */
class PEAL_EXPORT SpendLedger
{
public:
    static QString path(const QString &stateDir);

    // Reads the file (missing: nothing spent). A file that cannot be read is an error; one
    // that is not a ledger is set aside with a warning in `warning` and counts as nothing.
    Result<void> load(const QString &stateDir, QString *warning);
    // The ledger after a call of `task` (0: no task's) ended; saved at once, best effort.
    Result<void> add(quint32 task, const AgentTotals &call);

    const Spend &run() const { return m_run; }
    Spend task(quint32 task) const { return m_tasks.value(task); }

private:
    QString m_stateDir;
    Spend m_run;
    QMap<quint32, Spend> m_tasks;
};

// The budget a spending crossed, if any, and the line that says so.
struct BudgetBreach
{
    QString key;     // "max_cost_usd", "task_max_tokens", ...
    QString message; // "budget max_cost_usd = 0.50 reached: ... cost $0.5312 (41230 tokens)"
};

// The first budget of `config` that `run` (this state's spending) or `task` (that task's, when
// `taskIndex` is not 0) has reached: a limit is reached when the spending is at or above it.
PEAL_EXPORT std::optional<BudgetBreach> budgetReached(const Config &config, const Spend &run, quint32 taskIndex,
                                                      const Spend &task);

} // namespace Peal::Internal
