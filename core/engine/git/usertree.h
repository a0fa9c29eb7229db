// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/recipe.h"

#include <QList>
#include <QObject>
#include <QStringList>

namespace Peal::Internal {

class RunContext;

/*
 * The user's uncommitted work against peal's commits (commit_after_phase2 only).
 *
 * Before anything runs, `git status` lists the changes in the work tree; peal's own files (its
 * state directory, the reviewer's `.review/`) never count. Changes that peal did not make stop
 * the run, unless allow_dirty is set: then they are left out of every commit peal makes.
 *
 * `<state_dir>/tree.json` tells a resumed run which changes are peal's own. It names the plan
 * and repository, the commit the tree stood on when peal last changed it, the tasks that may
 * have left edits since (set when a segment starts, cleared when its tasks are committed and
 * done), the user's paths, and - written when a run ends with such tasks - a snapshot of the
 * work tree (a git tree object made through a private index). A resumed run of the same plan,
 * on the same commit, takes a change as peal's when it is not one of the user's paths and is
 * unchanged since that snapshot; a change made after peal stopped is the user's. Without a
 * snapshot (peal was killed) every change outside the user's paths is taken as peal's, and
 * the run says so. Once HEAD has moved (a commit of the user's), nothing is assumed.
 */
class UserTree
{
public:
    // The check as steps; its error stops the run. `reviewerDirs` are the reviewer's
    // root-anchored patterns ("/.review/"). A dry run reports instead of failing and writes
    // nothing.
    Step check(RunContext &run, QObject *context, const QStringList &reviewerDirs, bool dryRun);

    // The arguments for `git add -A` and `git commit` that leave the user's paths out (a
    // pathspec file, so that any number of paths fits), or nothing when there are none (the
    // reference's plain `git add -A`).
    QStringList commitPathspec() const;

    // The changes in the work tree that the check accepted: what an interrupted run of peal left,
    // the user's own with allow_dirty (from the top of the work tree).
    const QStringList &acceptedChanges() const { return m_dirty; }
    // A segment's tasks are about to edit the tree.
    void tasksStarting(const QList<quint32> &tasks);
    // peal made a commit; the tree now stands on `head`.
    void committed(const QString &head);
    // The commit the tree stood on when the check ran or peal last committed.
    const QString &head() const { return m_head; }
    // The tasks that were editing are completed and committed: no change of theirs is left.
    void tasksSettled();
    // At the end of a run: when tasks may have left edits, records the work tree as it is, so
    // that the next run can tell those edits from later ones. Failures are not errors.
    Step recordLeftovers(RunContext &run, QObject *context);

    // Up to `limit` paths, comma separated, and "(and N more)".
    static QString listPaths(const QStringList &paths, int limit = 5);

private:
    struct Record;
    // After `git status`: what a recorded run left tells which changes are peal's.
    Step classify(RunContext &run, QObject *context, bool dryRun);
    // `changedSince`: the paths changed since the recorded snapshot (`recorded`), or every path
    // when nothing can be taken as peal's.
    Result<void> decide(RunContext &run, const QStringList &changedSince, bool recorded, bool dryRun);
    // The work tree as a git tree object (through a private index) into `*tree`, or empty on
    // failure; never fails.
    Step snapshot(RunContext &run, QObject *context, QString *tree);
    void save() const;

    bool m_active = false;     // commit_after_phase2 and not a dry run: the record is kept
    QString m_recordPath;
    QString m_top;             // the top of the work tree
    QStringList m_own;         // prefixes of peal's and the reviewer's directories
    QString m_plan;
    QString m_repo;
    QString m_head;
    QList<quint32> m_tasks;
    QStringList m_userPaths;   // relative to the top of the work tree
    QStringList m_dirty;       // changed paths that are not peal's own files, as the check found them
    QString m_now;             // the work tree as the check found it (a tree object), when compared
    QString m_snapshot;        // tree object of the work tree when the run ended, or empty
    QString m_pathspecFile;    // the user's paths as a pathspec file for git, when there are any
};


} // namespace Peal::Internal
