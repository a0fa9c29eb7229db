// SPDX-License-Identifier: MIT
#pragma once

#include "runcontext.h"

#include <QHash>

namespace Peal::Internal {

/*
 * Isolation for a parallel block (isolation = "worktree", docs/parallel.md). Every task of the
 * block works in its own git worktree, on its own branch, created when the task's stream starts
 * from a snapshot of the checkout taken as the block starts (HEAD plus any uncommitted changes).
 * A task works where repo_path lies inside its worktree. When the block's streams
 * have ended, each successful task's changes are committed on its branch and merged, in task
 * order, into one result (`git merge-tree`, which touches no working tree); the result is then
 * applied to the checkout as ordinary changes, so committing stays the reference's business.
 * A task whose changes conflict with earlier ones fails and its branch is kept for the user.
 *
 * Everything lives under <state_dir>/worktrees, which also records the branches peal created;
 * what a crashed run left there (worktrees, and only those branches) is removed before a new
 * block starts. Internal commits use a fixed identity and never reach the user's branch.
 */
class Worktrees : public QObject
{
    Q_OBJECT

public:
    Worktrees(RunContext &run, QObject *parent = nullptr);

    // Finds the work tree, removes what a crashed run left and snapshots the checkout.
    void prepare(std::function<void(Result<void>)> done);
    // Adds the worktree of `task` (as its stream starts); `done` gets the directory the task
    // works in: repo_path's place inside the worktree.
    void add(quint32 task, std::function<void(Result<QString>)> done);
    // The worktree's top directory.
    QString path(quint32 task) const;

    // Brings the changes of `succeeded` (in this order) into the checkout. Tasks that could not
    // be merged come back with their error; the others' changes are in the checkout.
    void integrate(const QList<quint32> &succeeded,
                   std::function<void(QHash<quint32, Error> failed)> done);

    // Removes the block's worktrees and branches, keeping the branches of failed merges under
    // "peal/conflict-task-<i>-<sha>". Best effort.
    void cleanUp(std::function<void()> done);

    // The branch a task works on.
    static QString branchName(quint32 task);

private:
    using Next = std::function<void(const ProcessResult &)>;
    // `git -C <dir> <args>` through the run's limiter; `task` names the task in the log.
    void git(const QString &dir, const QStringList &args, Next next, const QHash<QString, QString> &env = {},
             std::optional<quint32> task = {});
    // The same with the fixed identity of internal commits.
    void gitCommitting(const QString &dir, const QStringList &args, Next next,
                       const QHash<QString, QString> &env = {}, std::optional<quint32> task = {});
    static QString firstLine(const ProcessResult &r);
    Error gitError(const QString &what, const ProcessResult &r) const;

    void removeStale(std::function<void()> done);
    void removeStaleWorktrees(const QStringList &stale, const QStringList &branches, qsizetype next,
                              std::function<void()> done);
    void cleanUpTask(qsizetype next, std::function<void()> done);
    QString keptBranchName(quint32 task) const;
    QString branchRecord() const;
    void recordBranch(const QString &branch);
    void snapshot(std::function<void(Result<QString>)> done);
    void addNext();
    // Registers the worktree (`registered` lets the next one go), then checks it out.
    void addWorktree(quint32 task, std::function<void()> registered, std::function<void(Result<QString>)> done);
    void checkOut(quint32 task, std::function<void(Result<QString>)> done);
    void mergeNext(qsizetype next);
    void commitTask(quint32 task, std::function<void(Result<std::optional<QString>>)> done);
    void applyResult();
    void finishIntegration();

    RunContext &m_run;
    QString m_root;       // <state_dir>/worktrees, absolute
    QString m_top;        // the work tree's top directory
    QString m_prefix;     // repo_path relative to m_top ("" or "sub/dir/")
    QString m_snapshot;   // the commit every worktree starts from
    QList<quint32> m_tasks; // tasks whose worktree was added, in that order

    // add() state: requests wait for the one `git worktree add` in flight
    struct PendingAdd
    {
        quint32 task;
        std::function<void(Result<QString>)> done;
    };
    QList<PendingAdd> m_addQueue;
    bool m_adding = false;

    // integrate() state
    QList<quint32> m_toMerge;
    QList<quint32> m_merged;
    QString m_current;    // the merge result so far
    QHash<quint32, Error> m_failed;
    QHash<quint32, QString> m_keep; // task -> commit of a branch to keep
    std::function<void(QHash<quint32, Error>)> m_integrated;
};

} // namespace Peal::Internal
