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
#include <QSet>

namespace Peal::Internal {

namespace {

QJsonArray toJsonArray(const QList<quint32> &values)
{
    QJsonArray out;
    for (quint32 v : values)
        out.append(qint64(v));
    return out;
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

Error inspectionFailed(const ProcessResult &r)
{
    return Error(Error::Kind::Commit, QStringLiteral("cannot inspect the work tree for uncommitted changes"),
                 r.failedToStart() ? r.errorString : Text::firstLine(r.stderrText));
}

bool writeAtomically(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QSaveFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.commit();
}

} // namespace

struct UserTree::Record
{
    QString plan;
    QString repo;
    QString head;
    QList<quint32> tasks;
    QStringList userPaths;
    QString snapshot;

    // A missing or unreadable record is no record: every change then counts as the user's.
    static std::optional<Record> read(const QString &path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return std::nullopt;
        const QJsonObject o = QJsonDocument::fromJson(file.read(64 << 20)).object();
        for (const char *key : {"plan_path", "repo_path", "head", "snapshot"}) {
            if (!o.value(QLatin1String(key)).isString())
                return std::nullopt;
        }
        if (!o.value(u"tasks").isArray() || !o.value(u"user_paths").isArray())
            return std::nullopt;
        Record r;
        r.plan = o.value(u"plan_path").toString();
        r.repo = o.value(u"repo_path").toString();
        r.head = o.value(u"head").toString();
        r.snapshot = o.value(u"snapshot").toString();
        for (const QJsonValue &v : o.value(u"tasks").toArray())
            r.tasks.append(quint32(v.toInteger()));
        for (const QJsonValue &v : o.value(u"user_paths").toArray())
            r.userPaths.append(v.toString());
        return r;
    }
};

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
    m_plan = c.planPath;
    m_repo = c.repoPath;
    run.runProcess(gitSpec(c.repoPath, {QStringLiteral("rev-parse"), QStringLiteral("--show-toplevel")}), context,
                   [this, &run, context, reviewerDirs, dryRun, done](const ProcessResult &top) {
        if (!top.success())
            return done(inspectionFailed(top));
        m_top = firstLine(top);
        for (const QString &dir : reviewerDirs)
            m_own.append(prefixOf(dir));
        if (auto state = workTreePattern(m_top, run.config().stateDir))
            m_own.append(prefixOf(*state));
        inspect(run, context, dryRun, done);
    });
}

void UserTree::inspect(RunContext &run, QObject *context, bool dryRun, std::function<void(Result<void>)> done)
{
    // HEAD may not exist yet (a repository without commits): then it is the empty string.
    run.runProcess(gitSpec(m_top, {QStringLiteral("rev-parse"), QStringLiteral("-q"), QStringLiteral("--verify"),
                                   QStringLiteral("HEAD")}),
                   context, [this, &run, context, dryRun, done](const ProcessResult &head) {
        m_head = head.success() ? firstLine(head) : QString();
        // An untracked directory is one entry ("build/"), excluded as a whole: a pathspec per
        // file would make git's matching quadratic in the number of files.
        run.runProcess(gitSpec(m_top, {QStringLiteral("status"), QStringLiteral("--porcelain"), QStringLiteral("-z"),
                                       QStringLiteral("--untracked-files=normal"), QStringLiteral("--no-renames")}),
                       context, [this, &run, context, dryRun, done](const ProcessResult &status) {
            if (!status.success())
                return done(inspectionFailed(status));
            QStringList dirty;
            for (const QString &path : statusPaths(status.stdoutText)) {
                const bool pealsOwn = std::any_of(m_own.cbegin(), m_own.cend(),
                                                  [&](const QString &prefix) { return path.startsWith(prefix); });
                if (!pealsOwn)
                    dirty.append(path);
            }
            classify(run, context, dirty, dryRun, done);
        });
    });
}

void UserTree::classify(RunContext &run, QObject *context, const QStringList &dirty, bool dryRun,
                        std::function<void(Result<void>)> done)
{
    const std::optional<Record> record = Record::read(m_recordPath);
    const bool resumable = record && StateStore::samePlace(record->plan, m_plan)
                           && StateStore::samePlace(record->repo, m_repo) && record->head == m_head
                           && !record->tasks.isEmpty() && !dirty.isEmpty();
    if (!resumable)
        return decide(run, dirty, dirty, false, dryRun, done);
    m_tasks = record->tasks;
    m_userPaths = record->userPaths;
    if (record->snapshot.isEmpty())
        return decide(run, dirty, {}, false, dryRun, done);
    // What changed since peal recorded the tree is not peal's.
    snapshot(run, context, [this, &run, context, dirty, dryRun, done, before = record->snapshot](QString now) {
        if (now.isEmpty())
            return decide(run, dirty, dirty, true, dryRun, done);
        run.runProcess(gitSpec(m_top, {QStringLiteral("diff-tree"), QStringLiteral("-r"), QStringLiteral("-z"),
                                       QStringLiteral("--no-renames"), QStringLiteral("--name-only"), before, now}),
                       context, [this, &run, dirty, dryRun, done](const ProcessResult &diff) {
            if (!diff.success())
                return decide(run, dirty, dirty, true, dryRun, done);
            decide(run, dirty, diff.stdoutText.split(QChar(0), Qt::SkipEmptyParts), true, dryRun, done);
        });
    });
}

void UserTree::decide(RunContext &run, const QStringList &dirty, const QStringList &changedSince, bool recorded,
                      bool dryRun, std::function<void(Result<void>)> done)
{
    // A change is peal's when an interrupted task may have made it, it is not one of the
    // user's paths, and it has not changed since peal stopped.
    const QSet<QString> known(m_userPaths.cbegin(), m_userPaths.cend());
    const QSet<QString> changed(changedSince.cbegin(), changedSince.cend());
    QStringList left;
    QStringList user;
    // An untracked directory ("dir/") has changed when a file below it has.
    const auto changedBelow = [&changedSince](const QString &dir) {
        return std::any_of(changedSince.cbegin(), changedSince.cend(), [&](const QString &p) { return p.startsWith(dir); });
    };
    for (const QString &path : dirty) {
        // Only the user's paths that are still changed matter.
        if (known.contains(path) || m_tasks.isEmpty() || changed.contains(path)
            || (path.endsWith(u'/') && changedBelow(path)))
            user.append(path);
        else
            left.append(path);
    }
    m_userPaths = user;
    const Config &c = run.config();
    if (!left.isEmpty()) {
        const QString tasks = Text::joinIndices(m_tasks);
        if (recorded)
            run.logger().info(u"peal::git", QStringLiteral("keeping the uncommitted changes of an interrupted run"),
                              {{QStringLiteral("tasks"), tasks}, {QStringLiteral("paths"), listPaths(left)}});
        else
            run.logger().warning(u"peal::git",
                                 QStringLiteral("taking %1 uncommitted path(s) as left by task %2, which was "
                                                "stopped before peal could record them: %3")
                                     .arg(left.size())
                                     .arg(tasks, listPaths(left)));
    } else {
        m_tasks.clear();
    }
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
    m_snapshot.clear();
    if (m_active && !m_userPaths.isEmpty()) {
        // A file, so that any number of paths fits on git's command line. Relative to the top
        // of the work tree like a plain `git add -A`; literal, so that '*' excludes only itself.
        QByteArray spec = ":/";
        for (const QString &path : std::as_const(m_userPaths))
            spec += '\0' + (QStringLiteral(":(top,exclude,literal)") + path).toUtf8();
        const QString file = QFileInfo(StateStore::pathIn(c.stateDir, QStringLiteral("tree.pathspec"))).absoluteFilePath();
        if (!writeAtomically(file, spec + '\0'))
            return done(Error(Error::Kind::Commit, QStringLiteral("cannot write %1").arg(file),
                              QStringLiteral("peal needs it to keep your changes out of its commits")));
        m_pathspecFile = file;
    }
    save();
    done({});
}

void UserTree::snapshot(RunContext &run, QObject *context, std::function<void(QString)> done)
{
    // A private index: the user's own index (what they staged) is not touched.
    const QString index = QFileInfo(StateStore::pathIn(run.config().stateDir, QStringLiteral("tree.index")))
                              .absoluteFilePath();
    const auto withIndex = [this, index](QStringList args) {
        ProcessSpec spec = gitSpec(m_top, std::move(args));
        spec.environment.insert(QStringLiteral("GIT_INDEX_FILE"), index);
        return spec;
    };
    const QStringList read = m_head.isEmpty() ? QStringList{QStringLiteral("read-tree"), QStringLiteral("--empty")}
                                              : QStringList{QStringLiteral("read-tree"), m_head};
    run.runProcess(withIndex(read), context, [&run, context, withIndex, index, done](const ProcessResult &r) {
        if (!r.success())
            return done(QString());
        run.runProcess(withIndex({QStringLiteral("add"), QStringLiteral("-A")}), context,
                       [&run, context, withIndex, index, done](const ProcessResult &add) {
            if (!add.success())
                return done(QString());
            run.runProcess(withIndex({QStringLiteral("write-tree")}), context, [index, done](const ProcessResult &tree) {
                QFile::remove(index);
                done(tree.success() ? firstLine(tree) : QString());
            });
        });
    });
}

void UserTree::recordLeftovers(RunContext &run, QObject *context, std::function<void()> done)
{
    if (!m_active || m_tasks.isEmpty())
        return done();
    snapshot(run, context, [this, done](QString tree) {
        m_snapshot = tree;
        save();
        done();
    });
}

QStringList UserTree::commitPathspec() const
{
    if (m_pathspecFile.isEmpty())
        return {};
    return {QStringLiteral("--pathspec-from-file=") + m_pathspecFile, QStringLiteral("--pathspec-file-nul")};
}

void UserTree::tasksStarting(const QList<quint32> &tasks)
{
    for (quint32 task : tasks) {
        if (!m_tasks.contains(task))
            m_tasks.append(task);
    }
    m_snapshot.clear(); // the tree is about to change
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
    m_snapshot.clear();
    save();
}

void UserTree::save() const
{
    if (!m_active)
        return;
    QJsonObject o;
    o.insert(QStringLiteral("plan_path"), m_plan);
    o.insert(QStringLiteral("repo_path"), m_repo);
    o.insert(QStringLiteral("head"), m_head);
    o.insert(QStringLiteral("tasks"), toJsonArray(m_tasks));
    o.insert(QStringLiteral("user_paths"), QJsonArray::fromStringList(m_userPaths));
    o.insert(QStringLiteral("snapshot"), m_snapshot);
    // Best effort: without the record a resumed run counts every change as the user's, which
    // stops it instead of committing something that is not peal's.
    writeAtomically(m_recordPath, QJsonDocument(o).toJson(QJsonDocument::Indented));
}

} // namespace Peal::Internal
