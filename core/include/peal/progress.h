// SPDX-License-Identifier: MIT
#pragma once

#include <peal/pealcore_export.h>

#include <QString>

namespace Peal {

/*
 * What a run is doing, for live displays (Engine::progress). Events arrive on the event loop in
 * the order things happen; in a parallel block the phases of several tasks interleave.
 */
struct PEAL_EXPORT ProgressEvent
{
    enum class Kind {
        RunStarted,   // the scheduler starts; taskCount is the number of tasks in this run
        PhaseStarted, // a task starts a phase ("plan", "execute", "address", a plugin's id)
        TaskFinished, // a task ended its phases (`final`) or the concurrent part of a block
        RunFinished,  // the scheduler is done
    };

    Kind kind = Kind::RunStarted;
    quint32 task = 0;
    QString phase;
    int position = 0;   // 1-based place of the task in this run
    int taskCount = 0;
    bool ok = true;     // TaskFinished: whether the task (or its part) succeeded
    bool final = true;  // TaskFinished: false after the concurrent part of a parallel block
    QString detail;     // TaskFinished with !ok: the error
};

} // namespace Peal
