// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/processstep.h"

#include <peal/sdk/phase.h>

namespace Peal::Internal {

// The commit message is the SDK's commitMessage() (peal/sdk/phase.h).

// The suffix of a sequential task: the first line of the plan text, trimmed; none if blank.
PEAL_EXPORT std::optional<QString> planSuffix(const QString &planText);

// What a commit of peal's is: its message, the words that complete the log lines ("after phase
// 2"), the prefix of its errors, and the task it is logged under.
struct CommitRequest
{
    QString message;
    QString when;
    QString errorPrefix;
    quint32 task = 0;
};

// The commit peal made (its full id), or empty when there was nothing to commit.
using CommittedCallback = std::function<void(const QString &commit)>;

// `git add -A` then `git commit -m <message>` in the repository as steps, leaving out the
// user's own uncommitted paths (UserTree); a clean tree is success. Errors read
// "<errorPrefix>git add failed: ..." / "<errorPrefix>git commit failed: ...". `committed` is
// called as the step succeeds.
Step commitStep(RunContext &run, QObject *context, CommitRequest request, CommittedCallback committed);

// commitStep with the message and errors of spec §5.6.
Step commitAfterPhase2Step(RunContext &run, QObject *context, quint32 taskIndex, const std::optional<QString> &suffix,
                           CommittedCallback committed);

} // namespace Peal::Internal
