// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>

#include <QDateTime>
#include <QList>
#include <QString>

namespace Peal {

/*
 * The records of a task's agent calls as files: `<state_dir>/tasks/<N>/<mode>-<attempt>.jsonl`,
 * one per call, a "call" line first (with when it started), then its events, then an "end"
 * line. `peal logs` and the dashboard read them; the engine writes them (transcript.h).
 */
namespace CallRecordFiles {

struct PEAL_EXPORT File
{
    QString path; // the .jsonl
    QString mode; // plan, execute, address, triage, normalize
    int attempt = 0;
    QDateTime started;
};

// `<state_dir>/tasks`.
PEAL_EXPORT QString tasksDirectory(const QString &stateDir);
// The tasks that have records, in order.
PEAL_EXPORT QList<quint32> tasks(const QString &stateDir);
// A task's records (only those of `mode` when it is not empty), in the order the calls started.
PEAL_EXPORT QList<File> ofTask(const QString &stateDir, quint32 task, const QString &mode = {});

// `peal reset` and `peal run --redo`: the task starts over, so no call an earlier run left
// unfinished is continued (resume_sessions); a marker in its directory until its next call.
inline const QString kFreshMarker = QStringLiteral("fresh");
PEAL_EXPORT void startFresh(const QString &stateDir, quint32 task);
PEAL_EXPORT bool startsFresh(const QString &stateDir, quint32 task);

} // namespace CallRecordFiles

} // namespace Peal
