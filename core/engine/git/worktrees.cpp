// SPDX-License-Identifier: MIT
#include "git/worktrees.h"

#include <peal/textutil.h>

#include <QDir>
#include <QFileInfo>

namespace Peal::Internal {

namespace {

const QString kBranchPrefix = QStringLiteral("peal/task-");

QStringList outputLines(const ProcessResult &r)
{
    return r.stdoutText.split(u'\n', Qt::SkipEmptyParts);
}

} // namespace

Worktrees::Worktrees(RunContext &run, QObject *parent)
    : QObject(parent), m_run(run),
      m_root(QDir::cleanPath(run.config().worktreeRoot
                                 // peal's own directory in it: the root is cleared at each start
                                 ? QFileInfo(*run.config().worktreeRoot).absoluteFilePath() + QStringLiteral("/peal-worktrees")
                                 : QFileInfo(StateStore::directory(run.config().stateDir)).absoluteFilePath()
                                       + QStringLiteral("/worktrees")))
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

Step Worktrees::git(const QString &name, std::function<GitCall()> call, ProcessCheck check)
{
    return gitStep(m_run, this, name, [call = std::move(call)] {
        GitCall c = call();
        c.label = QStringLiteral("git (worktrees)");
        return c;
    }, std::move(check));
}

Error Worktrees::gitError(const QString &what, const ProcessResult &r) const
{
    return Error(Error::Kind::Isolation, QStringLiteral("worktree isolation failed: %1").arg(what),
                 r.failedToStart() ? r.errorString : Text::firstLine(r.stderrText));
}

// ---- prepare ---------------------------------------------------------------------------

Step Worktrees::prepare()
{
    const auto makeRoot = [this]() -> Result<void> {
        if (!QDir().mkpath(m_root))
            return Error(Error::Kind::Isolation, QStringLiteral("worktree isolation failed: cannot create %1").arg(m_root));
        return {};
    };
    return sequenceStep(QStringLiteral("prepare worktrees"), {
        git(QStringLiteral("find the work tree"),
            [this] {
                return GitCall{m_run.config().repoPath,
                               {QStringLiteral("rev-parse"), QStringLiteral("--show-toplevel"), QStringLiteral("--show-prefix")}};
            },
            [this](const ProcessResult &top) -> Result<void> {
                if (!top.success())
                    return gitError(QStringLiteral("cannot find the work tree"), top);
                // Two lines: the top directory, then repo_path below it (an empty line at the top).
                const QStringList lines = top.stdoutText.split(u'\n');
                m_top = lines.value(0).trimmed();
                m_prefix = lines.value(1).trimmed();
                return {};
            }),
        removeStale(),
        syncStep(QStringLiteral("make the worktree root"), makeRoot),
        snapshot(),
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

Step Worktrees::removeStale()
{
    // What a crashed run left: the worktrees git still lists under our root with their branches,
    // and the branches this directory records. A user's own peal/task-* branch is neither.
    const auto findStale = [this](const ProcessResult &list) -> Result<void> {
        const QString root = QFileInfo(m_root).canonicalFilePath();
        QStringList branches;
        bool ours = false;
        m_stale.clear();
        for (const QString &line : outputLines(list)) {
            if (line.startsWith(u"worktree ")) {
                const QString path = line.mid(9);
                const QString canonical = QFileInfo(path).canonicalFilePath();
                ours = (!root.isEmpty() && canonical.startsWith(root + u'/')) || path.startsWith(m_root + u'/');
                if (ours)
                    m_stale.append(path);
            } else if (ours && line.startsWith(u"branch refs/heads/")) {
                branches.append(line.mid(18));
            }
        }
        QFile record(branchRecord());
        if (record.open(QIODevice::ReadOnly))
            branches += QString::fromUtf8(record.readAll()).split(u'\n', Qt::SkipEmptyParts);
        m_staleBranches.clear();
        for (const QString &branch : std::as_const(branches)) {
            if (branch.startsWith(kBranchPrefix) && !m_staleBranches.contains(branch))
                m_staleBranches.append(branch);
        }
        return {};
    };
    return sequenceStep(QStringLiteral("remove what a crashed run left"), {
        git(QStringLiteral("list worktrees"),
            [this] { return GitCall{m_top, {QStringLiteral("worktree"), QStringLiteral("list"), QStringLiteral("--porcelain")}}; },
            findStale),
        deferredStep(QStringLiteral("remove stale worktrees"), [this] {
            QList<Step> removals;
            for (const QString &stale : std::as_const(m_stale)) {
                removals << git(QStringLiteral("remove a stale worktree"), [this, stale] {
                    m_run.logger().info(u"peal::worktree", QStringLiteral("removing a stale worktree"),
                                        {{QStringLiteral("path"), stale}});
                    return GitCall{m_top, {QStringLiteral("worktree"), QStringLiteral("remove"), QStringLiteral("--force"), stale}};
                });
            }
            return sequenceStep(QStringLiteral("stale worktrees"), removals);
        }),
        syncStep(QStringLiteral("clear the worktree root"), [this] {
            QDir(m_root).removeRecursively();
            return Result<void>();
        }),
        git(QStringLiteral("prune worktrees"),
            [this] { return GitCall{m_top, {QStringLiteral("worktree"), QStringLiteral("prune")}}; }),
        deferredStep(QStringLiteral("remove stale branches"), [this] {
            if (m_staleBranches.isEmpty())
                return emptyStep(QStringLiteral("nothing"));
            // Names already gone are reported and skipped; the others are deleted.
            return git(QStringLiteral("delete stale branches"), [this] {
                m_run.logger().info(u"peal::worktree", QStringLiteral("removing stale task branches"),
                                    {{QStringLiteral("branches"), m_staleBranches}});
                return GitCall{m_top, QStringList{QStringLiteral("branch"), QStringLiteral("-D")} + m_staleBranches};
            });
        }),
    });
}

Step Worktrees::snapshot()
{
    return sequenceStep(QStringLiteral("snapshot the checkout"), {
        git(QStringLiteral("status"),
            [this] {
                return GitCall{m_top, {QStringLiteral("status"), QStringLiteral("--porcelain"), QStringLiteral("--untracked-files=all")}};
            },
            [this](const ProcessResult &status) -> Result<void> {
                if (!status.success())
                    return gitError(QStringLiteral("git status failed"), status);
                m_dirty = !status.stdoutText.trimmed().isEmpty();
                return {};
            }),
        deferredStep(QStringLiteral("snapshot"), [this] {
            if (m_dirty)
                return snapshotChanges();
            return git(QStringLiteral("read HEAD"),
                       [this] { return GitCall{m_top, {QStringLiteral("rev-parse"), QStringLiteral("--verify"), QStringLiteral("HEAD")}}; },
                       [this](const ProcessResult &head) -> Result<void> {
                           if (!head.success())
                               return gitError(QStringLiteral("the repository has no commit yet"), head);
                           m_snapshot = gitFirstLine(head);
                           return {};
                       });
        }),
    });
}

Step Worktrees::snapshotChanges()
{
    // Uncommitted changes (earlier tasks without commit_after_phase2): the tasks must see them
    // too. Record the working tree in a commit through a private index.
    const QHash<QString, QString> env{{QStringLiteral("GIT_INDEX_FILE"), m_root + QStringLiteral("/snapshot.index")}};
    const auto succeeded = [this](const ProcessResult &r) -> Result<void> {
        if (!r.success())
            return gitError(QStringLiteral("cannot snapshot the checkout"), r);
        return {};
    };
    return sequenceStep(QStringLiteral("snapshot the changes"), {
        git(QStringLiteral("read HEAD's tree"),
            [this, env] { return GitCall{m_top, {QStringLiteral("read-tree"), QStringLiteral("HEAD")}, env}; }, succeeded),
        git(QStringLiteral("stage the changes"),
            [this, env] { return GitCall{m_top, {QStringLiteral("add"), QStringLiteral("-A")}, env}; }, succeeded),
        git(QStringLiteral("write their tree"),
            [this, env] { return GitCall{m_top, {QStringLiteral("write-tree")}, env}; },
            [this, succeeded](const ProcessResult &tree) -> Result<void> {
                m_tree = gitFirstLine(tree);
                return succeeded(tree);
            }),
        git(QStringLiteral("commit their tree"),
            [this] {
                return GitCall{m_top,
                               {QStringLiteral("commit-tree"), m_tree, QStringLiteral("-p"), QStringLiteral("HEAD"),
                                QStringLiteral("-m"), QStringLiteral("peal: the checkout before a parallel block")},
                               {}, {}, true};
            },
            [this, succeeded](const ProcessResult &commit) -> Result<void> {
                m_snapshot = gitFirstLine(commit);
                return succeeded(commit);
            }),
    });
}

// ---- add -------------------------------------------------------------------------------

Step Worktrees::waitToRegister()
{
    // One `git worktree add` at a time: concurrent ones can read each other's half-written
    // administrative files (".git/worktrees/<id>/commondir") and fail. Only registering the
    // worktree is serialised; the checkout of its files, the slow part, runs in parallel.
    return leafStep(QStringLiteral("wait to register"), [this](const StepHandle &step) {
        if (!std::exchange(m_registering, true))
            return step.done();
        m_waiting.append(step);
    });
}

void Worktrees::registered()
{
    // The next waiting registration that was not cancelled meanwhile goes on.
    while (!m_waiting.isEmpty()) {
        const StepHandle next = m_waiting.takeFirst();
        if (next.isActive())
            return next.done();
    }
    m_registering = false;
}

Step Worktrees::add(quint32 task, QString *workspace)
{
    return sequenceStep(QStringLiteral("add the worktree of task %1").arg(task), {
        waitToRegister(),
        git(QStringLiteral("register the worktree"),
            [this, task] {
                return GitCall{m_top,
                               {QStringLiteral("worktree"), QStringLiteral("add"), QStringLiteral("--quiet"),
                                QStringLiteral("--no-checkout"), QStringLiteral("-b"), branchName(task), path(task), m_snapshot},
                               {}, task};
            },
            [this, task](const ProcessResult &added) -> Result<void> {
                registered();
                if (!added.success())
                    return gitError(QStringLiteral("cannot create the worktree of task %1").arg(task), added);
                m_tasks.append(task);
                recordBranch(branchName(task));
                return {};
            }),
        git(QStringLiteral("check out the worktree"),
            [this, task] { return GitCall{path(task), {QStringLiteral("reset"), QStringLiteral("--hard"), QStringLiteral("--quiet")}, {}, task}; },
            [this, task, workspace](const ProcessResult &checkedOut) -> Result<void> {
                if (!checkedOut.success())
                    return gitError(QStringLiteral("cannot check out the worktree of task %1").arg(task), checkedOut);
                // repo_path may lie below the top directory; a directory without tracked files
                // is not checked out, so make it.
                const QString dir = QDir::cleanPath(path(task) + u'/' + m_prefix);
                if (!QDir().mkpath(dir))
                    return Error(Error::Kind::Isolation, QStringLiteral("worktree isolation failed: cannot create %1").arg(dir));
                m_run.logger().info(u"peal::worktree", QStringLiteral("task worktree ready"),
                                    {{QStringLiteral("task_index"), task}, {QStringLiteral("path"), path(task)},
                                     {QStringLiteral("workspace"), dir}, {QStringLiteral("branch"), branchName(task)}});
                *workspace = dir;
                return {};
            }),
    });
}

// ---- integrate -------------------------------------------------------------------------

Step Worktrees::integrate(const QList<quint32> &succeeded)
{
    // Built as it starts: the merges begin at the snapshot that prepare() took.
    return deferredStep(QStringLiteral("integrate the block"), [this, succeeded] {
        m_merged.clear();
        m_failed.clear();
        m_current = m_snapshot;
        QList<Step> steps;
        for (quint32 task : succeeded) {
            // A task that cannot be merged fails alone; the next ones are still merged.
            steps << mergeTask(task).onDone([this, task](const Result<void> &merged) -> Result<void> {
                if (!merged && merged.error().kind() != Error::Kind::Interrupted) {
                    m_failed.insert(task, merged.error());
                    return {};
                }
                return merged;
            });
        }
        steps << deferredStep(QStringLiteral("apply the block's changes"), [this] {
            return m_current == m_snapshot ? emptyStep(QStringLiteral("nothing")) : applyResult();
        });
        steps << syncStep(QStringLiteral("remove the patch"), [this] {
            QFile::remove(m_root + QStringLiteral("/block.patch"));
            return Result<void>();
        });
        return sequenceStep(QStringLiteral("integrate the block"), steps);
    });
}

Step Worktrees::mergeTask(quint32 task)
{
    struct Merge
    {
        bool changed = false;
        QString commit; // the task's commit on its branch
        QString tree;   // merged with the result so far
    };
    auto merge = std::make_shared<Merge>();
    const QString dir = path(task);
    const Step commitAndMerge = sequenceStep(QStringLiteral("merge task %1").arg(task), {
        git(QStringLiteral("commit the task's changes"),
            [dir, task] {
                return GitCall{dir,
                               {QStringLiteral("commit"), QStringLiteral("--quiet"), QStringLiteral("--no-verify"),
                                QStringLiteral("-m"), commitMessage(task)},
                               {}, task, true};
            },
            [this, task](const ProcessResult &commit) -> Result<void> {
                if (!commit.success())
                    return gitError(QStringLiteral("cannot commit the changes of task %1").arg(task), commit);
                return {};
            }),
        git(QStringLiteral("read the task's commit"),
            [dir, task] { return GitCall{dir, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")}, {}, task}; },
            [this, task, merge](const ProcessResult &head) -> Result<void> {
                if (!head.success())
                    return gitError(QStringLiteral("cannot read the commit of task %1").arg(task), head);
                merge->commit = gitFirstLine(head);
                return {};
            }),
        git(QStringLiteral("merge the task's commit"),
            [this, task, merge] {
                return GitCall{m_top,
                               {QStringLiteral("merge-tree"), QStringLiteral("--write-tree"), QStringLiteral("--name-only"),
                                QStringLiteral("--no-messages"), m_current, merge->commit},
                               {}, task};
            },
            [this, task, merge](const ProcessResult &merged) -> Result<void> {
                const QStringList lines = merged.stdoutText.split(u'\n');
                m_keep.insert(task, merge->commit); // kept until the checkout has it
                if (merged.ending == ProcessEnding::Exited && merged.exitCode == 1) {
                    QStringList files;
                    for (qsizetype i = 1; i < lines.size() && !lines[i].isEmpty(); ++i)
                        files.append(lines[i]);
                    files.removeDuplicates();
                    const QString kept = keptBranchName(task);
                    m_run.logger().warn(u"peal::worktree", QStringLiteral("task conflicts with earlier tasks"),
                                        {{QStringLiteral("task_index"), task}, {QStringLiteral("files"), files},
                                         {QStringLiteral("branch"), kept}});
                    return Error(Error::Kind::Isolation,
                                 QStringLiteral("task %1: its changes conflict with earlier tasks of the parallel block "
                                                "in %2; its work is kept on branch %3")
                                     .arg(task)
                                     .arg(files.join(QStringLiteral(", ")), kept));
                }
                if (!merged.success())
                    return gitError(QStringLiteral("cannot merge task %1 (git 2.38 or newer is needed)").arg(task), merged);
                merge->tree = lines.value(0).trimmed();
                return {};
            }),
        git(QStringLiteral("commit the merge"),
            [this, task, merge] {
                return GitCall{m_top,
                               {QStringLiteral("commit-tree"), merge->tree, QStringLiteral("-p"), m_current,
                                QStringLiteral("-m"), commitMessage(task, QStringLiteral("merge"))},
                               {}, task, true};
            },
            [this, task](const ProcessResult &merged) -> Result<void> {
                if (!merged.success())
                    return gitError(QStringLiteral("cannot merge task %1").arg(task), merged);
                m_current = gitFirstLine(merged);
                m_merged.append(task);
                return {};
            }),
    });
    return sequenceStep(QStringLiteral("task %1").arg(task), {
        git(QStringLiteral("stage the task's changes"),
            [dir, task] { return GitCall{dir, {QStringLiteral("add"), QStringLiteral("-A")}, {}, task}; },
            [this, task](const ProcessResult &add) -> Result<void> {
                if (!add.success())
                    return gitError(QStringLiteral("cannot stage the changes of task %1").arg(task), add);
                return {};
            }),
        git(QStringLiteral("look for changes"),
            [dir, task] { return GitCall{dir, {QStringLiteral("diff"), QStringLiteral("--cached"), QStringLiteral("--quiet")}, {}, task}; },
            [merge](const ProcessResult &diff) -> Result<void> {
                merge->changed = !diff.success(); // exit 0: the task changed nothing
                return {};
            }),
        deferredStep(QStringLiteral("merge"), [merge, commitAndMerge] { return merge->changed ? commitAndMerge : emptyStep(QStringLiteral("nothing")); }),
    });
}

Step Worktrees::applyResult()
{
    const QString patch = m_root + QStringLiteral("/block.patch");
    const Step apply = sequenceStep(QStringLiteral("apply"), {
        git(QStringLiteral("diff the block's changes"),
            [this, patch] {
                return GitCall{m_top, {QStringLiteral("diff"), QStringLiteral("--binary"), QStringLiteral("--full-index"),
                                       QStringLiteral("--output=") + patch, m_snapshot, m_current}};
            },
            [this](const ProcessResult &diff) -> Result<void> {
                if (!diff.success())
                    return gitError(QStringLiteral("cannot diff the block's changes"), diff);
                return {};
            }),
        // Applied as plain changes, like an agent's edits: all or nothing (git apply checks
        // every hunk before it writes), so a refusal leaves the checkout as it was.
        git(QStringLiteral("apply the block's changes"),
            [this, patch] { return GitCall{m_top, {QStringLiteral("apply"), QStringLiteral("--whitespace=nowarn"), patch}}; },
            [this](const ProcessResult &applied) -> Result<void> {
                if (!applied.success())
                    return gitError(QStringLiteral("the checkout changed during the block; cannot apply the block's changes"), applied);
                for (quint32 task : std::as_const(m_merged))
                    m_keep.remove(task);
                m_run.logger().info(u"peal::worktree", QStringLiteral("parallel block merged into the checkout"),
                                    {{QStringLiteral("tasks"), Text::debugList(m_merged)}});
                return {};
            }),
    });
    // Changes that cannot reach the checkout fail every merged task; their work stays on
    // their branches.
    return Step(apply).onDone([this](const Result<void> &applied) -> Result<void> {
        if (applied || applied.error().kind() == Error::Kind::Interrupted)
            return applied;
        for (quint32 task : std::as_const(m_merged)) {
            Error e = applied.error();
            m_failed.insert(task, e.withHint(e.hint() + QStringLiteral("; the work is kept on branch ") + keptBranchName(task)));
        }
        m_merged.clear();
        return {};
    });
}

// ---- clean up --------------------------------------------------------------------------

Step Worktrees::cleanUp()
{
    return deferredStep(QStringLiteral("clean up worktrees"), [this] {
        QList<Step> steps;
        for (quint32 task : std::as_const(m_tasks)) {
            steps << git(QStringLiteral("remove the worktree"), [this, task] {
                return GitCall{m_top, {QStringLiteral("worktree"), QStringLiteral("remove"), QStringLiteral("--force"), path(task)}, {}, task};
            });
            steps << git(QStringLiteral("remove the branch"), [this, task] {
                const QStringList args = m_keep.contains(task)
                    ? QStringList{QStringLiteral("branch"), QStringLiteral("-M"), branchName(task), keptBranchName(task)}
                    : QStringList{QStringLiteral("branch"), QStringLiteral("-D"), branchName(task)};
                return GitCall{m_top, args, {}, task};
            });
        }
        steps << git(QStringLiteral("prune worktrees"),
                     [this] { return GitCall{m_top, {QStringLiteral("worktree"), QStringLiteral("prune")}}; });
        steps << syncStep(QStringLiteral("remove the records"), [this] {
            QFile::remove(m_root + QStringLiteral("/snapshot.index"));
            QFile::remove(m_root + QStringLiteral("/block.patch"));
            QFile::remove(branchRecord());
            QDir().rmdir(m_root);
            return Result<void>();
        });
        // Best effort: one failing command does not keep the others from running.
        return sequenceStep(QStringLiteral("clean up"), steps, Step::OnError::Continue);
    });
}

QString Worktrees::keptBranchName(quint32 task) const
{
    return QStringLiteral("peal/conflict-task-%1-%2").arg(task).arg(m_keep.value(task).left(7));
}

} // namespace Peal::Internal
