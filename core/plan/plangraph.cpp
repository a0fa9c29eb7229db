// SPDX-License-Identifier: MIT
#include <peal/plangraph.h>

#include <QSet>

#include <algorithm>
#include <functional>
#include <queue>

namespace Peal::PlanGraph {

namespace {

// The plan's task indices in plan order, each once (a duplicated index runs once).
QList<quint32> uniqueIndices(const Plan &plan)
{
    QList<quint32> out;
    QSet<quint32> seen;
    for (const Task &t : plan.tasks) {
        if (!seen.contains(t.index)) {
            seen.insert(t.index);
            out.append(t.index);
        }
    }
    return out;
}

// Waits on tasks of the plan only (an unknown one is an error of validate()).
QHash<quint32, QList<quint32>> knownWaits(const Plan &plan)
{
    QHash<quint32, QList<quint32>> waits = waitsFor(plan);
    for (auto it = waits.begin(); it != waits.end(); ++it) {
        it->removeIf([&](quint32 w) { return w == it.key() || !waits.contains(w); });
    }
    return waits;
}

} // namespace

bool isGraph(const Plan &plan)
{
    return std::any_of(plan.tasks.cbegin(), plan.tasks.cend(), [](const Task &t) { return t.hasAfter; });
}

QHash<quint32, QList<quint32>> waitsFor(const Plan &plan)
{
    QHash<quint32, QList<quint32>> waits;
    const bool graph = isGraph(plan);
    QList<quint32> before; // the tasks of the segment before
    for (const Segment &segment : plan.segments) {
        for (quint32 index : segment.indices) {
            if (waits.contains(index))
                continue; // a duplicate: the first one's
            const Task *task = plan.taskByIndex(index);
            waits.insert(index, !graph ? QList<quint32>() : task && task->hasAfter ? task->after : before);
        }
        before = segment.indices;
    }
    return waits;
}

QList<PlanNotice> validate(const Plan &plan, const QHash<quint32, int> &lines)
{
    QList<PlanNotice> errors;
    const QHash<quint32, QList<quint32>> waits = waitsFor(plan);
    const QList<quint32> indices = uniqueIndices(plan);
    for (quint32 index : indices) {
        const Task *task = plan.taskByIndex(index);
        if (!task || !task->hasAfter)
            continue;
        for (quint32 w : task->after) {
            if (w == index)
                errors.append({lines.value(index), QStringLiteral("task %1 waits for itself (remove %1 from its after list)").arg(index)});
            else if (!waits.contains(w))
                errors.append({lines.value(index), QStringLiteral("task %1 waits for task %2, which is not in the plan").arg(index).arg(w)});
        }
    }
    // A cycle: a depth-first walk that meets a task still on its path.
    const QHash<quint32, QList<quint32>> known = knownWaits(plan);
    QHash<quint32, int> state; // 0 new, 1 on the path, 2 done
    QList<quint32> path;
    std::function<bool(quint32)> walk = [&](quint32 t) {
        state[t] = 1;
        path.append(t);
        for (quint32 w : known.value(t)) {
            if (state.value(w) == 1) {
                QList<quint32> cycle = path.mid(path.indexOf(w));
                QStringList shown;
                for (quint32 c : cycle)
                    shown << QString::number(c);
                shown << QString::number(w);
                // Said in the order of waiting: each waits for the one after it.
                errors.append({lines.value(w), QStringLiteral("tasks %1 wait for each other (a cycle): no task of it can start")
                                                   .arg(shown.join(QStringLiteral(" -> ")))});
                return true;
            }
            if (state.value(w) == 0 && walk(w))
                return true;
        }
        state[t] = 2;
        path.removeLast();
        return false;
    };
    for (quint32 index : indices) {
        if (state.value(index) == 0 && walk(index))
            break; // one cycle is enough to say
    }
    return errors;
}

QList<quint32> order(const Plan &plan)
{
    return order(uniqueIndices(plan), knownWaits(plan));
}

QList<quint32> order(const QList<quint32> &indices, const QHash<quint32, QList<quint32>> &waits)
{
    QHash<quint32, int> position;
    for (qsizetype i = 0; i < indices.size(); ++i)
        position.insert(indices[i], int(i));
    QHash<quint32, int> missing;
    QHash<quint32, QList<quint32>> waitedBy;
    for (quint32 t : indices) {
        int count = 0;
        for (quint32 w : waits.value(t)) {
            if (w != t && position.contains(w)) {
                ++count;
                waitedBy[w].append(t);
            }
        }
        missing.insert(t, count);
    }
    // The ready task earliest in the plan goes first.
    std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
    for (quint32 t : indices) {
        if (missing.value(t) == 0)
            ready.push(position.value(t));
    }
    QList<quint32> out;
    while (!ready.empty()) {
        const quint32 t = indices[ready.top()];
        ready.pop();
        out.append(t);
        for (quint32 d : waitedBy.value(t)) {
            if (--missing[d] == 0)
                ready.push(position.value(d));
        }
    }
    return out; // shorter than `tasks` when there is a cycle
}

QList<QList<quint32>> waves(const Plan &plan)
{
    return waves(uniqueIndices(plan), knownWaits(plan));
}

QList<QList<quint32>> waves(const QList<quint32> &indices, const QHash<quint32, QList<quint32>> &waits)
{
    QHash<quint32, int> level;
    QList<QList<quint32>> out;
    for (quint32 t : order(indices, waits)) {
        int l = 0;
        for (quint32 w : waits.value(t)) {
            if (level.contains(w)) // a wait outside `tasks` is met
                l = std::max(l, level.value(w) + 1);
        }
        level.insert(t, l);
        if (out.size() <= l)
            out.resize(l + 1);
        out[l].append(t);
    }
    // Each wave in plan order (order() gives a wave's tasks in the order they became ready).
    QHash<quint32, qsizetype> position;
    for (qsizetype i = 0; i < indices.size(); ++i)
        position.insert(indices[i], i);
    for (QList<quint32> &wave : out)
        std::sort(wave.begin(), wave.end(), [&](quint32 a, quint32 b) { return position.value(a) < position.value(b); });
    return out;
}

QList<quint32> criticalPath(const Plan &plan)
{
    return criticalPath(uniqueIndices(plan), knownWaits(plan));
}

QList<quint32> criticalPath(const QList<quint32> &indices, const QHash<quint32, QList<quint32>> &waits)
{
    QHash<quint32, int> length;
    QHash<quint32, quint32> previous;
    quint32 last = 0;
    int longest = 0;
    for (quint32 t : order(indices, waits)) {
        int l = 1;
        for (quint32 w : waits.value(t)) {
            if (length.contains(w) && length.value(w) + 1 > l) {
                l = length.value(w) + 1;
                previous.insert(t, w);
            }
        }
        length.insert(t, l);
        if (l > longest) {
            longest = l;
            last = t;
        }
    }
    QList<quint32> path;
    if (longest == 0)
        return path;
    for (quint32 t = last;;) {
        path.prepend(t);
        if (!previous.contains(t))
            break;
        t = previous.value(t);
    }
    return path;
}

QList<quint32> dependents(const Plan &plan, quint32 task)
{
    const QHash<quint32, QList<quint32>> waits = knownWaits(plan);
    QList<quint32> out;
    QList<quint32> frontier{task};
    while (!frontier.isEmpty()) {
        const quint32 t = frontier.takeFirst();
        for (auto it = waits.cbegin(); it != waits.cend(); ++it) {
            if (it->contains(t) && !out.contains(it.key()) && it.key() != task) {
                out.append(it.key());
                frontier.append(it.key());
            }
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace Peal::PlanGraph
