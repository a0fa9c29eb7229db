// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/processstep.h"

namespace Peal::Internal {

/*
 * Keeps files that belong to peal or to the reviewer out of the user's commits and out of
 * `git status` by adding them to the repository's info/exclude file (local, never committed):
 * the reviewer's state (stet's `.review/`) would otherwise be committed by
 * commit_after_phase2 and make its next `stet start` refuse a dirty tree; a state directory
 * inside the repository (the default `.peal` when peal runs from the repository root) would
 * be committed with every task.
 *
 * `patterns` are root-anchored gitignore patterns ("/.review/"); each of `directories` (relative
 * to the current directory) is added as one when it lies inside the work tree. Patterns already
 * present are not added twice. Failures are logged and never stop the run.
 */
Step excludeFromGit(RunContext &run, QObject *context, const QStringList &patterns, const QStringList &directories);

// The root-anchored pattern for `path` when it lies strictly inside `workTree` (both absolute),
// else nothing. The deepest existing ancestor of `path` is resolved like `workTree` is.
PEAL_EXPORT std::optional<QString> workTreePattern(const QString &workTree, const QString &path);

} // namespace Peal::Internal
