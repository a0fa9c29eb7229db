// SPDX-License-Identifier: MIT
// run_summary.json reading and last_run.json (ours): the records `peal status` reports from.
#include <peal/summary.h>
#include <peal/journal.h>

#include <peal/state.h>

#include "fileprobe.h"
#include "jsonread.h"
#include "jsonwriter.h"

#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QSaveFile>

#include <algorithm>

namespace Peal {

using namespace Internal;

namespace {

Result<int> requiredInt(const QJsonObject &object, QStringView field)
{
    const QJsonValue value = object.value(field);
    if (!value.isDouble() || value.toDouble() != double(value.toInteger())
        || value.toInteger() < -1000000 || value.toInteger() > 1000000)
        return JsonRead::typeError(field, u"an integer");
    return int(value.toInteger());
}

} // namespace

Result<RunSummary> RunSummary::fromJson(const QByteArray &json)
{
    auto object = JsonRead::parseObject(json);
    if (!object)
        return object.error();
    RunSummary s;
    for (auto [field, target] : {std::pair{u"tasks_completed", &s.tasksCompleted},
                                 std::pair{u"tasks_failed", &s.tasksFailed},
                                 std::pair{u"tasks_with_remaining_findings", &s.tasksWithRemainingFindings}}) {
        auto list = JsonRead::requiredU32Array(*object, field);
        if (!list)
            return list.error();
        *target = *list;
    }
    auto code = requiredInt(*object, u"exit_code");
    if (!code)
        return code.error();
    s.exitCode = *code;
    for (auto [field, target] : {std::pair{u"plan_path", &s.planPath}, std::pair{u"repo_path", &s.repoPath},
                                 std::pair{u"completed_at", &s.completedAt}}) {
        auto text = JsonRead::requiredString(*object, field);
        if (!text)
            return text.error();
        *target = *text;
    }
    s.usage = object->value(u"usage").toObject();
    return s;
}

QByteArray LastRun::toJson() const
{
    JsonWriter w;
    w.beginObject();
    w.key(u"started_at");
    w.value(startedAt);
    w.key(u"finished_at");
    w.value(finishedAt);
    w.key(u"exit_code");
    w.value(qint64(exitCode));
    w.key(u"outcome");
    w.value(outcome);
    w.key(u"error");
    w.value(error);
    w.indices(u"failed_tasks", failedTasks);
    w.key(u"plan_path");
    w.value(planPath);
    w.key(u"repo_path");
    w.value(repoPath);
    if (!usage.isEmpty()) {
        w.key(u"usage");
        w.json(usage);
    }
    if (!runId.isEmpty()) {
        w.key(u"run_id");
        w.value(runId);
        w.indices(u"completed_tasks", completedTasks);
    }
    if (!config.isEmpty()) {
        w.key(u"config");
        w.json(config);
    }
    if (!graph.isEmpty()) {
        w.key(u"graph");
        w.json(graph);
    }
    w.endObject();
    return w.take();
}

Result<LastRun> LastRun::fromJson(const QByteArray &json)
{
    auto object = JsonRead::parseObject(json);
    if (!object)
        return object.error();
    LastRun r;
    for (auto [field, target] : {std::pair{u"started_at", &r.startedAt}, std::pair{u"finished_at", &r.finishedAt},
                                 std::pair{u"outcome", &r.outcome}, std::pair{u"error", &r.error},
                                 std::pair{u"plan_path", &r.planPath}, std::pair{u"repo_path", &r.repoPath}}) {
        auto text = JsonRead::requiredString(*object, field);
        if (!text)
            return text.error();
        *target = *text;
    }
    auto code = requiredInt(*object, u"exit_code");
    if (!code)
        return code.error();
    r.exitCode = *code;
    auto failed = JsonRead::requiredU32Array(*object, u"failed_tasks");
    if (!failed)
        return failed.error();
    r.failedTasks = *failed;
    r.usage = object->value(u"usage").toObject();
    // Fields a run of an earlier peal did not write.
    r.runId = object->value(u"run_id").toString();
    if (object->contains(u"completed_tasks")) {
        auto completed = JsonRead::requiredU32Array(*object, u"completed_tasks");
        if (!completed)
            return completed.error();
        r.completedTasks = *completed;
    }
    r.config = object->value(u"config").toObject();
    r.graph = object->value(u"graph").toObject();
    return r;
}

namespace LastRunFile {

QString path(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("last_run.json"));
}

Result<void> write(const QString &stateDir, const LastRun &run)
{
    QSaveFile file(path(stateDir));
    if (!file.open(QIODevice::WriteOnly) || file.write(run.toJson()) < 0 || !file.commit())
        return Error(Error::Kind::Io, QStringLiteral("failed to write %1").arg(path(stateDir)),
                     file.errorString());
    return {};
}

Result<std::optional<LastRun>> read(const QString &stateDir)
{
    QFile file(path(stateDir));
    auto exists = fileExists(file.fileName());
    if (!exists)
        return Error(Error::Kind::Io, QStringLiteral("failed to read %1").arg(file.fileName()),
                     exists.error().message());
    if (!*exists)
        return std::optional<LastRun>();
    if (!file.open(QIODevice::ReadOnly))
        return Error(Error::Kind::Io, QStringLiteral("failed to read %1").arg(file.fileName()), file.errorString());
    auto run = LastRun::fromJson(file.read(1 << 20));
    if (!run)
        return Error(Error::Kind::State, QStringLiteral("invalid %1").arg(file.fileName()), run.error().message());
    return std::optional<LastRun>(*run);
}

} // namespace LastRunFile

namespace RunHistory {

QString directory(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("runs"));
}

QString makeRunId(const QDateTime &startedUtc, qint64 pid)
{
    return startedUtc.toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'")) + u'-' + QString::number(pid);
}

Result<void> write(const QString &stateDir, const LastRun &run)
{
    const QString dir = directory(stateDir);
    if (!QDir().mkpath(dir))
        return Error(Error::Kind::Io, QStringLiteral("failed to create %1").arg(dir));
    const QString path = dir + u'/' + run.runId + QStringLiteral(".json");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(run.toJson()) < 0 || !file.commit())
        return Error(Error::Kind::Io, QStringLiteral("failed to write %1").arg(path), file.errorString());
    // The settings may name commands with tokens in them: the user's alone.
    (void)QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return {};
}

// A run that wrote no record (it is going on, or was killed) as its journal tells it.
std::optional<LastRun> fromJournal(const QString &stateDir, const QFileInfo &journal)
{
    auto events = RunJournal::read(journal.filePath());
    if (!events || events->isEmpty())
        return std::nullopt;
    LastRun run;
    run.runId = journal.completeBaseName();
    run.startedAt = events->first().value(u"time").toString();
    run.finishedAt = events->last().value(u"time").toString();
    const std::optional<qint64> holder = StateLock::activeHolder(stateDir);
    run.outcome = holder && QString::number(*holder) == run.runId.section(u'-', -1) ? QStringLiteral("running")
                                                                                   : QStringLiteral("killed");
    run.exitCode = -1;
    qint64 calls = 0, tokens = 0;
    std::optional<double> cost;
    for (const QJsonObject &e : std::as_const(*events)) {
        const QString kind = e.value(u"kind").toString();
        const quint32 task = quint32(e.value(u"task").toInteger());
        if (kind == u"agent_call_ended") {
            ++calls;
            tokens += e.value(u"tokens").toInteger();
            if (e.contains(u"cost_usd"))
                cost = cost.value_or(0.0) + e.value(u"cost_usd").toDouble();
        } else if (kind == u"task_finished" && e.value(u"final").toBool(true) && !e.value(u"interrupted").toBool()) {
            (e.value(u"ok").toBool() ? run.completedTasks : run.failedTasks).append(task);
        } else if (kind == u"run_ended") {
            // The journal's end without a record: the record could not be written.
            run.exitCode = e.value(u"exit_code").toInt();
            run.outcome = QStringLiteral("ended");
        }
    }
    run.usage = QJsonObject{{QStringLiteral("agent_calls"), calls}, {QStringLiteral("tokens"), tokens}};
    if (cost)
        run.usage.insert(QStringLiteral("cost_usd"), *cost);
    run.error = run.outcome == u"killed" ? QStringLiteral("the run wrote no record: it was killed, or its machine stopped")
                                         : QString();
    return run;
}

QList<LastRun> read(const QString &stateDir, QStringList *unreadable)
{
    QList<LastRun> runs;
    const QDir dir(directory(stateDir));
    // Runs without a record are read from their journals.
    for (const QFileInfo &info : dir.entryInfoList({QStringLiteral("*.jsonl")}, QDir::Files)) {
        if (QFileInfo::exists(dir.filePath(info.completeBaseName() + QStringLiteral(".json"))))
            continue;
        if (auto run = fromJournal(stateDir, info))
            runs.append(*run);
    }
    for (const QFileInfo &info : dir.entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name | QDir::Reversed)) {
        QFile file(info.filePath());
        auto run = file.open(QIODevice::ReadOnly) ? LastRun::fromJson(file.read(4 << 20))
                                                  : Result<LastRun>(Error(Error::Kind::Io, file.errorString()));
        if (run)
            runs.append(*run);
        else if (unreadable)
            unreadable->append(info.filePath());
    }
    // By start, newest first (names sort so too; the field decides when one was renamed).
    std::stable_sort(runs.begin(), runs.end(), [](const LastRun &a, const LastRun &b) { return a.startedAt > b.startedAt; });
    return runs;
}

} // namespace RunHistory

} // namespace Peal
