// SPDX-License-Identifier: MIT
#pragma once

#include <peal/plan.h>

#include <QHash>

/*
 * Graph plans (beyond the reference): `## Task 5 (after 2, 4)` names the tasks a task waits
 * for. In a plan that uses `after` anywhere, a task without it waits for the segment before it
 * (the task before it, or every task of the parallel block before it), so unannotated parts read
 * as they always did. A plan without `after` is not a graph and runs by its segments.
 */
namespace Peal::PlanGraph {

PEAL_EXPORT bool isGraph(const Plan &plan);

// What each task waits for; empty lists for a plan that is not a graph.
PEAL_EXPORT QHash<quint32, QList<quint32>> waitsFor(const Plan &plan);

// The errors of a graph plan, each naming the heading's line (`lines`: the first line of each
// task's heading): `after` an unknown task, a task waiting for itself, a cycle
// ("tasks 3 -> 5 -> 3").
PEAL_EXPORT QList<PlanNotice> validate(const Plan &plan, const QHash<quint32, int> &lines);

// The tasks in an order that runs every task after those it waits for, keeping plan order
// where it can (parallel = false).
PEAL_EXPORT QList<quint32> order(const Plan &plan);
// The same for `tasks` (in plan order) and `waits`; a wait on a task not in `tasks` is met.
PEAL_EXPORT QList<quint32> order(const QList<quint32> &tasks, const QHash<quint32, QList<quint32>> &waits);

// The waves a graph runs in when every ready task starts at once: wave k holds the tasks whose
// longest chain of waits has k links.
PEAL_EXPORT QList<QList<quint32>> waves(const Plan &plan);
PEAL_EXPORT QList<QList<quint32>> waves(const QList<quint32> &tasks, const QHash<quint32, QList<quint32>> &waits);

// The longest chain of waits (by number of tasks), first task first: the critical path when
// tasks take the same time.
PEAL_EXPORT QList<quint32> criticalPath(const Plan &plan);
PEAL_EXPORT QList<quint32> criticalPath(const QList<quint32> &tasks, const QHash<quint32, QList<quint32>> &waits);

// The tasks that wait, directly or not, for `task`.
PEAL_EXPORT QList<quint32> dependents(const Plan &plan, quint32 task);

} // namespace Peal::PlanGraph
