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

} // namespace Peal
