// SPDX-License-Identifier: MIT
#pragma once

#include "runcontext.h"

namespace Peal::Internal {

// The commit message of spec §5.6: "peal: task <i>" and " - <suffix>" (trimmed, at most 80
// bytes, cut at a character boundary with "..." when longer).
PEAL_EXPORT QString commitMessage(quint32 taskIndex, const std::optional<QString> &suffix);

// The suffix of a sequential task: the first line of the plan text, trimmed; none if blank.
PEAL_EXPORT std::optional<QString> planSuffix(const QString &planText);

// The commit peal made (its full id), or empty when there was nothing to commit.
using CommitCallback = std::function<void(Result<QString>)>;

// `git add -A` then `git commit -m <message>` in the repository, leaving out the user's own
// uncommitted paths (UserTree); a clean tree is success. Errors read
// "<errorPrefix>git add failed: ..." / "<errorPrefix>git commit failed: ...". `when` completes
// the log lines ("committed after phase 2").
void commitAll(RunContext &run, QObject *context, const QString &message, const QString &when,
               const QString &errorPrefix, quint32 taskIndex, CommitCallback done);

// commitAll with the message and errors of spec §5.6.
void commitAfterPhase2(RunContext &run, QObject *context, quint32 taskIndex,
                       const std::optional<QString> &suffix, CommitCallback done);

} // namespace Peal::Internal
