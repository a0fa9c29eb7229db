// SPDX-License-Identifier: MIT
#include "worktrees.h"

#include "recipe.h"

#include <peal/exec.h>
#include <peal/textutil.h>

#include <QDir>
#include <QFileInfo>

namespace Peal::Internal {

namespace {

const QString kBranchPrefix = QStringLiteral("peal/task-");

// Internal commits: a fixed identity, no signing, no hooks. They never reach the user's branch.
const QStringList kCommitConfig{QStringLiteral("-c"), QStringLiteral("user.name=peal"),
                                QStringLiteral("-c"), QStringLiteral("user.email=peal@localhost"),
                                QStringLiteral("-c"), QStringLiteral("commit.gpgsign=false")};

QStringList outputLines(const ProcessResult &r)
{
    return r.stdoutText.split(u'\n', Qt::SkipEmptyParts);
}

} // namespace

Worktrees::Worktrees(RunContext &run, QObject *parent)
    : QObject(parent), m_run(run),
      m_root(QDir::cleanPath(QFileInfo(StateStore::directory(run.config().stateDir)).absoluteFilePath() + QStringLiteral("/worktrees")))
{
}

QString Worktrees::branchName(quint32 task)
{
    return kBranchPrefix + QString::number(task);
}

QString Worktrees::path(quint32 task) const
{
    return m_root + QStringLiteral("/task-") + QString::number(task);
}

void Worktrees::git(const QString &dir, const QStringList &args, Next next, const QHash<QString, QString> &env,
                    std::optional<quint32> task)
{
    ProcessSpec spec = gitSpec(dir, args);
    spec.environment = env;
    spec.label = QStringLiteral("git (worktrees)");
    m_run.runProcess(spec, this, std::move(next), task);
}

void Worktrees::gitCommitting(const QString &dir, const QStringList &args, Next next,
                              const QHash<QString, QString> &env, std::optional<quint32> task)
{
    git(dir, kCommitConfig + args, std::move(next), env, task);
}

QString Worktrees::firstLine(const ProcessResult &r)
{
    return outputLines(r).value(0).trimmed();
}

Error Worktrees::gitError(const QString &what, const ProcessResult &r) const
{
    return Error(Error::Kind::Isolation, QStringLiteral("Worktree isolation failed: %1").arg(what),
                 r.failedToStart() ? r.errorString : Text::firstLine(r.stderrText));
}

// ---- prepare ---------------------------------------------------------------------------

void Worktrees::prepare(std::function<void(Result<void>)> done)
{
    git(m_run.config().repoPath,
        {QStringLiteral("rev-parse"), QStringLiteral("--show-toplevel"), QStringLiteral("--show-prefix")},
        [this, done](const ProcessResult &top) {
            if (!top.success())
                return done(gitError(QStringLiteral("cannot find the work tree"), top));
            // Two lines: the top directory, then repo_path below it (an empty line at the top).
            const QStringList lines = top.stdoutText.split(u'\n');
            m_top = lines.value(0).trimmed();
            m_prefix = lines.value(1).trimmed();
            removeStale([this, done] {
                if (!QDir().mkpath(m_root))
                    return done(Error(Error::Kind::Isolation,
                                      QStringLiteral("Worktree isolation failed: cannot create %1").arg(m_root)));
                snapshot([this, done](Result<QString> snapshot) {
                    if (!snapshot)
                        return done(snapshot.error());
                    m_snapshot = *snapshot;
                    done(Result<void>());
                });
            });
        });
}

QString Worktrees::branchRecord() const
{
    return m_root + QStringLiteral("/branches");
}

void Worktrees::recordBranch(const QString &branch)
{
    // Read by the next run if this one dies between removing a worktree and its branch.
    QFile record(branchRecord());
    if (!record.open(QIODevice::WriteOnly | QIODevice::Append) || record.write(branch.toUtf8() + '\n') < 0)
        m_run.logger().warn(u"peal::worktree", QStringLiteral("cannot record a task branch"),
                            {{QStringLiteral("path"), branchRecord()}, {QStringLiteral("err"), record.errorString()}});
}

void Worktrees::removeStale(std::function<void()> done)
{
    // What a crashed run left: the worktrees git still lists under our root with their branches,
    // and the branches this directory records. A user's own peal/task-* branch is neither.
    git(m_top, {QStringLiteral("worktree"), QStringLiteral("list"), QStringLiteral("--porcelain")},
        [this, done](const ProcessResult &list) {
            const QString root = QFileInfo(m_root).canonicalFilePath();
            QStringList stale;
            QStringList branches;
            bool ours = false;
            for (const QString &line : outputLines(list)) {
                if (line.startsWith(u"worktree ")) {
                    const QString path = line.mid(9);
                    const QString canonical = QFileInfo(path).canonicalFilePath();
                    ours = (!root.isEmpty() && canonical.startsWith(root + u'/')) || path.startsWith(m_root + u'/');
                    if (ours)
                        stale.append(path);
                } else if (ours && line.startsWith(u"branch refs/heads/")) {
                    branches.append(line.mid(18));
                }
            }
            QFile record(branchRecord());
            if (record.open(QIODevice::ReadOnly))
                branches += QString::fromUtf8(record.readAll()).split(u'\n', Qt::SkipEmptyParts);
            QStringList ownBranches;
            for (const QString &branch : std::as_const(branches)) {
                if (branch.startsWith(kBranchPrefix) && !ownBranches.contains(branch))
                    ownBranches.append(branch);
            }
            removeStaleWorktrees(stale, ownBranches, 0, done);
        });
}

void Worktrees::removeStaleWorktrees(const QStringList &stale, const QStringList &branches, qsizetype next,
                                     std::function<void()> done)
{
    if (next < stale.size()) {
        m_run.logger().info(u"peal::worktree", QStringLiteral("removing a stale worktree"),
                            {{QStringLiteral("path"), stale[next]}});
        return git(m_top, {QStringLiteral("worktree"), QStringLiteral("remove"), QStringLiteral("--force"), stale[next]},
                   [this, stale, branches, next, done](const ProcessResult &) {
                       removeStaleWorktrees(stale, branches, next + 1, done);
                   });
    }
    QDir(m_root).removeRecursively();
    git(m_top, {QStringLiteral("worktree"), QStringLiteral("prune")}, [this, branches, done](const ProcessResult &) {
        if (branches.isEmpty())
            return done();
        m_run.logger().info(u"peal::worktree", QStringLiteral("removing stale task branches"),
                            {{QStringLiteral("branches"), branches}});
        // Names already gone are reported and skipped; the others are deleted.
        git(m_top, QStringList{QStringLiteral("branch"), QStringLiteral("-D")} + branches,
            [done](const ProcessResult &) { done(); });
    });
}

void Worktrees::snapshot(std::function<void(Result<QString>)> done)
{
    git(m_top, {QStringLiteral("status"), QStringLiteral("--porcelain"), QStringLiteral("--untracked-files=all")},
        [this, done](const ProcessResult &status) {
            if (!status.success())
                return done(gitError(QStringLiteral("git status failed"), status));
            if (status.stdoutText.trimmed().isEmpty()) {
                return git(m_top, {QStringLiteral("rev-parse"), QStringLiteral("--verify"), QStringLiteral("HEAD")},
                           [this, done](const ProcessResult &head) {
                               if (!head.success())
                                   return done(gitError(QStringLiteral("the repository has no commit yet"), head));
                               done(firstLine(head));
                           });
            }
            // Uncommitted changes (earlier tasks without commit_after_phase2): the tasks must see
            // them too. Record the working tree in a commit through a private index.
            const QHash<QString, QString> env{{QStringLiteral("GIT_INDEX_FILE"), m_root + QStringLiteral("/snapshot.index")}};
            git(m_top, {QStringLiteral("read-tree"), QStringLiteral("HEAD")}, [this, done, env](const ProcessResult &read) {
                if (!read.success())
                    return done(gitError(QStringLiteral("cannot snapshot the checkout"), read));
                git(m_top, {QStringLiteral("add"), QStringLiteral("-A")}, [this, done, env](const ProcessResult &add) {
                    if (!add.success())
                        return done(gitError(QStringLiteral("cannot snapshot the checkout"), add));
                    git(m_top, {QStringLiteral("write-tree")}, [this, done](const ProcessResult &tree) {
                        if (!tree.success())
                            return done(gitError(QStringLiteral("cannot snapshot the checkout"), tree));
                        gitCommitting(m_top, {QStringLiteral("commit-tree"), firstLine(tree), QStringLiteral("-p"),
                                              QStringLiteral("HEAD"), QStringLiteral("-m"),
                                              QStringLiteral("peal: the checkout before a parallel block")},
                                      [this, done](const ProcessResult &commit) {
                                          if (!commit.success())
                                              return done(gitError(QStringLiteral("cannot snapshot the checkout"), commit));
                                          done(firstLine(commit));
                                      });
                    }, env);
                }, env);
            }, env);
        });
}

void Worktrees::add(quint32 task, std::function<void(Result<QString>)> done)
{
    // One `git worktree add` at a time: concurrent ones can read each other's half-written
    // administrative files (".git/worktrees/<id>/commondir") and fail. Only registering the
    // worktree is serialised; the checkout of its files, the slow part, runs in parallel.
    m_addQueue.append({task, std::move(done)});
    if (!m_adding)
        addNext();
}

void Worktrees::addNext()
{
    m_adding = !m_addQueue.isEmpty();
    if (!m_adding)
        return;
    PendingAdd next = m_addQueue.takeFirst();
    addWorktree(next.task, [this] { addNext(); }, std::move(next.done));
}

void Worktrees::addWorktree(quint32 task, std::function<void()> registered,
                            std::function<void(Result<QString>)> done)
{
    git(m_top, {QStringLiteral("worktree"), QStringLiteral("add"), QStringLiteral("--quiet"),
                QStringLiteral("--no-checkout"), QStringLiteral("-b"), branchName(task), path(task), m_snapshot},
        [this, task, registered, done](const ProcessResult &added) {
            registered();
            if (!added.success()) {
                if (m_run.isCancelled())
                    return done(interruptedError());
                return done(gitError(QStringLiteral("cannot create the worktree of task %1").arg(task), added));
            }
            m_tasks.append(task);
            recordBranch(branchName(task));
            checkOut(task, done);
        }, {}, task);
}

void Worktrees::checkOut(quint32 task, std::function<void(Result<QString>)> done)
{
    git(path(task), {QStringLiteral("reset"), QStringLiteral("--hard"), QStringLiteral("--quiet")},
        [this, task, done](const ProcessResult &checkedOut) {
            if (!checkedOut.success()) {
                if (m_run.isCancelled())
                    return done(interruptedError());
                return done(gitError(QStringLiteral("cannot check out the worktree of task %1").arg(task), checkedOut));
            }
            // repo_path may lie below the top directory; a directory without tracked files is
            // not checked out, so make it.
            const QString workspace = QDir::cleanPath(path(task) + u'/' + m_prefix);
            if (!QDir().mkpath(workspace))
                return done(Error(Error::Kind::Isolation,
                                  QStringLiteral("Worktree isolation failed: cannot create %1").arg(workspace)));
            m_run.logger().info(u"peal::worktree", QStringLiteral("task worktree ready"),
                                {{QStringLiteral("task_index"), task}, {QStringLiteral("path"), path(task)},
                                 {QStringLiteral("workspace"), workspace}, {QStringLiteral("branch"), branchName(task)}});
            done(workspace);
        }, {}, task);
}

// ---- integrate -------------------------------------------------------------------------

void Worktrees::integrate(const QList<quint32> &succeeded, std::function<void(QHash<quint32, Error>)> done)
{
    m_toMerge = succeeded;
    m_merged.clear();
    m_failed.clear();
    m_current = m_snapshot;
    m_integrated = std::move(done);
    mergeNext(0);
}

void Worktrees::commitTask(quint32 task, std::function<void(Result<std::optional<QString>>)> done)
{
    const QString dir = path(task);
    git(dir, {QStringLiteral("add"), QStringLiteral("-A")}, [this, task, dir, done](const ProcessResult &add) {
        if (!add.success())
            return done(gitError(QStringLiteral("cannot stage the changes of task %1").arg(task), add));
        git(dir, {QStringLiteral("diff"), QStringLiteral("--cached"), QStringLiteral("--quiet")},
            [this, task, dir, done](const ProcessResult &diff) {
                if (diff.success())
                    return done(std::optional<QString>()); // the task changed nothing
                gitCommitting(dir, {QStringLiteral("commit"), QStringLiteral("--quiet"), QStringLiteral("--no-verify"),
                                    QStringLiteral("-m"), QStringLiteral("peal: task %1").arg(task)},
                              [this, task, dir, done](const ProcessResult &commit) {
                                  if (!commit.success())
                                      return done(gitError(QStringLiteral("cannot commit the changes of task %1").arg(task), commit));
                                  git(dir, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")},
                                      [this, task, done](const ProcessResult &head) {
                                          if (!head.success())
                                              return done(gitError(QStringLiteral("cannot read the commit of task %1").arg(task), head));
                                          done(std::optional<QString>(firstLine(head)));
                                      }, {}, task);
                              }, {}, task);
            }, {}, task);
    }, {}, task);
}

void Worktrees::mergeNext(qsizetype next)
{
    if (next >= m_toMerge.size())
        return applyResult();
    const quint32 task = m_toMerge[next];
    commitTask(task, [this, task, next](Result<std::optional<QString>> committed) {
        if (!committed) {
            m_failed.insert(task, committed.error());
            return mergeNext(next + 1);
        }
        if (!*committed)
            return mergeNext(next + 1);
        const QString commit = **committed;
        git(m_top, {QStringLiteral("merge-tree"), QStringLiteral("--write-tree"), QStringLiteral("--name-only"),
                    QStringLiteral("--no-messages"), m_current, commit},
            [this, task, next, commit](const ProcessResult &merge) {
                const QStringList lines = merge.stdoutText.split(u'\n');
                if (merge.ending == ProcessEnding::Exited && merge.exitCode == 1) {
                    QStringList files;
                    for (qsizetype i = 1; i < lines.size() && !lines[i].isEmpty(); ++i)
                        files.append(lines[i]);
                    files.removeDuplicates();
                    m_keep.insert(task, commit);
                    const QString kept = keptBranchName(task);
                    m_failed.insert(task, Error(Error::Kind::Isolation,
                                                QStringLiteral("task %1: its changes conflict with earlier tasks of "
                                                               "the parallel block in %2; its work is kept on branch %3")
                                                    .arg(task)
                                                    .arg(files.join(QStringLiteral(", ")), kept)));
                    m_run.logger().warn(u"peal::worktree", QStringLiteral("task conflicts with earlier tasks"),
                                        {{QStringLiteral("task_index"), task}, {QStringLiteral("files"), files},
                                         {QStringLiteral("branch"), kept}});
                    return mergeNext(next + 1);
                }
                if (!merge.success()) {
                    m_keep.insert(task, commit);
                    m_failed.insert(task, gitError(QStringLiteral("cannot merge task %1 (git 2.38 or newer is needed)").arg(task), merge));
                    return mergeNext(next + 1);
                }
                gitCommitting(m_top, {QStringLiteral("commit-tree"), lines.value(0).trimmed(), QStringLiteral("-p"),
                                      m_current, QStringLiteral("-m"), QStringLiteral("peal: merge task %1").arg(task)},
                              [this, task, next, commit](const ProcessResult &merged) {
                                  if (!merged.success()) {
                                      m_keep.insert(task, commit);
                                      m_failed.insert(task, gitError(QStringLiteral("cannot merge task %1").arg(task), merged));
                                  } else {
                                      m_current = firstLine(merged);
                                      m_merged.append(task);
                                      m_keep.insert(task, commit); // kept until the checkout has it
                                  }
                                  mergeNext(next + 1);
                              }, {}, task);
            }, {}, task);
    });
}

void Worktrees::applyResult()
{
    if (m_current == m_snapshot)
        return finishIntegration();
    const QString patch = m_root + QStringLiteral("/block.patch");
    git(m_top, {QStringLiteral("diff"), QStringLiteral("--binary"), QStringLiteral("--full-index"),
                QStringLiteral("--output=") + patch, m_snapshot, m_current},
        [this, patch](const ProcessResult &diff) {
            const auto failAll = [this](const Error &error) {
                for (quint32 task : std::as_const(m_merged)) {
                    Error e = error;
                    m_failed.insert(task, e.withHint(e.hint() + QStringLiteral("; the work is kept on branch ")
                                                     + keptBranchName(task)));
                }
                m_merged.clear();
                finishIntegration();
            };
            if (!diff.success())
                return failAll(gitError(QStringLiteral("cannot diff the block's changes"), diff));
            // Applied as plain changes, like an agent's edits: all or nothing (git apply checks
            // every hunk before it writes), so a refusal leaves the checkout as it was.
            git(m_top, {QStringLiteral("apply"), QStringLiteral("--whitespace=nowarn"), patch},
                [this, failAll](const ProcessResult &applied) {
                    if (!applied.success())
                        return failAll(gitError(QStringLiteral("the checkout changed during the block; "
                                                               "cannot apply the block's changes"), applied));
                    for (quint32 task : std::as_const(m_merged))
                        m_keep.remove(task);
                    m_run.logger().info(u"peal::worktree", QStringLiteral("parallel block merged into the checkout"),
                                        {{QStringLiteral("tasks"), Text::debugList(m_merged)}});
                    finishIntegration();
                });
        });
}

void Worktrees::finishIntegration()
{
    QFile::remove(m_root + QStringLiteral("/block.patch"));
    auto done = std::exchange(m_integrated, nullptr);
    done(m_failed);
}

// ---- clean up --------------------------------------------------------------------------

void Worktrees::cleanUp(std::function<void()> done)
{
    cleanUpTask(0, std::move(done));
}

void Worktrees::cleanUpTask(qsizetype next, std::function<void()> done)
{
    if (next >= m_tasks.size()) {
        return git(m_top, {QStringLiteral("worktree"), QStringLiteral("prune")}, [this, done](const ProcessResult &) {
            QFile::remove(m_root + QStringLiteral("/snapshot.index"));
            QFile::remove(branchRecord());
            QDir().rmdir(m_root);
            done();
        });
    }
    const quint32 task = m_tasks[next];
    git(m_top, {QStringLiteral("worktree"), QStringLiteral("remove"), QStringLiteral("--force"), path(task)},
        [this, task, next, done](const ProcessResult &) {
            const QStringList args = m_keep.contains(task)
                ? QStringList{QStringLiteral("branch"), QStringLiteral("-M"), branchName(task), keptBranchName(task)}
                : QStringList{QStringLiteral("branch"), QStringLiteral("-D"), branchName(task)};
            git(m_top, args, [this, next, done](const ProcessResult &) { cleanUpTask(next + 1, done); }, {}, task);
        }, {}, task);
}

QString Worktrees::keptBranchName(quint32 task) const
{
    return QStringLiteral("peal/conflict-task-%1-%2").arg(task).arg(m_keep.value(task).left(7));
}

} // namespace Peal::Internal
