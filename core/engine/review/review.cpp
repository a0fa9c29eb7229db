// SPDX-License-Identifier: MIT
#include "review/review.h"

#include "recipe/recipe.h"
#include "task/taskrunner.h"

#include <peal/exec.h>

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

namespace Peal::Internal {

namespace {

/*
 * The services of one call into the session: the run's processes and log, and its steps as
 * children of the step the call is part of. The session's answer callback keeps it alive.
 */
class SessionCall final : public ReviewServices
{
public:
    SessionCall(RunReview &review, StepHandle caller) : m_review(review), m_caller(std::move(caller)) {}

    void runProcess(const ProcessSpec &spec, ProcessCallback done) override { m_review.runProcess(spec, std::move(done)); }
    void log(LogLevel level, const QString &message, const LogFields &fields) override
    {
        m_review.log(level, message, fields);
    }
    void run(const Step &recipe, std::function<void(Result<void>)> done) override
    {
        // The session hears how its steps ended, the run's cancel included: a start that was
        // cancelled may have left a session to finish.
        auto once = std::make_shared<std::function<void(Result<void>)>>(std::move(done));
        const auto tell = [once](const Result<void> &result) {
            if (auto told = std::exchange(*once, nullptr))
                (void)callGuarded(QStringLiteral("reviewer plugin (steps)"), [&] { told(result); });
        };
        if (!m_caller.isActive())
            return tell(interruptedError());
        m_caller.run(sequenceStep(QStringLiteral("review session"), {recipe}).onEnd(tell), [](Result<void>) {});
    }

    QStringList acceptedChanges() const override { return m_review.acceptedChanges(); }

private:
    RunReview &m_review;
    StepHandle m_caller;
};

} // namespace

RunReview::RunReview(RunContext &run, QObject *context, std::shared_ptr<ReviewerPlugin> plugin,
                     std::unique_ptr<ReviewSession> session)
    : m_run(run), m_context(context), m_plugin(std::move(plugin)), m_session(std::move(session))
{
}

RunReview::~RunReview() = default;

QString RunReview::markerPath(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("review_session.json"));
}

void RunReview::markSessionOpen(bool open)
{
    const QString path = markerPath(m_run.config().stateDir);
    if (!open) {
        QFile::remove(path);
        return;
    }
    // Not synced: it has to survive a kill of peal, not a power cut.
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(QJsonDocument(QJsonObject{{QStringLiteral("pid"), QCoreApplication::applicationPid()}})
                          .toJson(QJsonDocument::Compact))
               < 0)
        m_run.logger().warn(u"peal::stet", QStringLiteral("cannot record that a review session is open"),
                            {{QStringLiteral("path"), path}, {QStringLiteral("err"), file.errorString()}});
}

void RunReview::start(const StepHandle &caller, std::function<void(Result<bool>)> done)
{
    m_state = State::Starting;
    if (!QFileInfo::exists(markerPath(m_run.config().stateDir))) {
        markSessionOpen(true);
        return startSession(caller, std::move(done));
    }
    // A run that was killed left its session open: a reviewer that keeps one session at a time
    // (stet) would refuse to start another.
    m_run.logger().warning(u"peal::stet", QStringLiteral("finishing the review session that a stopped run left open"));
    auto services = std::make_shared<SessionCall>(*this, caller);
    auto then = [this, services, caller, done = std::move(done)](const Result<void> &finished) mutable {
        if (!finished)
            m_run.logger().info(u"peal::stet", QStringLiteral("finishing the stopped run's review session failed"),
                                {{QStringLiteral("err"), finished.error().message()}});
        startSession(caller, std::move(done));
    };
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (finish)"), [&] { m_session->finish(*services, then); });
        !called)
        then(called.error());
}

void RunReview::startSession(const StepHandle &caller, std::function<void(Result<bool>)> done)
{
    auto services = std::make_shared<SessionCall>(*this, caller);
    // Not dropped on cancel: a start that was killed may have left a session to finish.
    auto started = [this, services, done = std::move(done)](Result<bool> active) {
        m_state = active && *active ? State::Reviewing : State::NotReviewing;
        if (auto then = std::exchange(m_finishAfterStart, nullptr))
            then();
        done(active);
    };
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (start)"), [&] { m_session->start(*services, started); });
        !called)
        started(called.error());
}

QStringList RunReview::acceptedChanges() const
{
    // Without commit_after_phase2 peal does not look at the tree; allow_dirty accepts it whole.
    const Config &c = m_run.config();
    if (!c.commitAfterPhase2 && c.allowDirty)
        return {QStringLiteral(".")};
    return m_run.userTree().acceptedChanges();
}

bool RunReview::needsFinish() const
{
    bool needs = true; // when the plugin cannot say, finishing is the safe side
    (void)callGuarded(QStringLiteral("reviewer plugin (needs finish)"), [&] { needs = m_session->needsFinish(); });
    return needs;
}

void RunReview::finish(const StepHandle &caller, std::function<void()> done)
{
    if (m_state == State::Starting) {
        m_finishAfterStart = [this, caller, done = std::move(done)] { finish(caller, done); };
        return;
    }
    // A session that never started has nothing to finish; one whose start failed has, if the
    // start got as far as making it (a start that was killed).
    if (m_state == State::Finished || m_state == State::Created || !needsFinish()) {
        if (m_state != State::Created)
            markSessionOpen(false);
        m_state = State::Finished;
        return done();
    }
    m_state = State::Finished;
    auto services = std::make_shared<SessionCall>(*this, caller);
    const auto report = [this, services, done](const Result<void> &finished) {
        if (!finished)
            m_run.logger().warn(u"peal::stet", QStringLiteral("stet finish failed (best-effort)"),
                                {{QStringLiteral("err"), finished.error().message()}});
        else
            markSessionOpen(false);
        done();
    };
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (finish)"), [&] { m_session->finish(*services, report); });
        !called)
        report(called.error());
}

void RunReview::review(const StepHandle &caller, std::function<void(Result<ReviewResult>)> done)
{
    auto services = std::make_shared<SessionCall>(*this, caller);
    m_session->review(*services, [services, done = std::move(done)](Result<ReviewResult> review) { done(std::move(review)); });
}

void RunReview::dismiss(const StepHandle &caller, const QString &id, const QString &reason, std::function<void()> done)
{
    auto services = std::make_shared<SessionCall>(*this, caller);
    m_session->dismiss(*services, id, reason, [services, done = std::move(done)] { done(); });
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
    const std::optional<StepHandle> phase = m_task.runningPhase();
    if (!phase)
        return;
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (review)"), [&] { m_review.review(*phase, answer); });
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
    const std::optional<StepHandle> phase = m_task.runningPhase();
    if (!phase)
        return;
    if (auto called = callGuarded(QStringLiteral("reviewer plugin (dismiss)"),
                                  [&] { m_review.dismiss(*phase, id, reason, answer); });
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
