// SPDX-License-Identifier: MIT
#pragma once

#include <peal/result.h>

#include <QList>
#include <QObject>
#include <QStringList>

#include <functional>

namespace Peal::Internal {

class RunContext;

/*
 * The user's uncommitted work against peal's commits (commit_after_phase2 only).
 *
 * Before anything runs, `git status` lists the changes in the work tree; peal's own files (its
 * state directory, the reviewer's `.review/`) never count. Changes that peal did not make stop
 * the run, unless allow_dirty is set: then they are left out of every commit peal makes.
 *
 * `<state_dir>/tree.json` tells a resumed run which changes are peal's own: the commit the
 * tree stood on when peal last changed it, the tasks that may have left edits since (set when
 * a segment starts, cleared when its tasks are committed and done) and the user's paths. When
 * HEAD is still that commit, every change outside the user's paths was left by those tasks,
 * and the run goes on with it. Once HEAD has moved (a commit of the user's), nothing is
 * assumed: every change counts as the user's again.
 */
class UserTree
{
public:
    // Runs the check; `done` gets the error that stops the run. `reviewerDirs` are the
    // reviewer's root-anchored patterns ("/.review/"). A dry run reports instead of failing and
    // writes nothing.
    void check(RunContext &run, QObject *context, const QStringList &reviewerDirs, bool dryRun,
               std::function<void(Result<void>)> done);

    // The pathspec for `git add -A` and `git commit` that leaves the user's paths out, or
    // nothing when there are none (the reference's plain `git add -A`).
    QStringList commitPathspec() const;

    // A segment's tasks are about to edit the tree.
    void tasksStarting(const QList<quint32> &tasks);
    // peal made a commit; the tree now stands on `head`.
    void committed(const QString &head);
    // The tasks that were editing are completed and committed: no change of theirs is left.
    void tasksSettled();

    // Up to `limit` paths, comma separated, and "(and N more)".
    static QString listPaths(const QStringList &paths, int limit = 5);

private:
    void inspect(RunContext &run, QObject *context, const QString &top, const QStringList &own,
                 bool dryRun, std::function<void(Result<void>)> done);
    void save() const;

    bool m_active = false;     // commit_after_phase2 and not a dry run: the record is kept
    QString m_recordPath;
    QString m_head;
    QList<quint32> m_tasks;
    QStringList m_userPaths;   // relative to the top of the work tree
};

// Paths of `git status --porcelain -z --no-renames` output, relative to the work tree's top.
PEAL_EXPORT QStringList statusPaths(const QString &porcelainZ);

} // namespace Peal::Internal
