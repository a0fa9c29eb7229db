// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/process.h>

#include <QObject>

#include <functional>

namespace Peal {

class ProcessJob;

// Starts `spec` and calls `done` with its result from the event loop. The job is owned by
// `context` and deleted after `done` returns; destroying `context` first kills the process.
PEAL_EXPORT ProcessJob *runProcess(ProcessSpec spec, QObject *context,
                                   std::function<void(const ProcessResult &)> done);

// A git invocation: stdin from /dev/null, no timeout, output captured (spec §6.3).
PEAL_EXPORT ProcessSpec gitSpec(const QString &repo, QStringList arguments);

// A command string split on ASCII whitespace (no shell, no quoting; spec §6.2) into a spec that
// runs in `workingDir` with stdin inherited, or nothing when the string is blank.
PEAL_EXPORT std::optional<ProcessSpec> commandSpec(const QString &command, const QString &workingDir,
                                                   std::chrono::milliseconds timeout);

} // namespace Peal
