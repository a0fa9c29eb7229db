// SPDX-License-Identifier: MIT
#include "usertree.h"

#include "gitexclude.h"
#include "runcontext.h"

#include <peal/exec.h>
#include <peal/state.h>
#include <peal/textutil.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace Peal::Internal {

namespace {

QJsonArray toJsonArray(const QList<quint32> &values)
{
    QJsonArray out;
    for (quint32 v : values)
        out.append(qint64(v));
    return out;
}

struct Record
{
    QString head;
    QList<quint32> tasks;
    QStringList userPaths;
};

// A missing or unreadable record is no record: every change then counts as the user's.
std::optional<Record> readRecord(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(file.read(16 << 20)).object();
    if (!o.value(u"head").isString() || !o.value(u"tasks").isArray() || !o.value(u"user_paths").isArray())
        return std::nullopt;
    Record r;
    r.head = o.value(u"head").toString();
    for (const QJsonValue &v : o.value(u"tasks").toArray())
        r.tasks.append(quint32(v.toInteger()));
    for (const QJsonValue &v : o.value(u"user_paths").toArray())
        r.userPaths.append(v.toString());
    return r;
}

// "x/y/" for the root-anchored pattern "/x/y/".
QString prefixOf(const QString &pattern)
{
    return pattern.startsWith(u'/') ? pattern.mid(1) : pattern;
}

QString firstLine(const ProcessResult &r)
{
    return r.stdoutText.section(u'\n', 0, 0).trimmed();
}

} // namespace

QStringList statusPaths(const QString &porcelainZ)
{
    // Each entry is "XY <path>" and a NUL; with --no-renames there is no second path.
    QStringList paths;
    for (QStringView entry : QStringView(porcelainZ).split(QChar(0))) {
        if (entry.size() > 3)
            paths.append(entry.mid(3).toString());
    }
    return paths;
}

QString UserTree::listPaths(const QStringList &paths, int limit)
{
    QString text = paths.mid(0, limit).join(QStringLiteral(", "));
    if (paths.size() > limit)
        text += QStringLiteral(" (and %1 more)").arg(paths.size() - limit);
    return text;
}

void UserTree::check(RunContext &run, QObject *context, const QStringList &reviewerDirs, bool dryRun,
                     std::function<void(Result<void>)> done)
{
    const Config &c = run.config();
    if (!c.commitAfterPhase2)
        return done({});
    m_recordPath = StateStore::pathIn(c.stateDir, QStringLiteral("tree.json"));
    run.runProcess(gitSpec(c.repoPath, {QStringLiteral("rev-parse"), QStringLiteral("--show-toplevel")}), context,
                   [this, &run, context, reviewerDirs, dryRun, done](const ProcessResult &top) {
        if (!top.success())
            return done(Error(Error::Kind::Commit, QStringLiteral("cannot inspect the work tree for uncommitted changes"),
                              Text::firstLine(top.stderrText)));
        const QString root = firstLine(top);
        QStringList own;
        for (const QString &dir : reviewerDirs)
            own.append(prefixOf(dir));
        if (auto state = workTreePattern(root, run.config().stateDir))
            own.append(prefixOf(*state));
        inspect(run, context, root, own, dryRun, done);
    });
}

void UserTree::inspect(RunContext &run, QObject *context, const QString &top, const QStringList &own, bool dryRun,
                       std::function<void(Result<void>)> done)
{
    // HEAD may not exist yet (a repository without commits): then it is the empty string.
    run.runProcess(gitSpec(top, {QStringLiteral("rev-parse"), QStringLiteral("-q"), QStringLiteral("--verify"),
                                 QStringLiteral("HEAD")}),
                   context, [this, &run, context, top, own, dryRun, done](const ProcessResult &head) {
        m_head = head.success() ? firstLine(head) : QString();
        run.runProcess(gitSpec(top, {QStringLiteral("status"), QStringLiteral("--porcelain"), QStringLiteral("-z"),
                                     QStringLiteral("--untracked-files=all"), QStringLiteral("--no-renames")}),
                       context, [this, &run, own, dryRun, done](const ProcessResult &status) {
            if (!status.success())
                return done(Error(Error::Kind::Commit,
                                  QStringLiteral("cannot inspect the work tree for uncommitted changes"),
                                  Text::firstLine(status.stderrText)));
            QStringList dirty;
            for (const QString &path : statusPaths(status.stdoutText)) {
                const bool pealsOwn = std::any_of(own.cbegin(), own.cend(),
                                                  [&](const QString &prefix) { return path.startsWith(prefix); });
                if (!pealsOwn)
                    dirty.append(path);
            }
            // What an interrupted task left: everything but the user's paths, while HEAD is
            // still the commit peal last left the tree on.
            const std::optional<Record> record = readRecord(m_recordPath);
            const bool resumable = record && record->head == m_head && !record->tasks.isEmpty();
            QStringList left;
            for (const QString &path : std::as_const(dirty)) {
                if (resumable && !record->userPaths.contains(path))
                    left.append(path);
                else
                    m_userPaths.append(path);
            }
            if (!left.isEmpty()) {
                m_tasks = record->tasks;
                run.logger().info(u"peal::git", QStringLiteral("keeping the uncommitted changes of an interrupted run"),
                                  {{QStringLiteral("tasks"), Text::debugList(m_tasks)},
                                   {QStringLiteral("paths"), listPaths(left)}});
            }
            const Config &c = run.config();
            if (!m_userPaths.isEmpty() && !c.allowDirty) {
                Error error(Error::Kind::Commit,
                            QStringLiteral("the work tree %1 has uncommitted changes that peal did not make: %2")
                                .arg(c.repoPath, listPaths(m_userPaths)),
                            QStringLiteral("commit_after_phase2 would commit them with its own changes; commit or "
                                           "stash them, or pass --allow-dirty to leave them out of peal's commits"));
                if (!dryRun)
                    return done(error);
                run.logger().warning(u"peal::git", QStringLiteral("a run would stop: ") + error.toDisplayString());
            } else if (!m_userPaths.isEmpty()) {
                run.logger().warning(u"peal::git",
                                     QStringLiteral("leaving %1 uncommitted path(s) that peal did not make out of its "
                                                    "commits: %2 (%3)")
                                         .arg(m_userPaths.size())
                                         .arg(listPaths(m_userPaths),
                                              ConfigLoader::withOrigin(c, QStringLiteral("allow_dirty"), QString())));
            }
            m_active = !dryRun;
            save();
            done({});
        });
    });
}

QStringList UserTree::commitPathspec() const
{
    if (m_userPaths.isEmpty())
        return {};
    // From the top of the work tree, like a plain `git add -A`; literal, so that a path with
    // '*' or '?' excludes only itself.
    QStringList spec{QStringLiteral("--"), QStringLiteral(":/")};
    for (const QString &path : m_userPaths)
        spec.append(QStringLiteral(":(top,exclude,literal)") + path);
    return spec;
}

void UserTree::tasksStarting(const QList<quint32> &tasks)
{
    for (quint32 task : tasks) {
        if (!m_tasks.contains(task))
            m_tasks.append(task);
    }
    save();
}

void UserTree::committed(const QString &head)
{
    m_head = head;
    save();
}

void UserTree::tasksSettled()
{
    m_tasks.clear();
    save();
}

void UserTree::save() const
{
    if (!m_active)
        return;
    QJsonObject o;
    o.insert(QStringLiteral("head"), m_head);
    o.insert(QStringLiteral("tasks"), toJsonArray(m_tasks));
    o.insert(QStringLiteral("user_paths"), QJsonArray::fromStringList(m_userPaths));
    // Best effort: without the record a resumed run counts every change as the user's, which
    // stops it instead of committing something that is not peal's.
    QDir().mkpath(QFileInfo(m_recordPath).path());
    QSaveFile file(m_recordPath);
    if (file.open(QIODevice::WriteOnly)) {
        file.write(QJsonDocument(o).toJson(QJsonDocument::Indented));
        file.commit();
    }
}

} // namespace Peal::Internal
