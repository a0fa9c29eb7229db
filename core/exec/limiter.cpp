// SPDX-License-Identifier: MIT
#include <peal/limiter.h>

#include <algorithm>

namespace Peal {

Job::~Job() = default;

Limiter::Limiter(int maxConcurrent, QObject *parent)
    : QObject(parent), m_maxConcurrent(std::max(1, maxConcurrent))
{
}

Limiter::~Limiter() = default;

void Limiter::setMaxConcurrent(int maxConcurrent)
{
    m_maxConcurrent = std::max(1, maxConcurrent);
    startQueued();
}

void Limiter::submit(Job *job)
{
    if (m_stopped) {
        // A closed queue still reports every job, so callers can account for it.
        QMetaObject::invokeMethod(this, [this, job] { Q_EMIT jobSkipped(job); },
                                  Qt::QueuedConnection);
        return;
    }
    connect(job, &Job::finished, this, [this, job](bool success) { onFinished(job, success); });
    m_queue.append(job);
    startQueued();
}

void Limiter::startQueued()
{
    while (m_running.size() < m_maxConcurrent && !m_queue.isEmpty()) {
        Job *job = m_queue.takeFirst();
        if (!job)
            continue; // deleted while queued
        m_running.append(job);
        Q_EMIT jobStarted(job);
        job->start();
    }
}

void Limiter::onFinished(Job *job, bool success)
{
    if (!m_running.removeOne(job))
        return;
    Q_EMIT jobFinished(job, success);
    if (!success && m_policy == Policy::StopOnError && !m_stopped) {
        m_stopped = true;
        skipQueue();
    }
    startQueued();
    if (isIdle())
        Q_EMIT idle();
}

void Limiter::skipQueue()
{
    const QList<QPointer<Job>> skipped = std::exchange(m_queue, {});
    for (const QPointer<Job> &job : skipped) {
        if (job)
            Q_EMIT jobSkipped(job);
    }
}

void Limiter::cancelAll()
{
    m_stopped = true;
    skipQueue();
    const QList<Job *> running = m_running;
    for (Job *job : running)
        job->cancel();
    if (isIdle())
        QMetaObject::invokeMethod(this, &Limiter::idle, Qt::QueuedConnection);
}

} // namespace Peal
