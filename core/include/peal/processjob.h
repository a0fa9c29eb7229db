// SPDX-License-Identifier: MIT
#pragma once

#include <peal/limiter.h>
#include <peal/sdk/process.h>

#include <memory>

namespace Peal {

/*
 * A process as the core sees it, wherever it runs (a local child, a cluster job): started and
 * cancelled as a Job, it reports lines as they arrive (when the spec streams them) and ends
 * with exactly one done(), always from the event loop.
 */
class PEAL_EXPORT RunningProcess : public Job
{
    Q_OBJECT

public:
    using Job::Job;
    ~RunningProcess() override;

    virtual const ProcessSpec &spec() const = 0;

Q_SIGNALS:
    void started();
    // One complete line (without its line break) of stdout or stderr; spec().streamLines only.
    void outputLine(Peal::OutputChannel channel, const QString &line);
    void done(const Peal::ProcessResult &result);
};

/*
 * Creates the processes of a run. The core's own launches local children (ProcessJob); tests
 * inject scripted ones, and executors (a cluster) bring their own.
 */
class PEAL_EXPORT ProcessLauncher
{
public:
    virtual ~ProcessLauncher();
    virtual RunningProcess *create(const ProcessSpec &spec, QObject *parent) = 0;
};

// Launches local children.
class PEAL_EXPORT LocalLauncher final : public ProcessLauncher
{
public:
    RunningProcess *create(const ProcessSpec &spec, QObject *parent) override;
};

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
class PEAL_EXPORT ProcessJob : public RunningProcess
{
    Q_OBJECT

public:
    explicit ProcessJob(ProcessSpec spec, QObject *parent = nullptr);
    ~ProcessJob() override;

    const ProcessSpec &spec() const override;
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

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Peal
