// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>

#include <QList>
#include <QObject>
#include <QPointer>

namespace Peal {

/*
 * An asynchronous unit of work for the Limiter: start() begins it, cancel() asks it to end,
 * and it emits finished() exactly once, from the event loop.
 */
class PEAL_EXPORT Job : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~Job() override;

    virtual void start() = 0;
    virtual void cancel() = 0;

Q_SIGNALS:
    void finished(bool success);
};

/*
 * Starts jobs in submission order with at most `maxConcurrent` running at once. It is
 * work-conserving: the moment a job finishes, the next queued job starts. With StopOnError,
 * the first failed job makes every still-queued job skipped (running ones finish); with
 * KeepGoing, failures change nothing. cancelAll() skips the queue and cancels what runs.
 * The limiter does not own its jobs.
 */
class PEAL_EXPORT Limiter : public QObject
{
    Q_OBJECT

public:
    enum class Policy { KeepGoing, StopOnError };

    explicit Limiter(int maxConcurrent, QObject *parent = nullptr);
    ~Limiter() override;

    void setMaxConcurrent(int maxConcurrent);
    int maxConcurrent() const { return m_maxConcurrent; }
    void setPolicy(Policy policy) { m_policy = policy; }
    Policy policy() const { return m_policy; }

    void submit(Job *job);
    void cancelAll();
    // Accepts new jobs again after cancelAll() or a stop (for clean-up work after a cancel).
    void reopen() { m_stopped = false; }

    int runningCount() const { return int(m_running.size()); }
    int queuedCount() const { return int(m_queue.size()); }
    bool isIdle() const { return m_running.isEmpty() && m_queue.isEmpty(); }
    // Whether a failure under StopOnError has closed the queue.
    bool isStopped() const { return m_stopped; }

Q_SIGNALS:
    void jobStarted(Peal::Job *job);
    void jobFinished(Peal::Job *job, bool success);
    void jobSkipped(Peal::Job *job); // never started: after a failure or cancelAll()
    void idle();

private:
    void startQueued();
    void onFinished(Job *job, bool success);
    void skipQueue();

    int m_maxConcurrent;
    Policy m_policy = Policy::KeepGoing;
    bool m_stopped = false;
    QList<QPointer<Job>> m_queue;
    QList<Job *> m_running;
};

} // namespace Peal
