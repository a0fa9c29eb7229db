// SPDX-License-Identifier: MIT
#pragma once

#include <peal/limiter.h>
#include <peal/process.h>

#include <memory>

namespace Peal {

/*
 * Runs one ProcessSpec on the event loop. Whatever happens - normal exit, failure to start, a
 * crash, the timeout, cancel() - `done` is emitted exactly once, always from the event loop
 * (never from inside start() or cancel()), so callers never re-enter themselves.
 *
 * The child runs in its own process group. A timeout or cancel() sends SIGTERM to the whole
 * group, then SIGKILL after a short grace period, so grandchildren die with it, and `done`
 * never waits for a grandchild that keeps the output pipes open. Output beyond the capture
 * limit is read and counted but not kept, so a chatty child neither blocks nor grows memory.
 * As a Job, it reports finished(success) right after done().
 */
class PEAL_EXPORT ProcessJob : public Job
{
    Q_OBJECT

public:
    explicit ProcessJob(ProcessSpec spec, QObject *parent = nullptr);
    ~ProcessJob() override;

    const ProcessSpec &spec() const;
    bool isRunning() const;
    qint64 processId() const;

    void start() override;
    void cancel() override;

    // Time between SIGTERM and SIGKILL when ending a process tree.
    static void setTerminateGracePeriod(std::chrono::milliseconds grace);
    static std::chrono::milliseconds terminateGracePeriod();

    // SIGKILL to the process group of every job that runs now. Safe from any thread: the last
    // resort of a forced exit, when the event loop may be blocked.
    static void killEveryProcessGroup();

Q_SIGNALS:
    void started();
    void done(const Peal::ProcessResult &result);

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Peal
