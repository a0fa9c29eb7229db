// SPDX-License-Identifier: MIT
#pragma once

namespace Peal {

// Every exit status peal uses, in one place (spec §4.2, plus the signal codes of a shell).
enum class ExitCode : int {
    Success = 0,
    Failure = 1,      // a hard error: configuration, validation, a task, state I/O, ...
    Issues = 2,       // finished, but a task failed (continuing) or findings remain
    Usage = 2,        // a command-line usage error (the reference shares code 2)
    CapReached = 3,   // max_consecutive_task_failures stopped the run
    Interrupted = 130, // SIGINT
    Terminated = 143,  // SIGTERM
};

constexpr int toInt(ExitCode code)
{
    return static_cast<int>(code);
}

} // namespace Peal
