// SPDX-License-Identifier: MIT
#pragma once

#include "runcontext.h"

#include <peal/reviewer.h>

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

// Runs `call`, turning an escaping exception into an error passed to `onError`.
bool guardPlugin(const QString &what, const std::function<void()> &call,
                 const std::function<void(const Error &)> &onError);

/*
 * The Reviewer a task's phases see. It forwards to the run's session; `wrap` lets the task
 * runner guard and drop callbacks that arrive after the task ended.
 */
class TaskReviewer : public Reviewer
{
public:
    // Callbacks reach the phase only while `owner` exists and `active()` holds.
    TaskReviewer(RunReview &review, QObject *owner, std::function<bool()> active,
                 std::function<void(const Error &)> onPluginError);

    void review(std::function<void(Result<ReviewResult>)> done) override;
    bool canDismiss() const override;
    void dismiss(const QString &id, const QString &reason, std::function<void()> done) override;
    std::optional<QList<Finding>> parseFindings(const QString &output) const override;
    std::optional<QString> extractSuggestions(const QString &output) const override;
    int countFindings(const QString &output) const override;
    QString reviewName() const override;

private:
    template<typename... Args>
    std::function<void(Args...)> onlyWhileActive(std::function<void(Args...)> done) const;

    RunReview &m_review;
    QPointer<QObject> m_owner;
    std::function<bool()> m_active;
    std::function<void(const Error &)> m_onPluginError;
};

} // namespace Peal::Internal
