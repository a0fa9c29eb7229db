// SPDX-License-Identifier: MIT
#include "slurmexecutor.h"

#include <peal/sdk/options.h>

#include <QJsonArray>
#include <QRegularExpression>

#include <cmath>

namespace Peal::Slurm {

namespace {

constexpr QLatin1String kCommentPrefix("peal:");

Error optionError(const QString &key, const QString &expected)
{
    return Error(Error::Kind::Config, QStringLiteral("%1 must be %2").arg(key, expected));
}

} // namespace

Result<SlurmOptions> readOptions(const QJsonObject &t)
{
    static const QStringList known{QStringLiteral("srun"),       QStringLiteral("scancel"),       QStringLiteral("squeue"),
                                   QStringLiteral("job_name_prefix"),
                                   QStringLiteral("partition"),  QStringLiteral("account"),       QStringLiteral("qos"),
                                   QStringLiteral("cpus_per_task"), QStringLiteral("mem"),        QStringLiteral("time_limit_min"),
                                   QStringLiteral("extra_args"), QStringLiteral("export"),        QStringLiteral("reviewer"),
                                   QStringLiteral("allocation"), QStringLiteral("salloc"),
                                   QStringLiteral("allocation_time_limit_min"), QStringLiteral("allocation_extra_args")};
    if (auto keys = onlyKnownKeys(t, known); !keys)
        return keys.error();
    SlurmOptions o;
    const auto text = [&](const char *key, auto assign) -> std::optional<Error> {
        const QJsonValue v = t.value(QLatin1String(key));
        if (v.isUndefined())
            return std::nullopt;
        if (!v.isString() || v.toString().trimmed().isEmpty())
            return optionError(QLatin1String(key), QStringLiteral("a non-empty string"));
        assign(v.toString().trimmed());
        return std::nullopt;
    };
    const auto count = [&](const char *key, std::optional<qint64> &target) -> std::optional<Error> {
        const QJsonValue v = t.value(QLatin1String(key));
        if (v.isUndefined())
            return std::nullopt;
        if (!v.isDouble() || v.toDouble() < 1 || v.toDouble() != std::floor(v.toDouble()) || v.toDouble() > 1e9)
            return optionError(QLatin1String(key), QStringLiteral("a whole number of at least 1"));
        target = v.toInteger();
        return std::nullopt;
    };
    const auto list = [&](const char *key, QStringList &target) -> std::optional<Error> {
        const QJsonValue v = t.value(QLatin1String(key));
        if (v.isUndefined())
            return std::nullopt;
        if (!v.isArray())
            return optionError(QLatin1String(key), QStringLiteral("an array of strings"));
        for (const QJsonValue &item : v.toArray()) {
            if (!item.isString())
                return optionError(QLatin1String(key), QStringLiteral("an array of strings"));
            target.append(item.toString());
        }
        return std::nullopt;
    };
    for (auto error : {text("srun", [&](const QString &s) { o.srun = s; }),
                       text("scancel", [&](const QString &s) { o.scancel = s; }),
                       text("squeue", [&](const QString &s) { o.squeue = s; }),
                       text("job_name_prefix", [&](const QString &s) { o.jobNamePrefix = s; }),
                       text("partition", [&](const QString &s) { o.partition = s; }),
                       text("account", [&](const QString &s) { o.account = s; }),
                       text("qos", [&](const QString &s) { o.qos = s; }),
                       text("mem", [&](const QString &s) { o.mem = s; }),
                       text("allocation", [&](const QString &s) { o.allocation = s; }),
                       text("salloc", [&](const QString &s) { o.salloc = s; }),
                       count("cpus_per_task", o.cpusPerTask), count("time_limit_min", o.timeLimitMin),
                       count("allocation_time_limit_min", o.allocationTimeLimitMin),
                       list("extra_args", o.extraArgs), list("export", o.exportNames),
                       list("allocation_extra_args", o.allocationExtraArgs)}) {
        if (error)
            return *error;
    }
    // A job name squeue prints as one word, that scancel --name and sacct take as it is.
    static const QRegularExpression prefix(QStringLiteral("^[A-Za-z0-9_.-]+$"));
    if (!prefix.match(o.jobNamePrefix).hasMatch())
        return optionError(QStringLiteral("job_name_prefix"),
                           QStringLiteral("letters, digits, '_', '.' and '-', not '%1'").arg(o.jobNamePrefix));
    static const QRegularExpression name(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    for (const QString &n : std::as_const(o.exportNames)) {
        if (!name.match(n).hasMatch())
            return optionError(QStringLiteral("export"), QStringLiteral("a list of variable names, not '%1'").arg(n));
    }
    if (o.allocation != u"call" && o.allocation != u"run")
        return optionError(QStringLiteral("allocation"), QStringLiteral("\"call\" or \"run\", not \"%1\"").arg(o.allocation));
    const QJsonValue reviewer = t.value(u"reviewer");
    if (!reviewer.isUndefined() && !reviewer.isBool())
        return optionError(QStringLiteral("reviewer"), QStringLiteral("true or false"));
    o.reviewer = reviewer.toBool(false);
    return o;
}

QString jobName(const SlurmOptions &options, const ExecutorCall &call)
{
    if (call.reviewer)
        return options.jobNamePrefix + QStringLiteral("-review");
    return QStringLiteral("%1-%2-%3").arg(options.jobNamePrefix).arg(call.task).arg(call.phase);
}

QStringList exportedNames(const SlurmOptions &options, const ProcessSpec &spec)
{
    QStringList names{QStringLiteral("PATH"), QStringLiteral("HOME"), QStringLiteral("USER"), QStringLiteral("LOGNAME"),
                      QStringLiteral("LANG"), QStringLiteral("LC_ALL"), QStringLiteral("TERM"), QStringLiteral("TMPDIR")};
    QStringList own = spec.environment.keys();
    own.sort();
    for (const QString &n : own + options.exportNames) {
        if (!names.contains(n))
            names.append(n);
    }
    return names;
}

ProcessSpec allocationCommand(const SlurmOptions &options, const ExecutorCall &call)
{
    ProcessSpec spec;
    spec.program = options.salloc;
    spec.arguments = {QStringLiteral("--no-shell"), QStringLiteral("--job-name=") + options.jobNamePrefix + QStringLiteral("-run"),
                      QStringLiteral("--ntasks=%1").arg(std::max(1, allocationWidth(call)))};
    if (!call.tag.isEmpty())
        spec.arguments << QStringLiteral("--comment=") + kCommentPrefix + call.tag;
    if (options.partition)
        spec.arguments << QStringLiteral("--partition=") + *options.partition;
    if (options.account)
        spec.arguments << QStringLiteral("--account=") + *options.account;
    if (options.qos)
        spec.arguments << QStringLiteral("--qos=") + *options.qos;
    if (options.cpusPerTask)
        spec.arguments << QStringLiteral("--cpus-per-task=%1").arg(*options.cpusPerTask);
    if (options.allocationTimeLimitMin)
        spec.arguments << QStringLiteral("--time=%1").arg(*options.allocationTimeLimitMin);
    spec.arguments << options.allocationExtraArgs;
    spec.stdinMode = ProcessSpec::Stdin::Null;
    spec.label = QStringLiteral("salloc");
    setAllocationIdPattern(spec, QStringLiteral(R"(Granted job allocation (\d+))"));
    setAllocationRelease(spec, {options.scancel, QStringLiteral("{id}")});
    return spec;
}

ProcessSpec wrap(const SlurmOptions &options, const ProcessSpec &spec, const ExecutorCall &call)
{
    ProcessSpec out = spec;
    out.program = options.srun;
    QStringList args{QStringLiteral("--job-name=") + jobName(options, call), QStringLiteral("--ntasks=1"),
                     QStringLiteral("--quiet")};
    // A step of the run's allocation: the job's comment, partition, account and QoS are its.
    const QString within = allocation(call);
    if (!within.isEmpty())
        args << QStringLiteral("--jobid=") + within;
    else if (!call.tag.isEmpty())
        args << QStringLiteral("--comment=") + kCommentPrefix + call.tag;
    if (!spec.workingDirectory.isEmpty())
        args << QStringLiteral("--chdir=") + spec.workingDirectory;
    if (within.isEmpty()) {
        if (options.partition)
            args << QStringLiteral("--partition=") + *options.partition;
        if (options.account)
            args << QStringLiteral("--account=") + *options.account;
        if (options.qos)
            args << QStringLiteral("--qos=") + *options.qos;
    }
    if (options.cpusPerTask)
        args << QStringLiteral("--cpus-per-task=%1").arg(*options.cpusPerTask);
    if (options.mem)
        args << QStringLiteral("--mem=") + *options.mem;
    // Slurm's limit a minute past peal's own, so that peal's timeout (and its message) comes first.
    qint64 minutes = options.timeLimitMin.value_or(0);
    if (!options.timeLimitMin && call.timeout.count() > 0)
        minutes = (call.timeout.count() + 59999) / 60000 + 1;
    if (minutes > 0)
        args << QStringLiteral("--time=%1").arg(minutes);
    // Variables by name: their values come from srun's environment (the spec's, as launched).
    args << QStringLiteral("--export=") + exportedNames(options, spec).join(u',');
    args << options.extraArgs;
    args << QStringLiteral("--") << spec.program << spec.arguments;
    out.arguments = args;
    // srun forwards its stdin to the job: an inherited terminal would stop it (SIGTTIN, srun
    // runs in a process group of its own), an inherited pipe would be read away.
    if (out.stdinMode == ProcessSpec::Stdin::Inherit)
        out.stdinMode = ProcessSpec::Stdin::Null;
    out.label = spec.label.isEmpty() ? jobName(options, call) : spec.label + QStringLiteral(" (slurm)");
    return out;
}

QStringList jobsTagged(const QString &listed, const QStringList &tags)
{
    QStringList ids;
    for (const QString &line : listed.split(u'\n', Qt::SkipEmptyParts)) {
        const QStringList fields = line.trimmed().split(u' ', Qt::SkipEmptyParts);
        bool numeric = false;
        (void)fields.value(0).toULongLong(&numeric);
        const QString comment = fields.value(1);
        if (fields.size() == 2 && numeric && comment.startsWith(kCommentPrefix)
            && tagBelongsTo(comment.mid(kCommentPrefix.size()), tags) && !ids.contains(fields.value(0)))
            ids.append(fields.value(0));
    }
    return ids;
}

std::optional<QString> failureIn(const QString &stderrText)
{
    static const QRegularExpression cancelled(
        QStringLiteral(R"(\*\*\* (?:STEP|JOB) (\d+)(?:\.\d+)? ON (\S+) CANCELLED AT \S+ DUE TO ([A-Z ]+?) \*\*\*)"));
    if (const auto m = cancelled.match(stderrText); m.hasMatch())
        return QStringLiteral("slurm: job %1 on %2 cancelled due to %3").arg(m.captured(1), m.captured(2), m.captured(3).toLower());
    static const QRegularExpression allocation(QStringLiteral(R"((?:srun|salloc): error: (?:Unable to allocate resources|Job submit/allocate failed): ([^\n]+))"));
    if (const auto m = allocation.match(stderrText); m.hasMatch())
        return QStringLiteral("slurm: no allocation (%1)").arg(m.captured(1).trimmed());
    static const QRegularExpression node(QStringLiteral(R"(srun: error: (?:Node failure on (\S+)|.*node failure[^\n]*))"),
                                         QRegularExpression::CaseInsensitiveOption);
    if (const auto m = node.match(stderrText); m.hasMatch())
        return QStringLiteral("slurm: node failure%1").arg(m.captured(1).isEmpty() ? QString() : QStringLiteral(" on ") + m.captured(1));
    // srun could not reach or configure the cluster at all.
    static const QRegularExpression fatal(QStringLiteral(R"((?:^|\n)srun: fatal: ([^\n]+))"));
    if (const auto m = fatal.match(stderrText); m.hasMatch())
        return QStringLiteral("slurm: %1").arg(m.captured(1).trimmed());
    static const QRegularExpression other(QStringLiteral(R"(srun: (?:error: )?(?:Job step aborted|Force Terminated|Unable to create step)[^\n]*)"));
    if (const auto m = other.match(stderrText); m.hasMatch())
        return QStringLiteral("slurm: %1").arg(m.captured(0).mid(6).trimmed());
    return std::nullopt;
}

std::optional<QString> failureOf(const SlurmOptions &options, const ProcessResult &result)
{
    if (result.ending == ProcessEnding::FailedToStart)
        return QStringLiteral("slurm: %1 could not start: %2").arg(options.srun, result.errorString);
    if (result.ending == ProcessEnding::Cancelled || result.ending == ProcessEnding::TimedOut || result.success())
        return std::nullopt;
    return failureIn(result.stderrText);
}

} // namespace Peal::Slurm
