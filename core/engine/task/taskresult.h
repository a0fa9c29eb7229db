// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/phase.h>

#include <QList>
#include <QMap>

#include <functional>
#include <memory>

namespace Peal::Internal {

// What one task produced in this run (spec §4.4).
struct TaskResult
{
    quint32 index = 0;
    QString planText;
    QString executeOutput;
    std::optional<ReviewReport> review; // what a review-loop phase reported
};

// What the scheduler produced (spec §4.4).
struct RunOutcome
{
    QList<TaskResult> results;          // in execution order
    QList<quint32> failedTaskIndices;   // only with continue_with_remaining_tasks
    QMap<quint32, quint32> blockedTasks; // a graph plan: task -> the failed task it waited for
};

// One step of the per-task pipeline.
struct PhaseDef
{
    QString name;                                        // "plan", "execute", "address", ...
    std::function<std::unique_ptr<PhaseRun>()> create;   // a fresh run per task
    bool concurrent = false; // part of the concurrent stream of a parallel block
    QJsonObject options;     // the phase's table from the config file
    std::shared_ptr<PhasePlugin> plugin; // for plugin phases: asked to describe itself
};
using Pipeline = QList<PhaseDef>;

// How many leading phases form the concurrent stream of a parallel block.
inline qsizetype concurrentPhaseCount(const Pipeline &pipeline)
{
    for (qsizetype i = 0; i < pipeline.size(); ++i) {
        if (!pipeline[i].concurrent)
            return i;
    }
    return pipeline.size();
}

} // namespace Peal::Internal
