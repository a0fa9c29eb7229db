// SPDX-License-Identifier: MIT
#include "review.h"

#include <peal/exec.h>


namespace Peal {

ReviewServices::~ReviewServices() = default;
ReviewSession::~ReviewSession() = default;

bool ReviewSession::seesUncommittedChanges() const
{
    return true;
}
Reviewer::~Reviewer() = default;
ReviewerPlugin::~ReviewerPlugin() = default;

PluginRole ReviewerPlugin::role() const
{
    return PluginRole::Reviewer;
}

QStringList ReviewerPlugin::repositoryStateDirectories() const
{
    return {};
}

namespace Internal {

bool guardPlugin(const QString &what, const std::function<void()> &call,
                 const std::function<void(const Error &)> &onError)
{
    try {
        call();
        return true;
    } catch (const std::exception &e) {
        onError(Error(Error::Kind::Plugin, QStringLiteral("%1 threw: %2").arg(what, QString::fromLocal8Bit(e.what()))));
    } catch (...) {
        onError(Error(Error::Kind::Plugin, QStringLiteral("%1 threw an exception").arg(what)));
    }
    return false;
}

RunReview::RunReview(RunContext &run, QObject *context, std::shared_ptr<ReviewerPlugin> plugin,
                     std::unique_ptr<ReviewSession> session)
    : m_run(run), m_context(context), m_plugin(std::move(plugin)), m_session(std::move(session))
{
}

RunReview::~RunReview() = default;

void RunReview::start(std::function<void(Result<bool>)> done)
{
    guardPlugin(QStringLiteral("reviewer plugin (start)"),
                [&] { m_session->start(*this, done); }, [&](const Error &e) { done(e); });
}

void RunReview::finish(std::function<void()> done)
{
    if (m_finished || !m_session->needsFinish()) {
        m_finished = true;
        return done();
    }
    m_finished = true;
    const auto report = [this, done](const Result<void> &finished) {
        if (!finished)
            m_run.logger().warn(u"peal::stet", QStringLiteral("stet finish failed (best-effort)"),
                                {{QStringLiteral("err"), finished.error().message()}});
        done();
    };
    guardPlugin(QStringLiteral("reviewer plugin (finish)"), [&] { m_session->finish(*this, report); },
                [&](const Error &e) { report(e); });
}

void RunReview::runProcess(const ProcessSpec &spec, ProcessCallback done)
{
    m_run.runProcess(spec, m_context, [this, done](const ProcessResult &r) {
        guardPlugin(QStringLiteral("reviewer plugin"), [&] { done(r); },
                    [this](const Error &e) { log(LogLevel::Error, e.message(), {}); });
    });
}

void RunReview::log(LogLevel level, const QString &message, const LogFields &fields)
{
    m_run.logger().log(level, u"peal::stet", message, fields);
}

TaskReviewer::TaskReviewer(RunReview &review, QObject *owner, std::function<bool()> active,
                           std::function<void(const Error &)> onPluginError)
    : m_review(review), m_owner(owner), m_active(std::move(active)),
      m_onPluginError(std::move(onPluginError))
{
}

template<typename... Args>
std::function<void(Args...)> TaskReviewer::onlyWhileActive(std::function<void(Args...)> done) const
{
    return [owner = m_owner, active = m_active, done](Args... args) {
        if (owner && active())
            done(args...);
    };
}

void TaskReviewer::review(std::function<void(Result<ReviewResult>)> done)
{
    guardPlugin(QStringLiteral("reviewer plugin (review)"),
                [&] { m_review.session().review(m_review, onlyWhileActive(std::move(done))); },
                m_onPluginError);
}

bool TaskReviewer::canDismiss() const
{
    return m_review.session().canDismiss();
}

void TaskReviewer::dismiss(const QString &id, const QString &reason, std::function<void()> done)
{
    guardPlugin(QStringLiteral("reviewer plugin (dismiss)"),
                [&] { m_review.session().dismiss(m_review, id, reason, onlyWhileActive(std::move(done))); },
                m_onPluginError);
}

std::optional<QList<Finding>> TaskReviewer::parseFindings(const QString &output) const
{
    std::optional<QList<Finding>> out;
    guardPlugin(QStringLiteral("reviewer plugin (parse)"), [&] { out = m_review.plugin().parseFindings(output); },
                m_onPluginError);
    return out;
}

std::optional<QString> TaskReviewer::extractSuggestions(const QString &output) const
{
    std::optional<QString> out;
    guardPlugin(QStringLiteral("reviewer plugin (suggestions)"),
                [&] { out = m_review.plugin().extractSuggestions(output); }, m_onPluginError);
    return out;
}

int TaskReviewer::countFindings(const QString &output) const
{
    int out = 1;
    guardPlugin(QStringLiteral("reviewer plugin (count)"), [&] { out = m_review.plugin().countFindings(output); },
                m_onPluginError);
    return out;
}

QString TaskReviewer::reviewName() const
{
    return m_review.session().reviewName();
}

} // namespace Internal

} // namespace Peal
