// SPDX-License-Identifier: MIT
#pragma once

#include "run/runcontext.h"

#include <peal/sdk/reviewer.h>

namespace Peal::Internal {

/*
 * The run's review: the reviewer plugin, its session and the services the session runs its
 * processes through. Calls into plugin code are guarded; a plugin exception becomes an error.
 */
class RunReview : public ReviewServices
{
public:
    RunReview(RunContext &run, QObject *context, std::shared_ptr<ReviewerPlugin> plugin,
              std::unique_ptr<ReviewSession> session);
    ~RunReview() override;

    ReviewerPlugin &plugin() const { return *m_plugin; }
    ReviewSession &session() const { return *m_session; }
    bool isFinished() const { return m_finished; }

    void start(std::function<void(Result<bool>)> done);
    // Best effort and at most once; failures are logged at WARN.
    void finish(std::function<void()> done);

    void runProcess(const ProcessSpec &spec, ProcessCallback done) override;
    void log(LogLevel level, const QString &message, const LogFields &fields) override;

private:
    RunContext &m_run;
    QObject *m_context;
    std::shared_ptr<ReviewerPlugin> m_plugin;
    std::unique_ptr<ReviewSession> m_session;
    bool m_finished = false;
};

class TaskRunner;

/*
 * The Reviewer a task's phases see. It forwards to the run's session; the task runner tracks
 * its callbacks (dropped after the phase ended, guarded against throws).
 */
class TaskReviewer : public Reviewer
{
public:
    TaskReviewer(RunReview &review, TaskRunner &task);

    void review(std::function<void(Result<ReviewResult>)> done) override;
    bool canDismiss() const override;
    void dismiss(const QString &id, const QString &reason, std::function<void()> done) override;
    std::optional<QList<Finding>> parseFindings(const QString &output) const override;
    std::optional<QString> extractSuggestions(const QString &output) const override;
    int countFindings(const QString &output) const override;
    QStringList openFindings(const QString &output) const override;
    QString reviewName() const override;

private:
    // Runs reviewer code that returns a value; a throw fails the phase and leaves `fallback`.
    template<typename T>
    T ask(const QString &what, const std::function<T()> &call, T fallback) const;

    RunReview &m_review;
    TaskRunner &m_task;
};

} // namespace Peal::Internal
