// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/processstep.h"

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
 *
 * Each operation is a recipe step (recipe.h) for the parallel block's recipe; every git call
 * is one leaf, started through the run's limiter, so a cancel ends it at once.
 */
class PEAL_EXPORT Worktrees : public QObject
{
    Q_OBJECT

public:
    Worktrees(RunContext &run, QObject *parent = nullptr);

    // Finds the work tree, removes what a crashed run left and snapshots the checkout.
    Step prepare();
    // Takes the snapshot again: the checkout as it is now, for the worktrees added next and the
    // next integrate() (a graph plan's tasks start and merge one by one).
    Step snapshot();
    // Adds the worktree of `task` (as its stream starts) and sets `*workspace` (which outlives
    // the step) to the directory the task works in: repo_path's place inside the worktree.
    Step add(quint32 task, QString *workspace);
    // The worktree's top directory.
    QString path(quint32 task) const;

    // Brings the changes of `succeeded` (in this order) into the checkout. The step fails only
    // when interrupted; tasks that could not be merged are in failures() with their error, the
    // others' changes are in the checkout.
    Step integrate(const QList<quint32> &succeeded);
    const QHash<quint32, Error> &failures() const { return m_failed; }

    // Removes the block's worktrees and branches, keeping the branches of failed merges under
    // "peal/conflict-task-<i>-<sha>". Best effort.
    Step cleanUp();

    // The branch a task works on.
    static QString branchName(quint32 task);

private:
    // A git call of the worktrees as a step (processstep.h).
    Step git(const QString &name, std::function<GitCall()> call, ProcessCheck check = {});
    Error gitError(const QString &what, const ProcessResult &r) const;

    Step removeStale();
    Step snapshotChanges();
    Step mergeTask(quint32 task);
    Step applyResult();
    // The serialised part of add(): one `git worktree add` at a time.
    Step waitToRegister();
    void registered();
    QString keptBranchName(quint32 task) const;
    QString branchRecord() const;
    void recordBranch(const QString &branch);

    RunContext &m_run;
    QString m_root;       // <state_dir>/worktrees, absolute
    QString m_top;        // the work tree's top directory
    QString m_prefix;     // repo_path relative to m_top ("" or "sub/dir/")
    QString m_snapshot;   // the commit every worktree starts from
    QList<quint32> m_tasks; // tasks whose worktree was added, in that order

    // prepare() state
    QStringList m_stale;         // worktrees a crashed run left
    QStringList m_staleBranches; // and their branches
    bool m_dirty = false;        // the checkout has uncommitted changes
    QString m_tree;              // their tree

    // add() state: registrations wait for the one `git worktree add` in flight
    bool m_registering = false;
    QList<StepHandle> m_waiting;

    // integrate() state
    QList<quint32> m_merged;
    QString m_current;    // the merge result so far
    QHash<quint32, Error> m_failed;
    QHash<quint32, QString> m_keep; // task -> commit of a branch to keep
};

} // namespace Peal::Internal
