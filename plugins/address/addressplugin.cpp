// SPDX-License-Identifier: MIT
#include "addressplugin.h"

#include "triage.h"

#include <peal/sdk/options.h>
#include <peal/sdk/process.h>
#include <peal/sdk/prompts.h>
#include <peal/sdk/reviewer.h>
#include <peal/sdk/text.h>

#include <QJsonArray>

namespace Peal::Address {

namespace {

/*
 * Phase 3 for one task (spec §8.6-§8.8) as a state machine: the initial review with its
 * on_stet_fail policy, then address rounds - built-in rounds first dismiss non-actionable
 * findings and re-review - until the review is clean or the rounds run out, with the policies
 * for findings that remain and for errors inside the loop.
 */
class AddressRun final : public PhaseRun
{
public:
    explicit AddressRun(AddressSettings settings) : m_settings(std::move(settings)) {}

    void start(PhaseServices &services, std::function<void(Result<void>)> done) override
    {
        m_services = &services;
        m_done = std::move(done);
        m_reviewer = services.reviewer();
        if (!m_reviewer)
            return m_done(Result<void>()); // no review this run
        m_maxRounds = m_settings.maxRounds;
        log(LogLevel::Info, m_reviewer->canDismiss() ? QStringLiteral("phase 3: running stet review")
                                                     : QStringLiteral("phase 3: running custom stet command"));
        initialReview(false);
    }

private:
    quint32 taskIndex() const { return m_services->task().index; }

    void log(LogLevel level, const QString &message, LogFields fields = {})
    {
        fields.prepend({QStringLiteral("task_index"), taskIndex()});
        m_services->log(level, message, fields);
    }

    // ---- the initial review and its policy (spec §8.7, first part) ----

    void initialReview(bool isRetry)
    {
        m_reviewer->review([this, isRetry](const Result<ReviewResult> &review) {
            if (!review)
                return initialReviewFailed(review.error(), isRetry);
            if (!review->hasFindings) {
                log(LogLevel::Info, QStringLiteral("no findings, skipping address loop"));
                m_open.clear();
                return complete(0, true, QStringLiteral("clean"));
            }
            log(LogLevel::Info, QStringLiteral("findings detected, starting address loop"));
            m_initial = *review;
            startLoop(false);
        });
    }

    // A cancelled run, or a budget that stops it: the task ends at once, whatever on_stet_fail
    // says (a retry or a skip would go on spending, or hide the stop).
    static bool endsTheTask(const Error &error)
    {
        return error.kind() == Error::Kind::Interrupted || error.kind() == Error::Kind::CapReached;
    }

    void initialReviewFailed(const Error &error, bool isRetry)
    {
        if (endsTheTask(error))
            return m_done(error);
        if (m_settings.onReviewFailure == AddressSettings::OnReviewFailure::RetryOnce && !isRetry) {
            log(LogLevel::Warn, QStringLiteral("%1 failed, retrying once").arg(m_reviewer->reviewName()),
                {{QStringLiteral("err"), error.message()}});
            return initialReview(true);
        }
        if (m_settings.onReviewFailure == AddressSettings::OnReviewFailure::Skip) {
            log(LogLevel::Warn, QStringLiteral("stet phase skipped"), {{QStringLiteral("err"), error.message()}});
            log(LogLevel::Info, QStringLiteral("phase 3 skipped (stet run failed)"));
            return m_done(Result<void>()); // done without an outcome: counts as clean
        }
        log(LogLevel::Error, QStringLiteral("stet run failed"), {{QStringLiteral("err"), error.message()}});
        m_done(error);
    }

    // ---- the loop (spec §8.6) ----

    void startLoop(bool isRetry)
    {
        m_loopIsRetry = isRetry;
        m_round = 0;
        m_stale = 0;
        m_stopReason.clear();
        m_current = m_initial;
        m_open = {m_initial.openFindings.size()};
        m_baseline = m_open.first();
        nextRound();
    }

    void nextRound()
    {
        if (m_round >= m_maxRounds)
            return exhausted(false);
        ++m_round;
        log(LogLevel::Info, QStringLiteral("address loop: starting round"),
            {{QStringLiteral("round"), m_round}, {QStringLiteral("max_rounds"), m_maxRounds}});
        if (!m_reviewer->canDismiss())
            return addressFindings();
        dismissAndRerun([this](const Result<ReviewResult> &review) {
            if (!review)
                return loopFailed(review.error());
            if (!review->hasFindings) {
                log(LogLevel::Info, QStringLiteral("findings resolved (after dismiss pass)"),
                    {{QStringLiteral("round"), m_round}});
                m_open.append(0);
                return complete(m_round, true, QStringLiteral("clean"));
            }
            m_current = *review;
            // What triage dismissed is not the round's progress: the round must leave fewer
            // findings than remained after the dismissals.
            m_baseline = review->openFindings.size();
            addressFindings();
        });
    }

    void addressFindings()
    {
        const QString prompt = Prompts::address(m_current.stdoutText, m_current.suggestions);
        m_services->runAgent(AgentMode::Address, prompt, agentOptions(false),
                             [this](const Result<AgentOutput> &answer) {
                                 if (!answer)
                                     return loopFailed(answer.error());
                                 commitRound();
                             });
    }

    // stet reviews committed changes only; commit the round's fixes so the re-review sees them.
    void commitRound()
    {
        const QString message = commitMessage(taskIndex(), QStringLiteral("address round %1").arg(m_round));
        m_services->commitChanges(message, [this](Result<void> committed) {
            if (!committed)
                return loopFailed(committed.error());
            m_reviewer->review([this](const Result<ReviewResult> &review) {
                if (!review)
                    return loopFailed(review.error());
                if (!review->hasFindings) {
                    m_open.append(0);
                    return complete(m_round, true, QStringLiteral("clean"));
                }
                const qsizetype open = review->openFindings.size();
                const bool fewer = open < m_baseline;
                m_baseline = open;
                m_open.append(open);
                m_stale = fewer ? 0 : m_stale + 1;
                log(LogLevel::Info, QStringLiteral("findings still present after round"),
                    {{QStringLiteral("round"), m_round}, {QStringLiteral("open_findings"), qint64(open)}});
                m_current = *review;
                if (m_settings.patience > 0 && m_stale >= m_settings.patience) {
                    log(LogLevel::Warn, QStringLiteral("review is not converging, stopping the address loop"),
                        {{QStringLiteral("round"), m_round}, {QStringLiteral("review_patience"), m_settings.patience}});
                    return exhausted(true);
                }
                nextRound();
            });
        });
    }

    // The rounds ran out, or (`patience`) review_patience rounds in a row left no fewer findings.
    void exhausted(bool patience)
    {
        const QString reason = patience ? QStringLiteral("patience") : QStringLiteral("max_rounds");
        const quint32 rounds = patience ? m_round : m_maxRounds;
        if (m_settings.warnOnFindingsLeft) {
            log(LogLevel::Warn, QStringLiteral("stet findings remain after address rounds"),
                {{QStringLiteral("rounds"), rounds}});
            return complete(rounds, false, reason);
        }
        const int count = m_current.findingCount;
        m_services->runProcess(
            gitSpec(m_services->settings().repoPath, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")}),
            [this, count, rounds, patience](const ProcessResult &head) {
                const QString sha = head.success() && !head.stdoutText.trimmed().isEmpty()
                                        ? head.stdoutText.trimmed()
                                        : QStringLiteral("unknown");
                // One line; the review itself goes to the log (and the log file).
                log(LogLevel::Warn, QStringLiteral("stet review with findings left"),
                    {{QStringLiteral("commit"), sha}, {QStringLiteral("stdout"), m_current.stdoutText},
                     {QStringLiteral("stderr"), m_current.stderrText}});
                QString message = QStringLiteral("%1 stet findings remain after %2 address round(s)").arg(count).arg(rounds);
                if (patience)
                    message += QStringLiteral(" (review_patience = %1: no fewer findings for %1 round(s))").arg(m_settings.patience);
                m_stopReason = patience ? QStringLiteral("patience") : QStringLiteral("max_rounds");
                loopFailed(Error(Error::Kind::Review, message,
                                 QStringLiteral("commit %1; set on_findings_remaining = \"warn\" to go on").arg(sha.left(12))));
            });
    }

    // ---- errors inside the loop (spec §8.7, second part) ----

    void loopFailed(const Error &error)
    {
        if (error.kind() == Error::Kind::Interrupted)
            return m_done(error);
        if (error.kind() == Error::Kind::CapReached) {
            m_stopReason = QStringLiteral("budget"); // neither retried nor skipped
        } else if (m_settings.onReviewFailure == AddressSettings::OnReviewFailure::RetryOnce && !m_loopIsRetry) {
            log(LogLevel::Warn, QStringLiteral("address loop failed, retrying once"),
                {{QStringLiteral("err"), error.message()}});
            return startLoop(true); // from the original review, as the reference does
        } else if (m_settings.onReviewFailure == AddressSettings::OnReviewFailure::Skip) {
            log(LogLevel::Warn, QStringLiteral("stet phase skipped"), {{QStringLiteral("err"), error.message()}});
            return complete(0, false, QStringLiteral("skipped"));
        }
        log(LogLevel::Error, QStringLiteral("address loop failed"), {{QStringLiteral("err"), error.message()}});
        // The task's records keep the rounds it ran (review.json), failed or not.
        report(m_round, false, m_stopReason.isEmpty() ? QStringLiteral("failed") : m_stopReason);
        m_done(error);
    }

    void report(quint32 rounds, bool resolved, const QString &reason)
    {
        ReviewReport r;
        r.rounds = rounds;
        r.resolved = resolved;
        r.openPerRound = m_open;
        r.stopReason = reason;
        m_services->report(r);
    }

    void complete(quint32 rounds, bool resolved, const QString &reason)
    {
        report(rounds, resolved, reason);
        log(LogLevel::Info, QStringLiteral("phase 3 complete"),
            {{QStringLiteral("rounds"), rounds}, {QStringLiteral("resolved"), resolved}});
        m_done(Result<void>());
    }

    // ---- the dismiss step (spec §8.8) ----

    void dismissAndRerun(std::function<void(const Result<ReviewResult> &)> next)
    {
        const std::optional<QList<Finding>> &findings = m_current.findings;
        if (!findings) {
            log(LogLevel::Warn, QStringLiteral("stet run output was not valid JSON or had no findings array; "
                                               "skipping structured dismiss"));
            return m_reviewer->review(next);
        }
        if (findings->isEmpty())
            return m_reviewer->review(next);
        if (m_settings.patternTriage)
            return dismissAll(triageByPatterns(*findings, m_settings.patterns), 0, next);
        m_services->runAgent(AgentMode::Triage, Prompts::triage(m_current.stdoutText), agentOptions(true),
                             [this, findings = *findings, next](const Result<AgentOutput> &answer) {
                                 if (!answer && endsTheTask(answer.error()))
                                     return loopFailed(answer.error());
                                 // A triage that could not run dismisses nothing.
                                 const QList<Dismissal> list =
                                     answer ? dismissals(parseTriageResponse(answer->text, findings), findings)
                                            : QList<Dismissal>();
                                 dismissAll(list, 0, next);
                             });
    }

    void dismissAll(const QList<Dismissal> &list, qsizetype index,
                    std::function<void(const Result<ReviewResult> &)> next)
    {
        if (index >= list.size())
            return m_reviewer->review(next);
        m_reviewer->dismiss(list[index].id, normalizeReason(list[index].reason),
                            [this, list, index, next] { dismissAll(list, index + 1, next); });
    }

    AgentCallOptions agentOptions(bool triage) const
    {
        AgentCallOptions o;
        o.phaseNumber = 3;
        o.attempts = 1 + std::min<quint64>(m_settings.retryCount, 2);
        o.emptyAnswerOnFailure = triage;
        o.logName = triage ? QStringLiteral("phase 3 triage") : QStringLiteral("phase 3");
        return o;
    }

    PhaseServices *m_services = nullptr;
    Reviewer *m_reviewer = nullptr;
    std::function<void(Result<void>)> m_done;
    AddressSettings m_settings;
    quint32 m_maxRounds = 0;
    quint32 m_round = 0;
    quint32 m_stale = 0;          // rounds in a row that left no fewer open findings
    QList<qsizetype> m_open;      // open findings: the first review, then after each round
    qsizetype m_baseline = 0;     // what the round in progress must go below (after dismissals)
    QString m_stopReason;
    bool m_loopIsRetry = false;
    ReviewResult m_initial;
    ReviewResult m_current;
};

} // namespace

Result<void> AddressPlugin::configure(const PluginConfig &config)
{
    const QJsonObject &t = config.options;
    static const QStringList known{QStringLiteral("max_address_rounds"), QStringLiteral("on_findings_remaining"),
                                   QStringLiteral("on_stet_fail"), QStringLiteral("phase3_retry_count"),
                                   QStringLiteral("review_patience"), QStringLiteral("stet_disable_llm_triage"),
                                   QStringLiteral("stet_dismiss_patterns")};
    if (auto keys = onlyKnownKeys(t, known); !keys)
        return keys.error();
    const auto count = [&](const QString &key, quint32 fallback) -> std::optional<quint32> {
        const QJsonValue v = t.value(key);
        if (v.isUndefined())
            return fallback;
        if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > 4294967295.0 || v.toDouble() != double(v.toInteger()))
            return std::nullopt;
        return quint32(v.toInteger());
    };
    const auto choice = [&](const QString &key, const QStringList &allowed) -> std::optional<qsizetype> {
        const qsizetype i = allowed.indexOf(t.value(key).toString(allowed.first()));
        return i < 0 ? std::nullopt : std::optional(i);
    };
    AddressSettings s;
    const auto rounds = count(QStringLiteral("max_address_rounds"), 5);
    const auto retries = count(QStringLiteral("phase3_retry_count"), 0);
    const auto patience = count(QStringLiteral("review_patience"), 0);
    if (!rounds || !retries || !patience)
        return Error(Error::Kind::Config,
                     QStringLiteral("max_address_rounds, phase3_retry_count and review_patience must be non-negative integers"));
    s.patience = *patience;
    s.maxRounds = *rounds;
    s.retryCount = *retries;
    const auto remaining = choice(QStringLiteral("on_findings_remaining"), {QStringLiteral("fail"), QStringLiteral("warn")});
    const auto onFail = choice(QStringLiteral("on_stet_fail"),
                               {QStringLiteral("fail"), QStringLiteral("skip"), QStringLiteral("retry_once")});
    if (!remaining)
        return Error(Error::Kind::Config, QStringLiteral("on_findings_remaining must be \"fail\" or \"warn\""));
    if (!onFail)
        return Error(Error::Kind::Config, QStringLiteral("on_stet_fail must be \"fail\", \"skip\" or \"retry_once\""));
    s.warnOnFindingsLeft = *remaining == 1;
    s.onReviewFailure = AddressSettings::OnReviewFailure(*onFail);
    s.patternTriage = t.value(QStringLiteral("stet_disable_llm_triage")).toBool(false);
    for (const QJsonValue &p : t.value(QStringLiteral("stet_dismiss_patterns")).toArray()) {
        const QJsonObject o = p.toObject();
        if (!o.value(QStringLiteral("pattern")).isString() || !o.value(QStringLiteral("reason")).isString())
            return Error(Error::Kind::Config, QStringLiteral("stet_dismiss_patterns must be a list of {pattern, reason}"));
        s.patterns.append({o.value(QStringLiteral("pattern")).toString(), o.value(QStringLiteral("reason")).toString()});
    }
    m_settings = std::move(s);
    return {};
}

QStringList AddressPlugin::describe(const PhaseOutlineContext &context) const
{
    if (!context.hasReview)
        return {QStringLiteral("skipped: the run has no reviewer")};
    const QString &review = context.reviewCommand;
    const quint32 rounds = m_settings.maxRounds;
    QStringList lines{QStringLiteral("%1; when it finds something, up to %2 %3 of:")
                          .arg(review)
                          .arg(rounds)
                          .arg(rounds == 1 ? QStringLiteral("round") : QStringLiteral("rounds"))};
    if (!context.dismissCommand.isEmpty()) {
        lines << QStringLiteral("dismiss  %1, chosen %2")
                     .arg(context.dismissCommand,
                          m_settings.patternTriage
                              ? QStringLiteral("by stet_dismiss_patterns")
                              : QStringLiteral("by triage: %1").arg(context.agentCommand(AgentMode::Triage)));
        lines << QStringLiteral("review   %1").arg(review);
    }
    lines << QStringLiteral("fix      %1").arg(context.agentCommand(AgentMode::Address));
    lines << QStringLiteral("review   %1").arg(review);
    if (m_settings.patience > 0)
        lines << QStringLiteral("stopping after %1 %2 without fewer open findings (review_patience)")
                     .arg(m_settings.patience)
                     .arg(m_settings.patience == 1 ? QStringLiteral("round") : QStringLiteral("rounds"));
    return lines;
}

std::unique_ptr<PhaseRun> AddressPlugin::createRun() const
{
    return std::make_unique<AddressRun>(m_settings);
}

} // namespace Peal::Address

PEAL_REGISTER_PLUGIN(Peal::Address::AddressPlugin)
