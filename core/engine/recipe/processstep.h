// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/recipe.h"
#include "run/runcontext.h"

namespace Peal::Internal {

// Reads a process's result; an error ends the step. Without one, the result is ignored.
using ProcessCheck = std::function<Result<void>(const ProcessResult &)>;

// A process as a leaf step, started through the run's limiter (so it counts against max_parallel
// and a cancel of the run ends it). `spec` is evaluated as the step starts, so it may use what
// earlier steps found. A process the run cancelled ends the step as interrupted; else `check`
// reads its result. `task` names the task in the log. `context` going away drops the result.
PEAL_EXPORT Step processStep(RunContext &run, QObject *context, const QString &name, std::function<ProcessSpec()> spec,
                             ProcessCheck check = {}, std::optional<quint32> task = {});

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

// A git call as a process step.
PEAL_EXPORT Step gitStep(RunContext &run, QObject *context, const QString &name, std::function<GitCall()> call,
                         ProcessCheck check = {});

// The first non-empty line of a git call's stdout, trimmed.
PEAL_EXPORT QString gitFirstLine(const ProcessResult &result);

} // namespace Peal::Internal
