// SPDX-License-Identifier: MIT
#pragma once

#include <peal/config.h>
#include "agent/agenttotals.h"
#include "state/jsonlines.h"

#include <QFile>
#include <QJsonObject>
#include <QMap>

#include <memory>
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
 * What every run of this state spent (docs/unattended.md). It outlives a run, so that a run
 * stopped by a budget resumes only once the limit is raised, and starts from zero when the
 * state does: StateStore::setAside() moves it aside with state.json (a fresh start,
 * `peal reset --all`).
 *
 * The ledger is `<state_dir>/spend.jsonl`, one line per agent call, appended when the call ends:
 * no new file and no fsync per call (a process killed at any moment loses nothing the kernel
 * has; a torn last line is dropped on reading). `spend.json`, the totals by task as people and
 * scripts read them, is written from it when a run ends; a state written by an older peal has
 * only `spend.json`, which the first line of a new ledger carries over.
 */
class PEAL_EXPORT SpendLedger
{
public:
    static QString path(const QString &stateDir);       // spend.json
    static QString ledgerPath(const QString &stateDir); // spend.jsonl

    // What the files hold, read without changing them.
    struct Contents
    {
        Spend run;
        QMap<quint32, Spend> tasks;
        QString file;             // the file read (empty: none exists)
        QString error;            // it could not be read
        bool invalid = false;     // it is not a ledger
        JsonLinesContents lines;  // spend.jsonl as read
        QByteArray carried;       // the lines a new ledger starts with (an older peal's spend.json)

        void add(quint32 task, const Spend &spent);
        QJsonObject toJson() const; // spend.json: cost_usd, tokens and "tasks" by index
    };
    static Contents read(const QString &stateDir);

    // Reads the ledger (missing: nothing spent). A file that cannot be read is an error; one
    // that is not a ledger is set aside with a warning in `warning` and counts as nothing; a
    // torn last line is cut off.
    Result<void> load(const QString &stateDir, QString *warning);
    // A call of `task` (0: no task's) ended: counted, and one line appended (best effort).
    Result<void> add(quint32 task, const AgentTotals &call);
    // spend.json: the totals as they are now.
    Result<void> writeSummary() const;

    const Spend &run() const { return m_spent.run; }
    Spend task(quint32 task) const { return m_spent.tasks.value(task); }

private:
    QString m_stateDir;
    Contents m_spent;
    JsonLinesWriter m_ledger; // spend.jsonl
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
