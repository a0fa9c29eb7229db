// SPDX-License-Identifier: MIT
#include <peal/taskledger.h>

#include <peal/state.h>

#include "jsonlines.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace Peal {

using namespace Internal;

namespace {

QJsonObject toJson(quint32 task, const TaskLedger::Entry &e)
{
    QJsonObject o{{QStringLiteral("task"), qint64(task)},
                  {QStringLiteral("phases"), QJsonArray::fromStringList(e.phases)},
                  {QStringLiteral("done"), qint64(e.done)}};
    if (e.commitPending)
        o.insert(QStringLiteral("commit_pending"), true);
    if (!e.planText.isNull())
        o.insert(QStringLiteral("plan_text"), e.planText);
    if (!e.taskDigest.isEmpty())
        o.insert(QStringLiteral("task_digest"), e.taskDigest);
    return o;
}

QJsonObject contextJson(const QString &plan, const QString &repo)
{
    return {{QStringLiteral("plan_path"), plan}, {QStringLiteral("repo_path"), repo}};
}

// One line: the task and its entry, or the task and no entry (a reset); nothing when the line
// is not one of ours.
std::optional<std::pair<quint32, std::optional<TaskLedger::Entry>>> fromJson(const QByteArray &line)
{
    const QJsonObject o = QJsonDocument::fromJson(line).object();
    const QJsonValue task = o.value(u"task");
    if (!task.isDouble() || task.toDouble() < 1 || task.toDouble() > 4294967295.0
        || task.toDouble() != double(task.toInteger()))
        return std::nullopt;
    const quint32 index = quint32(task.toInteger());
    if (o.value(u"reset").toBool())
        return std::pair{index, std::optional<TaskLedger::Entry>()};
    TaskLedger::Entry e;
    const QJsonValue phases = o.value(u"phases");
    if (!phases.isArray())
        return std::nullopt;
    for (const QJsonValue &p : phases.toArray()) {
        if (!p.isString())
            return std::nullopt;
        e.phases.append(p.toString());
    }
    const QJsonValue done = o.value(u"done");
    if (!done.isDouble() || done.toInteger() < 0 || done.toInteger() > e.phases.size())
        return std::nullopt;
    e.done = done.toInteger();
    e.commitPending = o.value(u"commit_pending").toBool();
    if (const QJsonValue plan = o.value(u"plan_text"); plan.isString())
        e.planText = plan.toString();
    e.taskDigest = o.value(u"task_digest").toString();
    return std::pair{index, std::optional<TaskLedger::Entry>(e)};
}

} // namespace

class TaskLedger::Private
{
public:
    QHash<quint32, Entry> entries;
    QString planPath;
    QString repoPath;
    qsizetype lines = 0;
    JsonLinesWriter writer;
};

TaskLedger::TaskLedger() : d(std::make_unique<Private>()) {}
TaskLedger::~TaskLedger() = default;
TaskLedger::TaskLedger(TaskLedger &&) noexcept = default;
TaskLedger &TaskLedger::operator=(TaskLedger &&) noexcept = default;

QString TaskLedger::path(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("task_progress.jsonl"));
}

Result<TaskLedger> TaskLedger::load(const QString &stateDir)
{
    TaskLedger ledger;
    ledger.d->writer.setPath(path(stateDir));
    const JsonLinesContents read = readJsonLines(path(stateDir));
    if (!read.error.isEmpty())
        return Error(Error::Kind::State, QStringLiteral("failed to read %1").arg(path(stateDir)), read.error);
    for (const QByteArray &line : read.lines) {
        const QJsonObject context = QJsonDocument::fromJson(line).object();
        if (context.value(u"plan_path").isString() && context.value(u"repo_path").isString()) {
            ledger.d->planPath = context.value(u"plan_path").toString();
            ledger.d->repoPath = context.value(u"repo_path").toString();
            ++ledger.d->lines;
            continue;
        }
        auto parsed = fromJson(line);
        if (!parsed)
            continue; // not ours: the tasks it might speak of start from their first phase
        ++ledger.d->lines;
        if (parsed->second)
            ledger.d->entries.insert(parsed->first, *parsed->second);
        else
            ledger.d->entries.remove(parsed->first);
    }
    ledger.d->writer.dropTornTail(read);
    return ledger;
}

std::optional<TaskLedger::Entry> TaskLedger::entry(quint32 task) const
{
    const auto it = d->entries.constFind(task);
    if (it == d->entries.cend())
        return std::nullopt;
    return *it;
}

bool TaskLedger::owesPhases(quint32 task) const
{
    const auto it = d->entries.constFind(task);
    return it != d->entries.cend() && (it->done < it->phases.size() || it->commitPending);
}

QString TaskLedger::digest(const QString &taskText)
{
    return QString::fromLatin1(QCryptographicHash::hash(taskText.toUtf8(), QCryptographicHash::Sha256).toHex().left(16));
}

const QString &TaskLedger::planPath() const
{
    return d->planPath;
}

const QString &TaskLedger::repoPath() const
{
    return d->repoPath;
}

Result<void> TaskLedger::setContext(const QString &planPath, const QString &repoPath)
{
    if (planPath == d->planPath && repoPath == d->repoPath)
        return {};
    d->planPath = planPath;
    d->repoPath = repoPath;
    ++d->lines;
    return d->writer.append(contextJson(planPath, repoPath));
}

qsizetype TaskLedger::resumeAt(quint32 task, const QStringList &phases, const QString &taskText) const
{
    const auto it = d->entries.constFind(task);
    if (it == d->entries.cend() || it->done > phases.size() || it->taskDigest != digest(taskText))
        return 0;
    for (qsizetype i = 0; i < it->done; ++i) {
        if (it->phases[i] != phases[i])
            return 0;
    }
    return it->done;
}

Result<void> TaskLedger::phaseDone(quint32 task, const Entry &entry)
{
    d->entries.insert(task, entry);
    ++d->lines;
    return d->writer.append(toJson(task, entry));
}

Result<void> TaskLedger::reset(quint32 task)
{
    if (!d->entries.remove(task))
        return {};
    ++d->lines;
    return d->writer.append(QJsonObject{{QStringLiteral("task"), qint64(task)}, {QStringLiteral("reset"), true}});
}

Result<void> TaskLedger::resetAll()
{
    const QList<quint32> tasks = d->entries.keys();
    for (quint32 task : tasks) {
        if (auto r = reset(task); !r)
            return r;
    }
    return {};
}

Result<void> TaskLedger::compact()
{
    if (d->lines <= 2 * d->entries.size() + 16)
        return {};
    QByteArray bytes;
    if (!d->planPath.isEmpty() || !d->repoPath.isEmpty())
        bytes += QJsonDocument(contextJson(d->planPath, d->repoPath)).toJson(QJsonDocument::Compact) + '\n';
    QList<quint32> tasks = d->entries.keys();
    std::sort(tasks.begin(), tasks.end());
    for (quint32 task : std::as_const(tasks))
        bytes += QJsonDocument(toJson(task, d->entries.value(task))).toJson(QJsonDocument::Compact) + '\n';
    const QString file = d->writer.path();
    d->writer.setPath({});
    QSaveFile out(file);
    const bool ok = out.open(QIODevice::WriteOnly) && out.write(bytes) == bytes.size() && out.commit();
    d->writer.setPath(file);
    if (!ok)
        return Error(Error::Kind::Io, QStringLiteral("failed to write %1").arg(file), out.errorString());
    (void)QFile::setPermissions(file, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    d->lines = tasks.size() + 1;
    return {};
}

} // namespace Peal
