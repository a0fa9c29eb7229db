// SPDX-License-Identifier: MIT
#include "review/review.h"

#include "recipe/recipe.h"
#include "task/taskrunner.h"

#include <peal/exec.h>

namespace Peal::Internal {

RunReview::RunReview(RunContext &run, QObject *context, std::shared_ptr<ReviewerPlugin> plugin,
                     std::unique_ptr<ReviewSession> session)
    : m_run(run), m_context(context), m_plugin(std::move(plugin)), m_session(std::move(session))
{
}

RunReview::~RunReview() = default;

void RunReview::start(std::function<void(Result<bool>)> done)
{
    m_state = State::Starting;
    // Not dropped on cancel: a start that was killed may have left a session to finish.
    auto started = [this, done = std::move(done)](Result<bool> active) {
        m_state = active && *active ? State::Reviewing : State::NotReviewing;
        if (auto then = std::exchange(m_finishAfterStart, nullptr))
            then();
        done(active);
    };
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (start)"), [&] { m_session->start(*this, started); });
        !called)
        started(called.error());
}

bool RunReview::needsFinish() const
{
    bool needs = true; // when the plugin cannot say, finishing is the safe side
    (void)callGuarded(QStringLiteral("reviewer plugin (needs finish)"), [&] { needs = m_session->needsFinish(); });
    return needs;
}

void RunReview::finish(std::function<void()> done)
{
    if (m_state == State::Starting) {
        m_finishAfterStart = [this, done = std::move(done)] { finish(done); };
        return;
    }
    // A session that never started has nothing to finish; one whose start failed has, if the
    // start got as far as making it (a start that was killed).
    if (m_state == State::Finished || m_state == State::Created || !needsFinish()) {
        m_state = State::Finished;
        return done();
    }
    m_state = State::Finished;
    const auto report = [this, done](const Result<void> &finished) {
        if (!finished)
            m_run.logger().warn(u"peal::stet", QStringLiteral("stet finish failed (best-effort)"),
                                {{QStringLiteral("err"), finished.error().message()}});
        done();
    };
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (finish)"), [&] { m_session->finish(*this, report); });
        !called)
        report(called.error());
}

std::optional<ReviewOutline> RunReview::outline() const
{
    std::optional<ReviewOutline> outline;
    (void)callGuarded(QStringLiteral("reviewer plugin (outline)"), [&] { outline = m_session->outline(); });
    return outline;
}

void RunReview::runProcess(const ProcessSpec &spec, ProcessCallback done)
{
    ExecutorCall call;
    call.phase = QStringLiteral("review");
    call.reviewer = true;
    call.timeout = m_run.timeout();
    m_run.runProcess(
        spec, m_context,
        [this, done](const ProcessResult &r) {
            if (auto called = callGuarded(QStringLiteral("reviewer plugin"), [&] { done(r); }); !called)
                log(LogLevel::Error, called.error().message(), {});
        },
        std::nullopt, {}, call);
}

void RunReview::log(LogLevel level, const QString &message, const LogFields &fields)
{
    m_run.logger().log(level, u"peal::stet", message, fields);
}

TaskReviewer::TaskReviewer(RunReview &review, TaskRunner &task) : m_review(review), m_task(task) {}

Result<ReviewResult> TaskReviewer::read(ReviewResult review) const
{
    const ReviewerPlugin &plugin = m_review.plugin();
    const QString &output = review.stdoutText;
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (reading the review)"), [&] {
            review.findings = plugin.parseFindings(output);
            review.suggestions = plugin.extractSuggestions(output);
            review.findingCount = plugin.countFindings(output);
            review.openFindings = plugin.openFindings(output);
        });
        !called) {
        m_task.failPhase(called.error()); // as any throw of plugin code during a phase
        return called.error();
    }
    return review;
}

void TaskReviewer::review(std::function<void(Result<ReviewResult>)> done)
{
    auto answer = m_task.track(QStringLiteral("phase plugin (review callback)"),
                               std::function<void(Result<ReviewResult>)>(
                                   [this, done = std::move(done)](Result<ReviewResult> review) {
                                       done(review ? read(std::move(review).value()) : review);
                                   }));
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (review)"),
                                  [&] { m_review.session().review(m_review, answer); });
        !called)
        m_task.failPhase(called.error());
}

bool TaskReviewer::canDismiss() const
{
    bool can = false;
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (can dismiss)"),
                                  [&] { can = m_review.session().canDismiss(); });
        !called)
        m_task.failPhase(called.error());
    return can;
}

void TaskReviewer::dismiss(const QString &id, const QString &reason, std::function<void()> done)
{
    auto answer = m_task.track(QStringLiteral("phase plugin (dismiss callback)"), std::move(done));
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (dismiss)"),
                                  [&] { m_review.session().dismiss(m_review, id, reason, answer); });
        !called)
        m_task.failPhase(called.error());
}

QString TaskReviewer::reviewName() const
{
    QString name;
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (name)"), [&] { name = m_review.session().reviewName(); });
        !called)
        m_task.failPhase(called.error());
    return name;
}

} // namespace Peal::Internal
