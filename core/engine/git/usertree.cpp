// SPDX-License-Identifier: MIT
#include "git/usertree.h"

#include "git/porcelain.h"

#include "git/gitexclude.h"
#include "recipe/processstep.h"
#include "run/runcontext.h"

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

QString UserTree::listPaths(const QStringList &paths, int limit)
{
    QString text = paths.mid(0, limit).join(QStringLiteral(", "));
    if (paths.size() > limit)
        text += QStringLiteral(" (and %1 more)").arg(paths.size() - limit);
    return text;
}

Step UserTree::check(RunContext &run, QObject *context, const QStringList &reviewerDirs, bool dryRun)
{
    const Config &c = run.config();
    if (!c.commitAfterPhase2)
        return emptyStep(QStringLiteral("user tree"));
    m_recordPath = StateStore::pathIn(c.stateDir, QStringLiteral("tree.json"));
    m_plan = c.planPath;
    m_repo = c.repoPath;
    const auto inspected = [](const ProcessResult &r) { return r.success() ? Result<void>() : inspectionFailed(r); };
    return sequenceStep(QStringLiteral("user tree"), {
        gitStep(run, context, QStringLiteral("git rev-parse --show-toplevel"),
                [repo = c.repoPath] { return GitCall{repo, {QStringLiteral("rev-parse"), QStringLiteral("--show-toplevel")}}; },
                [this, &run, reviewerDirs, inspected](const ProcessResult &top) {
                    if (!top.success())
                        return inspected(top);
                    m_top = gitFirstLine(top);
                    for (const QString &dir : reviewerDirs)
                        m_own.append(prefixOf(dir));
                    if (auto state = workTreePattern(m_top, run.config().stateDir))
                        m_own.append(prefixOf(*state));
                    return Result<void>();
                }),
        // HEAD may not exist yet (a repository without commits): then it is the empty string.
        gitStep(run, context, QStringLiteral("git rev-parse HEAD"),
                [this] {
                    return GitCall{m_top, {QStringLiteral("rev-parse"), QStringLiteral("-q"), QStringLiteral("--verify"),
                                           QStringLiteral("HEAD")}};
                },
                [this](const ProcessResult &head) {
                    m_head = head.success() ? gitFirstLine(head) : QString();
                    return Result<void>();
                }),
        // An untracked directory is one entry ("build/"), excluded as a whole: a pathspec per
        // file would make git's matching quadratic in the number of files.
        gitStep(run, context, QStringLiteral("git status"),
                [this] {
                    return GitCall{m_top, {QStringLiteral("status"), QStringLiteral("--porcelain"), QStringLiteral("-z"),
                                           QStringLiteral("--untracked-files=normal"), QStringLiteral("--no-renames")}};
                },
                [this, inspected](const ProcessResult &status) {
                    if (!status.success())
                        return inspected(status);
                    m_dirty.clear();
                    for (const QString &path : statusPaths(status.stdoutText)) {
                        const bool pealsOwn = std::any_of(m_own.cbegin(), m_own.cend(),
                                                          [&](const QString &prefix) { return path.startsWith(prefix); });
                        if (!pealsOwn)
                            m_dirty.append(path);
                    }
                    return Result<void>();
                }),
        deferredStep(QStringLiteral("classify"), [this, &run, context, dryRun] { return classify(run, context, dryRun); }),
    });
}

Step UserTree::classify(RunContext &run, QObject *context, bool dryRun)
{
    const auto deciding = [this, &run, dryRun](std::function<QStringList()> changedSince, bool recorded) {
        return syncStep(QStringLiteral("decide"), [this, &run, dryRun, changedSince, recorded] {
            return decide(run, changedSince(), recorded, dryRun);
        });
    };
    const auto everything = [this] { return m_dirty; };
    const std::optional<Record> record = Record::read(m_recordPath);
    const bool resumable = record && StateStore::samePlace(record->plan, m_plan)
                           && StateStore::samePlace(record->repo, m_repo) && record->head == m_head
                           && !record->tasks.isEmpty() && !m_dirty.isEmpty();
    if (!resumable)
        return deciding(everything, false);
    m_tasks = record->tasks;
    m_userPaths = record->userPaths;
    if (record->snapshot.isEmpty())
        return deciding([] { return QStringList(); }, false);
    // What changed since peal recorded the tree is not peal's.
    auto changed = std::make_shared<std::optional<QStringList>>();
    return sequenceStep(QStringLiteral("compare with the recorded tree"), {
        snapshot(run, context, &m_now),
        deferredStep(QStringLiteral("diff"), [this, &run, context, changed, before = record->snapshot] {
            if (m_now.isEmpty())
                return emptyStep(QStringLiteral("no snapshot"));
            return gitStep(run, context, QStringLiteral("git diff-tree"),
                           [this, before] {
                               return GitCall{m_top, {QStringLiteral("diff-tree"), QStringLiteral("-r"), QStringLiteral("-z"),
                                                      QStringLiteral("--no-renames"), QStringLiteral("--name-only"), before,
                                                      m_now}};
                           },
                           [changed](const ProcessResult &diff) {
                               if (diff.success())
                                   *changed = diff.stdoutText.split(QChar(0), Qt::SkipEmptyParts);
                               return Result<void>();
                           });
        }),
        deciding([this, changed] { return changed->value_or(m_dirty); }, true),
    });
}

Result<void> UserTree::decide(RunContext &run, const QStringList &changedSince, bool recorded, bool dryRun)
{
    const QStringList &dirty = m_dirty;
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
            return error;
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
            return Error(Error::Kind::Commit, QStringLiteral("cannot write %1").arg(file),
                         QStringLiteral("peal needs it to keep your changes out of its commits"));
        m_pathspecFile = file;
    }
    save();
    return {};
}

Step UserTree::snapshot(RunContext &run, QObject *context, QString *tree)
{
    // A private index: the user's own index (what they staged) is not touched.
    const QString index = QFileInfo(StateStore::pathIn(run.config().stateDir, QStringLiteral("tree.index")))
                              .absoluteFilePath();
    const auto withIndex = [this, index](QStringList args) {
        return GitCall{m_top, std::move(args), {{QStringLiteral("GIT_INDEX_FILE"), index}}};
    };
    const auto succeeded = [](const ProcessResult &r) {
        return r.success() ? Result<void>() : Result<void>(Error(Error::Kind::Commit, QStringLiteral("no snapshot")));
    };
    return sequenceStep(QStringLiteral("snapshot"), {
        syncStep(QStringLiteral("start"), [tree] {
            tree->clear();
            return Result<void>();
        }),
        gitStep(run, context, QStringLiteral("git read-tree"),
                [this, withIndex] {
                    return withIndex(m_head.isEmpty() ? QStringList{QStringLiteral("read-tree"), QStringLiteral("--empty")}
                                                      : QStringList{QStringLiteral("read-tree"), m_head});
                },
                succeeded),
        gitStep(run, context, QStringLiteral("git add -A"), [withIndex] { return withIndex({QStringLiteral("add"), QStringLiteral("-A")}); },
                succeeded),
        gitStep(run, context, QStringLiteral("git write-tree"), [withIndex] { return withIndex({QStringLiteral("write-tree")}); },
                [tree](const ProcessResult &r) {
                    if (r.success())
                        *tree = gitFirstLine(r);
                    return Result<void>();
                }),
    }).onDone([index](const Result<void> &) {
        // A failed snapshot is no snapshot, never an error.
        QFile::remove(index);
        return Result<void>();
    });
}

Step UserTree::recordLeftovers(RunContext &run, QObject *context)
{
    if (!m_active || m_tasks.isEmpty())
        return emptyStep(QStringLiteral("record leftovers"));
    return sequenceStep(QStringLiteral("record leftovers"), {
        snapshot(run, context, &m_snapshot),
        syncStep(QStringLiteral("save"), [this] {
            save();
            return Result<void>();
        }),
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
