// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/executor.h>

#include <QJsonObject>

// The Slurm executor's pure parts (docs/distributed.md): its options, the srun command line of
// a call, and Slurm's own failures in a call's output.
namespace Peal::Slurm {

struct SlurmOptions
{
    QString srun = QStringLiteral("srun");
    QString scancel = QStringLiteral("scancel");
    QString squeue = QStringLiteral("squeue");
    QString jobNamePrefix = QStringLiteral("peal");
    std::optional<QString> partition;
    std::optional<QString> account;
    std::optional<QString> qos;
    std::optional<qint64> cpusPerTask;
    std::optional<QString> mem;           // srun --mem: "4G", "500M"
    std::optional<qint64> timeLimitMin;   // unset: from the phase timeout
    QStringList extraArgs;                // more srun arguments, before the command
    QStringList exportNames;              // variables passed on besides the call's own
    bool reviewer = false;                // reviewer commands run as job steps too
    // allocation = "run": one allocation (salloc) as wide as max_parallel for the whole run,
    // every call a step of it; "call" (default): every call a job of its own.
    QString allocation = QStringLiteral("call");
    QString salloc = QStringLiteral("salloc");
    std::optional<qint64> allocationTimeLimitMin; // unset: the partition's default
    QStringList allocationExtraArgs;              // more salloc arguments
};

// [plugins.slurm], checked: an unknown key or a wrong type is an error naming the key.
Result<SlurmOptions> readOptions(const QJsonObject &table);

// The job name of a call: "<prefix>-<task>-<phase>" ("peal-3-plan"); "<prefix>-review" for
// the reviewer's commands.
QString jobName(const SlurmOptions &options, const ExecutorCall &call);

// The variables a job step gets (srun --export): the usual ones of a login, the call's own
// and `exportNames`, by name only, so that values never reach a command line.
QStringList exportedNames(const SlurmOptions &options, const ProcessSpec &spec);

// srun [options] -- <program> <args...>, for `spec` and `call`. The job carries the call's
// tag as its comment ("peal:<tag>"), which is how its cancel finds it and nothing else.
ProcessSpec wrap(const SlurmOptions &options, const ProcessSpec &spec, const ExecutorCall &call);

// allocation = "run": `salloc --no-shell` for the run (its tag as the job's comment, `width`
// tasks), with the pattern of the id it prints and the `scancel {id}` that gives it back.
ProcessSpec allocationCommand(const SlurmOptions &options, const ExecutorCall &call);

// The ids of the jobs in `listed` (squeue --format="%i %k" lines: id and comment) that belong
// to `tags` (tagBelongsTo).
QStringList jobsTagged(const QString &listed, const QStringList &tags);

// Slurm's own failure in what srun printed: "slurm: job 12 cancelled due to time limit",
// "slurm: no allocation (Invalid partition name specified)", ... or none.
std::optional<QString> failureIn(const QString &stderrText);

// Slurm's own failure in the result of a call through srun: srun that could not start, or
// failureIn() of a call that failed by itself. None for a call that succeeded, whatever its
// stderr says (an agent may run srun itself), and for one that peal ended (cancel, timeout,
// stall watchdog: those are the classes).
std::optional<QString> failureOf(const SlurmOptions &options, const ProcessResult &result);

} // namespace Peal::Slurm
