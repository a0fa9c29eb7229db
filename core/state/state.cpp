// SPDX-License-Identifier: MIT
#include <peal/state.h>

#include "fileprobe.h"
#include "jsonread.h"
#include "jsonwriter.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <system_error>

namespace Peal {

using namespace Internal;

bool State::isTaskCompleted(quint32 index) const
{
    return std::binary_search(m_completed.cbegin(), m_completed.cend(), index);
}

void State::markTaskCompleted(quint32 index)
{
    const auto it = std::lower_bound(m_completed.begin(), m_completed.end(), index);
    if (it == m_completed.end() || *it != index)
        m_completed.insert(it, index);
}

bool State::markTaskIncomplete(quint32 index)
{
    const auto it = std::lower_bound(m_completed.begin(), m_completed.end(), index);
    if (it == m_completed.end() || *it != index)
        return false;
    m_completed.erase(it);
    return true;
}

bool State::matchesContext(const QString &planPath, const QString &repoPath) const
{
    return StateStore::samePlace(m_planPath, planPath) && StateStore::samePlace(m_repoPath, repoPath);
}

QByteArray State::toJson() const
{
    JsonWriter w;
    w.beginObject();
    w.key(u"plan_path");
    w.value(m_planPath);
    w.key(u"repo_path");
    w.value(m_repoPath);
    w.indices(u"completed_task_indices", m_completed);
    if (lastPlanByTask) {
        w.key(u"last_plan_by_task");
        w.beginObject();
        for (auto it = lastPlanByTask->cbegin(); it != lastPlanByTask->cend(); ++it) {
            w.key(QString::number(it.key()));
            w.value(it.value());
        }
        w.endObject();
    }
    if (lastCompletedRef) {
        w.key(u"last_completed_ref");
        w.value(*lastCompletedRef);
    }
    w.endObject();
    return w.take();
}

Result<State> State::fromJson(const QByteArray &json)
{
    auto root = JsonRead::parseObject(json);
    if (!root)
        return root.error();
    const QJsonObject &object = *root;

    auto plan = JsonRead::requiredString(object, u"plan_path");
    if (!plan)
        return plan.error();
    auto repo = JsonRead::requiredString(object, u"repo_path");
    if (!repo)
        return repo.error();
    auto indices = JsonRead::requiredU32Array(object, u"completed_task_indices");
    if (!indices)
        return indices.error();

    State state(*plan, *repo);
    // Re-sorting protects lookups from hand-edited files (spec §14.3 latent defect).
    for (quint32 i : *indices)
        state.markTaskCompleted(i);

    const QJsonValue plans = object.value(u"last_plan_by_task");
    if (!plans.isUndefined() && !plans.isNull()) {
        if (!plans.isObject())
            return JsonRead::typeError(u"last_plan_by_task", u"an object");
        QMap<quint32, QString> map;
        const QJsonObject planObject = plans.toObject();
        for (auto it = planObject.begin(); it != planObject.end(); ++it) {
            const QString field = QStringLiteral("last_plan_by_task.") + it.key();
            auto index = JsonRead::u32FromKey(it.key(), field);
            if (!index)
                return index.error();
            if (!it.value().isString())
                return JsonRead::typeError(field, u"a string");
            map.insert(*index, it.value().toString());
        }
        state.lastPlanByTask = map;
    }
    const QJsonValue ref = object.value(u"last_completed_ref");
    if (!ref.isUndefined() && !ref.isNull()) {
        if (!ref.isString())
            return JsonRead::typeError(u"last_completed_ref", u"a string");
        state.lastCompletedRef = ref.toString();
    }
    return state;
}

namespace StateStore {

QString pathIn(const QString &stateDir, const QString &name)
{
    // QDir("") would give "./<name>"; the reference's messages and files say "<name>".
    if (stateDir.isEmpty())
        return name;
    return QDir(stateDir).filePath(name);
}

QString directory(const QString &stateDir)
{
    return stateDir.isEmpty() ? QStringLiteral(".") : stateDir;
}

QString stateFilePath(const QString &stateDir)
{
    return pathIn(stateDir, QStringLiteral("state.json"));
}

Result<LoadResult> load(const QString &stateDir)
{
    const QString path = stateFilePath(stateDir);
    // QFile::exists() is false for every stat failure; only "no such file" starts fresh.
    auto exists = fileExists(path);
    if (!exists)
        return Error(Error::Kind::State, QStringLiteral("Failed to read state file %1: %2")
                                             .arg(path, exists.error().message()));
    if (!*exists)
        return LoadResult{};
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(Error::Kind::State, QStringLiteral("Failed to read state file %1: %2")
                                             .arg(path, file.errorString()));
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return Error(Error::Kind::State, QStringLiteral("Failed to read state file %1: %2")
                                             .arg(path, file.errorString()));
    auto state = State::fromJson(bytes);
    if (!state)
        return LoadResult{std::nullopt, state.error().message()};
    return LoadResult{std::move(state).value(), QString()};
}

Result<QString> setAside(const QString &stateDir)
{
    const QString path = stateFilePath(stateDir);
    const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
    QString target = path + u'.' + stamp + QStringLiteral(".bak");
    // Two fresh starts within a second must not overwrite the first backup.
    for (int n = 2; QFileInfo::exists(target); ++n)
        target = path + u'.' + stamp + u'-' + QString::number(n) + QStringLiteral(".bak");
    if (std::rename(QFile::encodeName(path).constData(), QFile::encodeName(target).constData()) != 0)
        return Error(Error::Kind::State, QStringLiteral("Failed to write state file %1: %2")
                                             .arg(path, QStringLiteral("cannot move it aside to %1: %2")
                                                            .arg(target, osErrorText(errno))));
    // The spending of the old state goes with it (budgets count from zero again); best effort.
    for (const QString &name : {QStringLiteral("spend.json"), QStringLiteral("spend.jsonl")}) {
        const QString spend = pathIn(stateDir, name);
        if (QFileInfo::exists(spend))
            (void)std::rename(QFile::encodeName(spend).constData(),
                              QFile::encodeName(spend + target.mid(path.size())).constData());
    }
    return target;
}

Result<void> save(const QString &stateDir, const State &state)
{
    // An empty state_dir is the current directory, as create_dir_all("") is a no-op in Rust.
    std::error_code ec;
    if (!stateDir.isEmpty())
        std::filesystem::create_directories(QFile::encodeName(stateDir).toStdString(), ec);
    if (ec)
        return Error(Error::Kind::State,
                     QStringLiteral("Failed to write state file %1: failed to create directory: %2")
                         .arg(stateDir, QString::fromStdString(ec.message())));
    const QString path = stateFilePath(stateDir);
    const auto fail = [&](const QString &detail) {
        return Error(Error::Kind::State,
                     QStringLiteral("Failed to write state file %1: %2").arg(path, detail));
    };
    // QSaveFile writes a temporary file beside the target and renames it over the target, so
    // readers (and a crash) only ever see the old or the new complete file.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(file.errorString());
    const QByteArray json = state.toJson();
    if (file.write(json) != json.size()) {
        const QString why = file.errorString();
        file.cancelWriting();
        return fail(why);
    }
    if (!file.commit())
        return fail(file.errorString());
    return {};
}

namespace {

QStringList components(const QString &path)
{
    QStringList out;
    const bool absolute = path.startsWith(u'/');
    if (absolute)
        out.append(QStringLiteral("/"));
    const QList<QStringView> parts = QStringView(path).split(u'/');
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QStringView part = parts[i];
        if (part.isEmpty())
            continue;
        // "." survives only as the very first component of a relative path ("./a" != "a").
        if (part == u"." && (absolute || !out.isEmpty() || i != 0))
            continue;
        out.append(part.toString());
    }
    return out;
}

} // namespace

bool samePath(const QString &a, const QString &b)
{
    return components(a) == components(b);
}

bool samePlace(const QString &recorded, const QString &current)
{
    if (samePath(recorded, current))
        return true;
    // canonicalFilePath() is empty for a path that does not exist, which then matches nothing.
    const QString a = QFileInfo(recorded).canonicalFilePath();
    return !a.isEmpty() && a == QFileInfo(current).canonicalFilePath();
}

QString LoadResult::invalidWarning(const QString &stateDir) const
{
    return QStringLiteral("ignoring invalid state file %1: %2").arg(stateFilePath(stateDir), invalidReason);
}

} // namespace StateStore

} // namespace Peal
