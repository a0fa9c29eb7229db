// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/recipe.h"
#include "run/runcontext.h"

#include <peal/sdk/reviewer.h>

namespace Peal::Internal {

/*
 * The run's review: the reviewer plugin, its session and the services the session runs its
 * processes and steps through. Each call into the session names the step it is part of (the
 * caller): the session's own steps run as its children, so the run's cancel reaches them. Calls
 * into plugin code are guarded; a plugin exception becomes an error.
 */
class RunReview
{
public:
    RunReview(RunContext &run, QObject *context, std::shared_ptr<ReviewerPlugin> plugin,
              std::unique_ptr<ReviewSession> session);
    ~RunReview();

    ReviewerPlugin &plugin() const { return *m_plugin; }
    ReviewSession &session() const { return *m_session; }

    // The session's start, with its on_stet_fail policy: true, reviews are on; false, a `skip`
    // swallowed a failure; an error stops the run. A session that a killed run left open
    // (`<state_dir>/review_session.json` says so) is finished first.
    void start(const StepHandle &caller, std::function<void(Result<bool>)> done);
    // `<state_dir>/review_session.json`: there while a run may have a session open.
    static QString markerPath(const QString &stateDir);
    // Phase 3 reviews: the session started and is not finished.
    bool isReviewing() const { return m_state == State::Reviewing; }
    // Finishes the session once, best effort (failures are logged at WARN); waits for a start
    // that is still running; done at once when there is nothing to finish: never started, or a
    // start that did not get as far as making a session.
    void finish(const StepHandle &caller, std::function<void()> done);
    // One review and one dismissal, for a phase: part of `caller`, the phase's step.
    void review(const StepHandle &caller, std::function<void(Result<ReviewResult>)> done);
    void dismiss(const StepHandle &caller, const QString &id, const QString &reason, std::function<void()> done);
    // What one review runs, for --dry-run; none when the plugin failed to say.
    std::optional<ReviewOutline> outline() const;

    // What the session's services do (ReviewServices, one per call into the session).
    void runProcess(const ProcessSpec &spec, ProcessCallback done);
    void log(LogLevel level, const QString &message, const LogFields &fields);
    // The uncommitted changes the run accepts in the work tree (UserTree).
    QStringList acceptedChanges() const;

private:
    // Created -> Starting -> Reviewing or NotReviewing -> Finished; finish() from Starting waits.
    enum class State { Created, Starting, Reviewing, NotReviewing, Finished };
    bool needsFinish() const;
    void startSession(const StepHandle &caller, std::function<void(Result<bool>)> done);
    // The marker: written before a start, removed once the session is finished (or needs no
    // finishing); a run killed in between leaves it for the next run.
    void markSessionOpen(bool open);

    RunContext &m_run;
    QObject *m_context;
    std::shared_ptr<ReviewerPlugin> m_plugin;
    std::unique_ptr<ReviewSession> m_session;
    State m_state = State::Created;
    std::function<void()> m_finishAfterStart; // a finish() asked for while the start ran
};

class TaskRunner;

/*
 * The Reviewer a task's phases see. It forwards to the run's session and adds to each result
 * what the plugin reads of it; the task runner tracks its callbacks (dropped after the phase
 * ended, guarded against throws).
 */
class TaskReviewer : public Reviewer
{
public:
    TaskReviewer(RunReview &review, TaskRunner &task);

    void review(std::function<void(Result<ReviewResult>)> done) override;
    bool canDismiss() const override;
    void dismiss(const QString &id, const QString &reason, std::function<void()> done) override;
    QString reviewName() const override;

private:
    // What the reviewer plugin reads of a review's output, added to it once.
    Result<ReviewResult> read(ReviewResult review) const;

    RunReview &m_review;
    TaskRunner &m_task;
};

} // namespace Peal::Internal
