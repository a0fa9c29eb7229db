// SPDX-License-Identifier: MIT
#include "addressrun.h"

#include <peal/sdk/servicesteps.h>
#include <peal/sdk/process.h>
#include <peal/sdk/prompts.h>
#include <peal/sdk/reviewer.h>

#include <QSet>

namespace Peal::Address {

namespace {

// How phase 3 of a task ended, when it reports one.
struct Outcome
{
    quint32 rounds = 0;
    bool resolved = true;
    QString reason; // ReviewReport::stopReason
};

// What the steps of one phase 3 share while it runs.
struct AddressState
{
    ReviewResult initial;               // the first review: every attempt of the loop starts here
    ReviewResult current;               // the latest review
    bool reviewRetried = false;         // on_stet_fail = "retry_once", spent on the first review
    bool retryReview = false;           // ... and the first review runs again
    bool loopRetried = false;           // on_stet_fail = "retry_once", spent on the loop
    bool retryLoop = false;             // ... and the loop runs again from the first review
    bool finished = false;              // nothing more to do
    std::optional<Outcome> outcome;     // what is reported once the steps end
    quint32 round = 0;
    quint32 stale = 0;                  // rounds in a row that left no fewer open findings
    QList<qsizetype> open;              // open findings: the first review, then after each round
    qsizetype baseline = 0;             // what the round in progress must go below (after dismissals)
    std::optional<bool> findingsLeft;   // the rounds stopped with findings left (true: review_patience)
    QString stopReason;                 // why the loop failed, when it is not "failed"
    QList<std::pair<QString, QString>> toDismiss; // what triage chose: finding id, reason
    QStringList foundOrder;             // finding keys in the order they were found
    QHash<QString, FindingFate> fates;  // what became of each
};

// "<path>:<line>: <message>" of a finding, as far as the reviewer said.
QString describe(const Finding &f)
{
    QString where = f.path.value_or(QString());
    if (f.line)
        where += QStringLiteral(":%1").arg(*f.line);
    return where.isEmpty() ? f.message : where + QStringLiteral(": ") + f.message;
}

// A review's open findings against what was known: new ones are found, known ones that are
// gone were fixed in `round` (or by a dismissal that worked), known ones still open are left.
void track(AddressState &s, const ReviewResult &review, quint32 round)
{
    QHash<QString, QString> texts;
    if (review.findings) {
        for (const Finding &f : *review.findings)
            texts.insert(findingKeys({f}).value(0), describe(f));
    }
    const QSet<QString> open(review.openFindings.cbegin(), review.openFindings.cend());
    for (const QString &key : review.openFindings) {
        auto it = s.fates.find(key);
        if (it == s.fates.end()) {
            s.foundOrder.append(key);
            s.fates.insert(key, FindingFate{texts.value(key, key), QStringLiteral("left"), {}, round});
        } else {
            it->fate = QStringLiteral("left"); // still there, whatever was tried
            it->reason.clear();
        }
    }
    for (const QString &key : std::as_const(s.foundOrder)) {
        FindingFate &f = s.fates[key];
        if (f.fate == u"left" && !open.contains(key)) {
            f.fate = QStringLiteral("fixed");
            f.round = round;
        }
    }
}

// A cancelled run, or a budget that stops it: the task ends at once, whatever on_stet_fail
// says (a retry or a skip would go on spending, or hide the stop).
bool endsTheTask(const Error &error)
{
    return error.kind() == Error::Kind::Interrupted || error.kind() == Error::Kind::CapReached;
}

/*
 * The steps: the first review with its on_stet_fail policy, then the address loop - rounds of
 * (dismiss non-actionable findings and re-review, for reviewers that can dismiss) fix, commit,
 * re-review - until the review is clean or the rounds run out, with the policies for findings
 * that remain and for errors inside the loop, then the report.
 */
class AddressRun final : public PhaseRun
{
public:
    explicit AddressRun(AddressSettings settings) : m_settings(std::move(settings)) {}

    void start(PhaseServices &services, std::function<void(Result<void>)> done) override
    {
        m_services = &services;
        m_reviewer = services.reviewer();
        if (!m_reviewer)
            return done(Result<void>()); // no review this run
        log(LogLevel::Info, m_reviewer->reviewName() == u"stet run" ? QStringLiteral("phase 3: running stet review")
                                                                     : QStringLiteral("phase 3: running %1").arg(m_reviewer->reviewName()));
        services.run(recipe(), std::move(done));
    }

private:
    Step recipe()
    {
        return storageStep(QStringLiteral("phase 3"), m_state, sequenceStep(QStringLiteral("address"), {
            firstReview(),
            deferredStep(QStringLiteral("address loop"), [this] {
                return m_state->finished ? emptyStep(QStringLiteral("nothing to address")) : addressLoop();
            }),
            syncStep(QStringLiteral("report"), [this] { return reportOutcome(); }),
        }));
    }

    // ---- the first review and its policy (spec §8.7, first part) ----

    Step firstReview()
    {
        Step review = reviewStep(*m_reviewer, QStringLiteral("review"), [this](const Result<ReviewResult> &first) -> Result<void> {
            if (!first)
                return first.error();
            if (!first->hasFindings) {
                log(LogLevel::Info, QStringLiteral("no findings, skipping address loop"));
                finish(0, true, QStringLiteral("clean"));
                return {};
            }
            log(LogLevel::Info, QStringLiteral("findings detected, starting address loop"));
            m_state->initial = *first;
            track(*m_state, *first, 0);
            return {};
        });
        review.onDone([this](const Result<void> &reviewed) { return firstReviewFailed(reviewed); });
        return loopStep(QStringLiteral("first review"), review, [this] { return std::exchange(m_state->retryReview, false); });
    }

    Result<void> firstReviewFailed(const Result<void> &reviewed)
    {
        if (reviewed)
            return reviewed;
        const Error &error = reviewed.error();
        if (endsTheTask(error))
            return error;
        if (m_settings.onReviewFailure == AddressSettings::OnReviewFailure::RetryOnce && !m_state->reviewRetried) {
            log(LogLevel::Warn, QStringLiteral("%1 failed, retrying once").arg(m_reviewer->reviewName()),
                {{QStringLiteral("err"), error.message()}});
            m_state->reviewRetried = m_state->retryReview = true;
            return {};
        }
        if (m_settings.onReviewFailure == AddressSettings::OnReviewFailure::Skip) {
            log(LogLevel::Warn, QStringLiteral("review skipped (on_stet_fail = \"skip\")"), {{QStringLiteral("err"), error.message()}});
            log(LogLevel::Info, QStringLiteral("phase 3 skipped (%1 failed)").arg(m_reviewer->reviewName()));
            m_state->finished = true; // done without an outcome: counts as clean
            return {};
        }
        log(LogLevel::Error, QStringLiteral("%1 failed").arg(m_reviewer->reviewName()), {{QStringLiteral("err"), error.message()}});
        return error;
    }

    // ---- the loop (spec §8.6) and its errors (spec §8.7, second part) ----

    Step addressLoop()
    {
        Step attempt = sequenceStep(QStringLiteral("attempt"), {
            syncStep(QStringLiteral("start"), [this] { return startLoop(); }),
            loopStep(QStringLiteral("rounds"), deferredStep(QStringLiteral("round"), [this] { return round(); }),
                     [this] { return !m_state->finished; }),
        });
        attempt.onDone([this](const Result<void> &ran) { return loopFailed(ran); });
        return loopStep(QStringLiteral("address loop"), attempt, [this] { return std::exchange(m_state->retryLoop, false); });
    }

    Result<void> startLoop()
    {
        AddressState &s = *m_state;
        s.round = 0;
        s.stale = 0;
        s.stopReason.clear();
        s.findingsLeft.reset();
        s.current = s.initial;
        s.open = {s.initial.openFindings.size()};
        s.baseline = s.open.first();
        return {};
    }

    Step round()
    {
        AddressState &s = *m_state;
        if (s.findingsLeft)
            return findingsLeft(*s.findingsLeft);
        if (s.round >= m_settings.maxRounds)
            return findingsLeft(false);
        ++s.round;
        log(LogLevel::Info, QStringLiteral("address loop: starting round"),
            {{QStringLiteral("round"), s.round}, {QStringLiteral("max_rounds"), m_settings.maxRounds}});
        QList<Step> steps;
        if (m_reviewer->canDismiss())
            steps << dismissPass();
        steps << deferredStep(QStringLiteral("fix"), [this] {
            return m_state->finished ? emptyStep(QStringLiteral("resolved by dismissals")) : fixAndReview();
        });
        return sequenceStep(QStringLiteral("round %1").arg(s.round), steps);
    }

    Step fixAndReview()
    {
        return sequenceStep(QStringLiteral("fix"), {
            agentStep(*m_services, QStringLiteral("address"), AgentMode::Address,
                      [this] { return Prompts::address(m_state->current.stdoutText, m_state->current.suggestions); },
                      agentOptions(false)),
            // stet reviews committed changes only; commit the round's fixes so the re-review sees them.
            commitStep(*m_services, QStringLiteral("commit"), [this] {
                return commitMessage(taskIndex(), QStringLiteral("address round %1").arg(m_state->round));
            }),
            reviewStep(*m_reviewer, QStringLiteral("review"), [this](const Result<ReviewResult> &review) { return afterRound(review); }),
        });
    }

    Result<void> afterRound(const Result<ReviewResult> &review)
    {
        if (!review)
            return review.error();
        AddressState &s = *m_state;
        track(s, *review, s.round);
        if (!review->hasFindings) {
            s.open.append(0);
            finish(s.round, true, QStringLiteral("clean"));
            return {};
        }
        const qsizetype open = review->openFindings.size();
        const bool fewer = open < s.baseline;
        s.baseline = open;
        s.open.append(open);
        s.stale = fewer ? 0 : s.stale + 1;
        log(LogLevel::Info, QStringLiteral("findings still present after round"),
            {{QStringLiteral("round"), s.round}, {QStringLiteral("open_findings"), qint64(open)}});
        s.current = *review;
        if (m_settings.patience > 0 && s.stale >= m_settings.patience) {
            log(LogLevel::Warn, QStringLiteral("review is not converging, stopping the address loop"),
                {{QStringLiteral("round"), s.round}, {QStringLiteral("review_patience"), m_settings.patience}});
            s.findingsLeft = true;
        }
        return {};
    }

    // The rounds ran out, or (`patience`) review_patience rounds in a row left no fewer findings.
    Step findingsLeft(bool patience)
    {
        const QString reason = patience ? QStringLiteral("patience") : QStringLiteral("max_rounds");
        const quint32 rounds = patience ? m_state->round : m_settings.maxRounds;
        if (m_settings.warnOnFindingsLeft) {
            return syncStep(QStringLiteral("findings left"), [this, reason, rounds] {
                log(LogLevel::Warn, QStringLiteral("%1 remain after address rounds").arg(findingsNoun()), {{QStringLiteral("rounds"), rounds}});
                finish(rounds, false, reason);
                return Result<void>();
            });
        }
        return processStep(
            *m_services, QStringLiteral("findings left"),
            [this] { return gitSpec(m_services->settings().repoPath, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")}); },
            [this, reason, rounds, patience](const ProcessResult &head) -> Result<void> {
                const QString sha = head.success() && !head.stdoutText.trimmed().isEmpty() ? head.stdoutText.trimmed()
                                                                                             : QStringLiteral("unknown");
                const ReviewResult &current = m_state->current;
                // One line; the review itself goes to the log (and the log file).
                log(LogLevel::Warn, QStringLiteral("review with findings left"),
                    {{QStringLiteral("commit"), sha}, {QStringLiteral("stdout"), current.stdoutText},
                     {QStringLiteral("stderr"), current.stderrText}});
                QString message = QStringLiteral("%1 %2 remain after %3 address round(s)")
                                      .arg(current.findingCount)
                                      .arg(findingsNoun())
                                      .arg(rounds);
                if (patience)
                    message += QStringLiteral(" (review_patience = %1: no fewer findings for %1 round(s))").arg(m_settings.patience);
                m_state->stopReason = reason;
                return Error(Error::Kind::Review, message,
                             QStringLiteral("commit %1; set on_findings_remaining = \"warn\" to go on").arg(sha.left(12)));
            });
    }

    Result<void> loopFailed(const Result<void> &ran)
    {
        if (ran)
            return ran;
        const Error &error = ran.error();
        AddressState &s = *m_state;
        if (error.kind() == Error::Kind::Interrupted)
            return error;
        if (error.kind() == Error::Kind::CapReached) {
            s.stopReason = QStringLiteral("budget"); // neither retried nor skipped
        } else if (m_settings.onReviewFailure == AddressSettings::OnReviewFailure::RetryOnce && !s.loopRetried) {
            log(LogLevel::Warn, QStringLiteral("address loop failed, retrying once"), {{QStringLiteral("err"), error.message()}});
            s.loopRetried = s.retryLoop = true; // from the original review, as the reference does
            return {};
        } else if (m_settings.onReviewFailure == AddressSettings::OnReviewFailure::Skip) {
            log(LogLevel::Warn, QStringLiteral("review skipped (on_stet_fail = \"skip\")"), {{QStringLiteral("err"), error.message()}});
            finish(0, false, QStringLiteral("skipped"));
            return {};
        }
        log(LogLevel::Error, QStringLiteral("address loop failed"), {{QStringLiteral("err"), error.message()}});
        // The task's records keep the rounds it ran (review.json), failed or not.
        report({s.round, false, s.stopReason.isEmpty() ? QStringLiteral("failed") : s.stopReason});
        return error;
    }

    // ---- the dismiss pass (spec §8.8) ----

    Step dismissPass()
    {
        return sequenceStep(QStringLiteral("dismiss"), {
            deferredStep(QStringLiteral("triage"), [this] { return triage(); }),
            dismissStep(*m_reviewer, QStringLiteral("dismiss"), [this] { return m_state->toDismiss; }),
            reviewStep(*m_reviewer, QStringLiteral("review"), [this](const Result<ReviewResult> &review) { return afterDismissals(review); }),
        });
    }

    Step triage()
    {
        AddressState &s = *m_state;
        s.toDismiss.clear();
        const std::optional<QList<Finding>> &findings = s.current.findings;
        if (!findings) {
            log(LogLevel::Warn, QStringLiteral("the review's output was not valid JSON or had no findings array; "
                                               "skipping structured dismiss"));
            return emptyStep(QStringLiteral("no triage"));
        }
        if (findings->isEmpty())
            return emptyStep(QStringLiteral("no triage"));
        if (m_settings.patternTriage) {
            chooseDismissals(triageByPatterns(*findings, m_settings.patterns));
            return emptyStep(QStringLiteral("triage by patterns"));
        }
        return agentStep(*m_services, QStringLiteral("triage"), AgentMode::Triage,
                         [this] { return Prompts::triage(m_state->current.stdoutText); }, agentOptions(true),
                         [this](const Result<AgentOutput> &answer) -> Result<void> {
                             if (!answer && endsTheTask(answer.error()))
                                 return answer.error();
                             // A triage that could not run dismisses nothing.
                             if (answer) {
                                 const QList<Finding> &all = *m_state->current.findings;
                                 chooseDismissals(dismissals(parseTriageResponse(answer->text, all), all));
                             }
                             return {};
                         });
    }

    void chooseDismissals(const QList<Dismissal> &list)
    {
        for (const Dismissal &d : list) {
            m_state->toDismiss.append({d.id, normalizeReason(d.reason)});
            if (auto it = m_state->fates.find(d.id); it != m_state->fates.end()) {
                it->fate = QStringLiteral("dismissed");
                it->reason = normalizeReason(d.reason);
                it->round = m_state->round;
            }
        }
    }

    Result<void> afterDismissals(const Result<ReviewResult> &review)
    {
        if (!review)
            return review.error();
        AddressState &s = *m_state;
        // Dismissed findings are gone; one still open was not dismissed after all.
        track(s, *review, s.round);
        if (!review->hasFindings) {
            log(LogLevel::Info, QStringLiteral("findings resolved (after dismiss pass)"), {{QStringLiteral("round"), s.round}});
            s.open.append(0);
            finish(s.round, true, QStringLiteral("clean"));
            return {};
        }
        s.current = *review;
        // What triage dismissed is not the round's progress: the round must leave fewer
        // findings than remained after the dismissals.
        s.baseline = review->openFindings.size();
        return {};
    }

    // ---- the outcome ----

    void finish(quint32 rounds, bool resolved, const QString &reason)
    {
        m_state->outcome = Outcome{rounds, resolved, reason};
        m_state->finished = true;
    }

    void report(const Outcome &outcome)
    {
        ReviewReport r;
        r.rounds = outcome.rounds;
        r.resolved = outcome.resolved;
        r.openPerRound = m_state->open;
        r.stopReason = outcome.reason;
        QList<FindingFate> fates;
        for (const QString &key : std::as_const(m_state->foundOrder))
            fates.append(m_state->fates.value(key));
        setFindingFates(r, fates);
        m_services->report(r);
    }

    Result<void> reportOutcome()
    {
        if (const std::optional<Outcome> &outcome = m_state->outcome) {
            report(*outcome);
            log(LogLevel::Info, QStringLiteral("phase 3 complete"),
                {{QStringLiteral("rounds"), outcome->rounds}, {QStringLiteral("resolved"), outcome->resolved}});
        }
        return {};
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

    quint32 taskIndex() const { return m_services->task().index; }

    // stet's findings keep the reference's words (spec §12); every other reviewer's are review
    // findings.
    QString findingsNoun() const
    {
        return m_reviewer->reviewName().contains(u"stet") ? QStringLiteral("stet findings")
                                                           : QStringLiteral("review findings");
    }

    void log(LogLevel level, const QString &message, LogFields fields = {})
    {
        fields.prepend({QStringLiteral("task_index"), taskIndex()});
        m_services->log(level, message, fields);
    }

    AddressSettings m_settings;
    PhaseServices *m_services = nullptr;
    Reviewer *m_reviewer = nullptr;
    Storage<AddressState> m_state;
};

} // namespace

std::unique_ptr<PhaseRun> createAddressRun(AddressSettings settings)
{
    return std::make_unique<AddressRun>(std::move(settings));
}

} // namespace Peal::Address
