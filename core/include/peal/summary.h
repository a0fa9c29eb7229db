// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

#include <QList>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <chrono>

namespace Peal {

struct Config;

// `run_summary.json` (spec §10), written at the end of a run that exits 0 or 2.
struct PEAL_EXPORT RunSummary
{
    QList<quint32> tasksCompleted;
    QList<quint32> tasksFailed;
    QList<quint32> tasksWithRemainingFindings;
    int exitCode = 0;
    QString planPath;
    QString repoPath;
    QString completedAt; // RFC 3339, UTC, "+00:00"
    // Beyond the reference, written after its fields: what the agent calls used (calls,
    // duration, tokens, cost, turns, failure classes) for the run and per task. Empty: none.
    QJsonObject usage;
    // A graph plan: what each task waits for ("waits": {"5": [2, 4]}) and the tasks a failure
    // blocked ("blocked": {"4": 2}). Empty for a plan without `after`.
    QJsonObject graph;

    QByteArray toJson() const;
    // Strict: every field present with its type; errors name the field.
    static Result<RunSummary> fromJson(const QByteArray &json);
};

/*
 * `<state_dir>/last_run.json`: how the last run that held the state directory ended - also
 * when it failed, hit the cap or was interrupted, which run_summary.json does not record. Ours,
 * not the reference's; `peal status` reads it.
 */
struct PEAL_EXPORT LastRun
{
    QString startedAt;   // RFC 3339, UTC
    QString finishedAt;
    int exitCode = 0;
    QString outcome;     // "success", "issues", "failed", "cap_reached", "interrupted"
    QString error;       // the error line's message, empty when none
    QList<quint32> failedTasks;
    QString planPath;
    QString repoPath;
    QJsonObject usage;   // as RunSummary::usage
    QString runId;       // names the run in the history and in the records of its calls
    QList<quint32> completedTasks; // tasks whose last phase this run finished
    QJsonObject config;  // the settings the run ran with (ConfigLoader::toJson)
    QJsonObject graph;   // as RunSummary::graph

    QByteArray toJson() const;
    static Result<LastRun> fromJson(const QByteArray &json);
};

namespace LastRunFile {
PEAL_EXPORT QString path(const QString &stateDir);
PEAL_EXPORT Result<void> write(const QString &stateDir, const LastRun &run);
// No file: an empty optional.
PEAL_EXPORT Result<std::optional<LastRun>> read(const QString &stateDir);
} // namespace LastRunFile

/*
 * The history: every run that held the state directory keeps its record,
 * `<state_dir>/runs/<run id>.json` (a LastRun), written when it ends; `peal history` lists
 * them. A run id sorts by time: "20261207T045541Z-<pid>".
 */
namespace RunHistory {
PEAL_EXPORT QString directory(const QString &stateDir);
PEAL_EXPORT QString makeRunId(const QDateTime &startedUtc, qint64 pid);
PEAL_EXPORT Result<void> write(const QString &stateDir, const LastRun &run);
// Newest first; records that cannot be read are skipped and named in `unreadable`. A run that
// wrote no record - going on, or killed - is read from its journal (runs/<run id>.jsonl): its
// outcome is "running" or "killed", its exit code -1, its usage agent_calls, tokens, cost_usd.
PEAL_EXPORT QList<LastRun> read(const QString &stateDir, QStringList *unreadable = nullptr);
} // namespace RunHistory

namespace SummaryFile {

// run_summary_path if configured, else <state_dir>/run_summary.json.
PEAL_EXPORT QString path(const Config &config);

// The target with its extension replaced by "json.tmp" (run_summary.json -> run_summary.json.tmp,
// summary -> summary.json.tmp, foo.txt -> foo.json.tmp).
PEAL_EXPORT QString tempPath(const QString &path);

// chrono's AutoSi RFC 3339 rendering: 0, 3, 6 or 9 fraction digits, "+00:00".
PEAL_EXPORT QString rfc3339(std::chrono::system_clock::time_point time);

// Writes the summary (creating the parent directory); an error names the path and the reason.
PEAL_EXPORT Result<void> write(const QString &path, const RunSummary &summary);

// Whether write() can succeed as far as can be told without writing: the target is not a
// directory, and the nearest existing ancestor of its directory is a writable directory.
PEAL_EXPORT Result<void> checkWritable(const QString &path);

} // namespace SummaryFile

} // namespace Peal
