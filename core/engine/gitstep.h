// SPDX-License-Identifier: MIT
#pragma once

#include "recipe.h"
#include "runcontext.h"

namespace Peal::Internal {

// One git command: `git -C <dir> <args>`; with `committing`, under the fixed identity of
// peal's internal commits (no signing, no hooks); `task` names the task in the log.
struct GitCall
{
    QString dir;
    QStringList args;
    QHash<QString, QString> env = {};
    std::optional<quint32> task = {};
    bool committing = false;
    QString label = {}; // the log's name for it, default "git"
};

// Reads a git call's result; an error ends the step. Without one, the result is ignored.
using GitCheck = std::function<Result<void>(const ProcessResult &)>;

// A git call as a leaf step, started through the run's limiter. `call` is evaluated as the step
// starts, so it may use what earlier steps found. A call the run cancelled ends the step as
// interrupted. `context` going away drops the result.
PEAL_EXPORT Step gitStep(RunContext &run, QObject *context, const QString &name, std::function<GitCall()> call,
                         GitCheck check = {});

// The first non-empty line of a git call's stdout, trimmed.
PEAL_EXPORT QString gitFirstLine(const ProcessResult &result);

} // namespace Peal::Internal
