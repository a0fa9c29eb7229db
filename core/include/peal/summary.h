// SPDX-License-Identifier: MIT
#pragma once

#include <peal/result.h>

#include <QList>
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

    QByteArray toJson() const;
};

namespace SummaryFile {

// run_summary_path if configured, else <state_dir>/run_summary.json.
PEAL_EXPORT QString path(const Config &config);

// The target with its extension replaced by "json.tmp" (run_summary.json -> run_summary.json.tmp,
// summary -> summary.json.tmp, foo.txt -> foo.json.tmp).
PEAL_EXPORT QString tempPath(const QString &path);

// chrono's AutoSi RFC 3339 rendering: 0, 3, 6 or 9 fraction digits, "+00:00".
PEAL_EXPORT QString rfc3339(std::chrono::system_clock::time_point time);

// Best-effort write: an error is returned for the caller to warn about.
PEAL_EXPORT Result<void> write(const QString &path, const RunSummary &summary);

} // namespace SummaryFile

} // namespace Peal
