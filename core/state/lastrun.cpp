// SPDX-License-Identifier: MIT
// run_summary.json reading and last_run.json (ours): the records `peal status` reports from.
#include <peal/summary.h>

#include <peal/state.h>

#include "fileprobe.h"
#include "jsonread.h"
#include "jsonwriter.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

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

} // namespace Peal
