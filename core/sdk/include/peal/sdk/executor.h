// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/plugin.h>
#include <peal/sdk/process.h>

#include <chrono>
#include <optional>

namespace Peal {

// One process the core is about to start for a task, as an executor sees it.
struct PEAL_EXPORT ExecutorCall
{
    quint32 task = 0;     // 0: no task's (plan normalisation)
    QString phase;        // "plan", "execute", "address", "triage", "normalize", "review"
    bool reviewer = false; // a reviewer command, not an agent call
    std::chrono::milliseconds timeout{0}; // the core's timeout of the call (0: none)
    // Names this call among all that peal hands an executor: "<state>/<run>/<n>", where
    // <state> stands for this machine and state directory, <run> for this run and <n> for the
    // call. The executor attaches it to what it starts, so that cancelCommands() ends exactly
    // what one call, one run or every run of this state left behind, and nothing else.
    QString tag;
    Extensions extensions = {};
};

// One allocation for the whole run (added after ABI 9, docs/plugins.md, docs/distributed.md).
// The request: before the tasks, the core calls wrap() with an empty spec and a call of phase
// "allocation" (task 0, the run's tag) carrying the extension "allocation_width", the most
// calls that run at once. The answer: the command that makes the allocation, with the
// extension "allocation_id_pattern" (a regular expression whose first capture, in what the
// command prints, is the allocation's id) and "allocation_release" (the command, "{id}" in its
// arguments, that gives it back at the end of the run). An executor that answers without the
// pattern makes no allocation: each call stays a job of its own. Every later call of the run
// then carries the extension "allocation", the id, for wrap() to run it inside.
inline void setAllocationWidth(ExecutorCall &call, int width)
{
    call.extensions.insert(QStringLiteral("allocation_width"), width);
}
inline int allocationWidth(const ExecutorCall &call)
{
    return call.extensions.value(QStringLiteral("allocation_width")).toInt();
}
inline void setAllocationIdPattern(ProcessSpec &spec, const QString &pattern)
{
    spec.extensions.insert(QStringLiteral("allocation_id_pattern"), pattern);
}
inline QString allocationIdPattern(const ProcessSpec &spec)
{
    return spec.extensions.value(QStringLiteral("allocation_id_pattern")).toString();
}
inline void setAllocationRelease(ProcessSpec &spec, const QStringList &argv)
{
    spec.extensions.insert(QStringLiteral("allocation_release"), argv);
}
inline QStringList allocationRelease(const ProcessSpec &spec)
{
    return spec.extensions.value(QStringLiteral("allocation_release")).toStringList();
}
inline void setAllocation(ExecutorCall &call, const QString &id)
{
    call.extensions.insert(QStringLiteral("allocation"), id);
}
inline QString allocation(const ExecutorCall &call)
{
    return call.extensions.value(QStringLiteral("allocation")).toString();
}

// Whether a job tagged `jobTag` belongs to one of `tags`: it is one of them, or lies under one
// ("a/b/3" belongs to "a/b/3", "a/b" and "a", not to "a/b/33" or "a/bc").
PEAL_EXPORT bool tagBelongsTo(const QString &jobTag, const QStringList &tags);

/*
 * Executor role: where a process runs (docs/distributed.md). The core keeps everything else:
 * the limiter, the timeouts and the stall watchdog, cancellation, bounded capture, events and
 * records. An executor only turns the spec into one that runs the same command elsewhere
 * (`srun ... -- <program> <args>`), reads its own failures out of the result, and names the
 * commands that cancel what a call left behind. Every method is pure: no I/O, no state.
 * The built-in `local` executor runs everything as a child of peal.
 */
class PEAL_EXPORT ExecutorPlugin : public Plugin
{
public:
    ~ExecutorPlugin() override;
    PluginRole role() const override;

    // Whether `call` runs through this executor; false: it runs locally.
    virtual bool runs(const ExecutorCall &call) const = 0;
    // The spec that runs `spec` through the executor: same stdin, output and exit code; the
    // environment of `spec` is the launcher's and the executor passes it on.
    virtual Result<ProcessSpec> wrap(const ProcessSpec &spec, const ExecutorCall &call) const = 0;
    // A failure of the executor itself in a result of a wrapped call (no allocation, node
    // failure, time limit, preemption): one line naming the job ("slurm: job 12 cancelled due to
    // time limit"), or none when the exit code is the command's own.
    virtual std::optional<QString> failureOf(const ProcessResult &result, const ExecutorCall &call) const;
    // Ending what calls may have left running (the job of a call that was killed, timed out
    // or whose peal died): after such a call (its tag), at the end of an interrupted run (the
    // run's tag, "<state>/<run>") and before a run starts its tasks (the state's, "<state>"),
    // the core runs listCommand() (none: nothing to cancel), then the commands that
    // cancelCommands() makes of its stdout for the jobs that belong to `tags` (tagBelongsTo).
    virtual std::optional<ProcessSpec> listCommand() const;
    virtual QList<ProcessSpec> cancelCommands(const QStringList &tags, const QString &listed) const;
    // Whether workspaces must be seen from other machines (peal warns when the repository or
    // the worktree root is on a node-local file system).
    virtual bool needsSharedFileSystem() const;
};

} // namespace Peal
