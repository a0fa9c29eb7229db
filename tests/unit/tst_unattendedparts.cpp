// SPDX-License-Identifier: MIT
// The pure pieces of unattended runs (docs/unattended.md): reading rate limits and their reset
// times out of what CLIs print, the backoff, budgets and the spend ledger, the gate that holds
// a back-end's calls, and the keys that tell findings apart.
#include "unattended/budget.h"
#include "unattended/fallback.h"
#include "unattended/ratelimit.h"

#include "testsupport.h"

#include <peal/sdk/reviewer.h>
#include <peal/state.h>

#include <QElapsedTimer>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Peal::Internal;
using namespace Qt::StringLiterals;
using std::chrono::milliseconds;

class tst_UnattendedParts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void resetDelays_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("expectedMs"); // -1: none
        QTest::newRow("retry-after header") << u"HTTP 429, retry-after: 30"_s << qint64(30000);
        QTest::newRow("retry_after json") << uR"({"retry_after": 2.5})"_s << qint64(2500);
        QTest::newRow("openai words") << u"Rate limit reached. Please try again in 1.5s."_s << qint64(1500);
        QTest::newRow("hours and minutes") << u"usage limit: try again in 2 hours 5 minutes"_s << qint64(7500000);
        QTest::newRow("milliseconds") << u"retrying after 250ms"_s << qint64(250);
        QTest::newRow("retry after, minutes") << u"Rate limited. Please retry after 2 minutes."_s << qint64(120000);
        QTest::newRow("retry after, ms") << u"429: retry after 250ms"_s << qint64(250);
        QTest::newRow("retry after, no unit") << u"retry after 7"_s << qint64(7000);
        QTest::newRow("clock time in UTC") << u"Your limit resets at 2:30 UTC"_s << qint64(9000000);
        QTest::newRow("clock time in UTC, pm") << u"limit resets 1pm UTC."_s << qint64(46800000);
        QTest::newRow("gemini retryDelay") << uR"({"@type":"RetryInfo","retryDelay":"37s"})"_s << qint64(37000);
        QTest::newRow("claude epoch") << u"Claude AI usage limit reached|1767225660"_s << qint64(60000);
        QTest::newRow("iso reset") << u"limit resets at 2026-01-01T00:02:00Z"_s << qint64(120000);
        QTest::newRow("past reset") << u"resets at 2025-12-31T23:00:00Z"_s << qint64(0);
        QTest::newRow("nothing") << u"rate limit exceeded"_s << qint64(-1);
        QTest::newRow("a bare number") << u"wrote 429 lines"_s << qint64(-1);
    }

    void resetDelays()
    {
        QFETCH(QString, text);
        QFETCH(qint64, expectedMs);
        const QDateTime now = QDateTime::fromString(u"2026-01-01T00:00:00Z"_s, Qt::ISODate);
        const auto delay = RateLimitText::resetDelay(text, now);
        if (expectedMs < 0)
            QVERIFY(!delay);
        else
            QCOMPARE(delay.value_or(milliseconds(-1)).count(), expectedMs);
    }

    void aClockTimeIsTheNextOneToCome()
    {
        // 14:05 local: later today when it is morning, tomorrow when it is past.
        const QDateTime morning(QDate(2026, 3, 2), QTime(9, 0), Qt::LocalTime);
        QCOMPARE(RateLimitText::resetDelay(u"Your limit resets at 14:05"_s, morning.toUTC())->count(),
                 qint64((5 * 3600 + 5 * 60) * 1000));
        const QDateTime evening(QDate(2026, 3, 2), QTime(15, 0), Qt::LocalTime);
        QCOMPARE(RateLimitText::resetDelay(u"resets 2pm"_s, evening.toUTC())->count(), qint64(23 * 3600 * 1000));
    }

    void classes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("extra");
        QTest::addColumn<QString>("expected");
        QTest::newRow("429") << u"API Error: 429 Too Many Requests"_s << QString() << u"rate_limit"_s;
        QTest::newRow("status") << uR"({"status": 429})"_s << QString() << u"rate_limit"_s;
        QTest::newRow("words") << u"You have hit your usage limit"_s << QString() << u"rate_limit"_s;
        QTest::newRow("gemini") << u"RESOURCE_EXHAUSTED: quota exceeded"_s << QString() << u"rate_limit"_s;
        QTest::newRow("overloaded") << u"Overloaded (529)"_s << QString() << u"overloaded"_s;
        QTest::newRow("503") << u"HTTP 503 Service Unavailable"_s << QString() << u"overloaded"_s;
        QTest::newRow("bare number") << u"edited 429 files, 503 remain"_s << QString() << u"none"_s;
        QTest::newRow("other") << u"segmentation fault"_s << QString() << u"none"_s;
        QTest::newRow("a pattern of the user") << u"slow down, cowboy"_s << u"slow\\s+down"_s << u"rate_limit"_s;
        QTest::newRow("out of credit") << u"Your credit balance is too low to access the API"_s << QString() << u"billing"_s;
        QTest::newRow("insufficient_quota before 429") << u"Error 429: insufficient_quota"_s << QString() << u"billing"_s;
        QTest::newRow("402") << u"request failed (402)"_s << QString() << u"billing"_s;
    }

    void apiErrorsTellBillingFromLimits()
    {
        QCOMPARE(failureFromApiError(429, u"You exceeded your current quota: insufficient_quota"_s), AgentEvent::Failure::Billing);
        QCOMPARE(failureFromApiError(402, QString()), AgentEvent::Failure::Billing);
        QCOMPARE(failureFromApiError(429, u"Rate limit reached"_s), AgentEvent::Failure::RateLimit);
        QCOMPARE(failureFromApiError(0, u"quota exceeded for this minute"_s), AgentEvent::Failure::RateLimit);
        QCOMPARE(failureClassName(AgentEvent::Failure::Billing), u"billing"_s);
    }

    void aBackEndSetAsideComesBackWhenItsTimeHasPassed()
    {
        AgentFallbacks f;
        const QDateTime now = QDateTime::fromString(u"2026-12-07T10:00:00Z"_s, Qt::ISODate);
        QVERIFY(!f.unavailable(u"claude"_s, now));
        QVERIFY(f.markUnavailable(u"claude"_s, {now.addSecs(7200), u"rate_limit"_s, u"limited"_s}));
        QVERIFY(!f.markUnavailable(u"claude"_s, {now.addSecs(7200), u"rate_limit"_s, u"limited"_s})); // already
        QCOMPARE(f.unavailable(u"claude"_s, now.addSecs(3600))->failureClass, u"rate_limit"_s);
        QVERIFY(f.returned().isEmpty());
        QVERIFY(!f.unavailable(u"claude"_s, now.addSecs(7200))); // its reset: back
        QCOMPARE(f.returned(), QStringList{u"claude"_s});
        QVERIFY(f.returned().isEmpty());
        // Auth and billing: for the rest of the run.
        f.markUnavailable(u"codex"_s, {QDateTime(), u"billing"_s, u"credit balance"_s});
        QVERIFY(f.unavailable(u"codex"_s, now.addYears(1)));
        // Overloads in a row; a success starts over.
        QCOMPARE(f.noteOverloaded(u"gemini"_s), 1);
        QCOMPARE(f.noteOverloaded(u"gemini"_s), 2);
        f.noteSucceeded(u"gemini"_s);
        QCOMPARE(f.noteOverloaded(u"gemini"_s), 1);
    }

    void classes()
    {
        QFETCH(QString, text);
        QFETCH(QString, extra);
        QFETCH(QString, expected);
        QList<QRegularExpression> patterns;
        if (!extra.isEmpty())
            patterns << QRegularExpression(extra);
        const AgentEvent::Failure f = RateLimitText::classify(text, patterns);
        QCOMPARE(f == AgentEvent::Failure::None ? u"none"_s : failureClassName(f), expected);
    }

    void backoffDoublesWithJitterUpToTheCap()
    {
        const milliseconds base(30000), cap(3600000);
        QCOMPARE(RateLimitText::backoff(base, 1, cap, 0.0).count(), 30000);
        QCOMPARE(RateLimitText::backoff(base, 2, cap, 0.0).count(), 60000);
        QCOMPARE(RateLimitText::backoff(base, 3, cap, 0.999).count(), qint64(120000 * 1.24975));
        QCOMPARE(RateLimitText::backoff(base, 40, cap, 0.5), cap);
    }

    void budgetsAreReachedAtTheLimit()
    {
        Config c;
        c.maxCostUsd = 0.5;
        c.taskMaxTokens = 1000;
        QVERIFY(!budgetReached(c, Spend{0.49, 10}, 1, Spend{0.49, 999}));
        const auto run = budgetReached(c, Spend{0.5, 10}, 1, Spend{0.1, 10});
        QVERIFY(run);
        QCOMPARE(run->key, u"max_cost_usd"_s);
        QCOMPARE(run->message, u"budget max_cost_usd = 0.5 reached: the agent calls of this plan cost $0.5000 (10 tokens)"_s);
        const auto task = budgetReached(c, Spend{0.1, 1000}, 2, Spend{0.1, 1000});
        QVERIFY(task);
        QCOMPARE(task->key, u"task_max_tokens"_s);
        QVERIFY2(task->message.contains(u"the agent calls of task 2 cost $0.1000 (1000 tokens)"_s), qPrintable(task->message));
        // Task budgets are not checked for calls of no task.
        QVERIFY(!budgetReached(c, Spend{0.1, 1000}, 0, Spend{}));
    }

    void theLedgerOutlivesTheRunAndAnInvalidOneIsSetAside()
    {
        QTemporaryDir dir;
        SpendLedger ledger;
        QString warning;
        QVERIFY(ledger.load(dir.path(), &warning).ok());
        AgentTotals call;
        call.inputTokens = 100;
        call.outputTokens = 20;
        call.costUsd = 0.25;
        QVERIFY(ledger.add(3, call).ok());
        QVERIFY(ledger.add(3, call).ok());
        // One line per call, appended: no file is rewritten per call.
        QCOMPARE(PealTest::readFile(SpendLedger::ledgerPath(dir.path())).count('\n'), 2);
        QVERIFY(!QFile::exists(SpendLedger::path(dir.path())));
        SpendLedger again;
        QVERIFY(again.load(dir.path(), &warning).ok());
        QVERIFY(warning.isEmpty());
        QCOMPARE(again.run().tokens, 240);
        QCOMPARE(again.task(3).costUsd, 0.5);
        // The summary for people and scripts, written at the end of a run.
        QVERIFY(again.writeSummary().ok());
        const QJsonObject summary = PealTest::json(PealTest::readFile(SpendLedger::path(dir.path())));
        QCOMPARE(summary.value(u"tokens"_s).toInt(), 240);
        QCOMPARE(summary.value(u"tasks"_s).toObject().value(u"3"_s).toObject().value(u"cost_usd"_s).toDouble(), 0.5);
        QCOMPARE(StateStore::readSpend(dir.path()), summary);

        QVERIFY(PealTest::writeFile(SpendLedger::ledgerPath(dir.path()), "{\"task\": 1, \"cost_usd\": \"a lot\", \"tokens\": 1}\n"));
        QVERIFY(again.load(dir.path(), &warning).ok());
        QVERIFY2(warning.contains(u"budgets count from zero"_s), qPrintable(warning));
        QCOMPARE(again.run().tokens, 0);
        QVERIFY(QFile::exists(SpendLedger::ledgerPath(dir.path()) + u".invalid"_s));
    }

    void aLineTornByAKillIsDroppedAndTheNextOneStandsAlone()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::writeFile(SpendLedger::ledgerPath(dir.path()),
                                    "{\"task\":1,\"cost_usd\":0.5,\"tokens\":10}\n{\"task\":2,\"cost_"));
        // Reading changes nothing.
        QCOMPARE(StateStore::readSpend(dir.path()).value(u"tokens"_s).toInt(), 10);
        SpendLedger ledger;
        QString warning;
        QVERIFY(ledger.load(dir.path(), &warning).ok());
        QVERIFY(warning.isEmpty());
        QCOMPARE(ledger.run().tokens, 10);
        AgentTotals call;
        call.inputTokens = 5;
        QVERIFY(ledger.add(2, call).ok());
        SpendLedger again;
        QVERIFY(again.load(dir.path(), &warning).ok());
        QCOMPARE(again.run().tokens, 15);
        QCOMPARE(again.task(2).tokens, 5);
    }

    void anOlderPealsTotalsAreCarriedIntoTheLedger()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::writeFile(SpendLedger::path(dir.path()),
                                    R"({"cost_usd": 1.5, "tokens": 300, "tasks": {"2": {"cost_usd": 1.0, "tokens": 200}}})"));
        SpendLedger ledger;
        QString warning;
        QVERIFY(ledger.load(dir.path(), &warning).ok());
        QCOMPARE(ledger.run().tokens, 300);
        QCOMPARE(ledger.task(2).costUsd, 1.0);
        AgentTotals call;
        call.outputTokens = 7;
        QVERIFY(ledger.add(4, call).ok());
        SpendLedger again;
        QVERIFY(again.load(dir.path(), &warning).ok());
        QCOMPARE(again.run().tokens, 307);
        QCOMPARE(again.run().costUsd, 1.5);
        QCOMPARE(again.task(2).tokens, 200);
        QCOMPARE(again.task(4).tokens, 7);
    }

    void theGateHoldsEveryCallOfTheBackEndUntilTheReset()
    {
        RateLimitGate gate;
        QObject context;
        QElapsedTimer clock;
        clock.start();
        gate.hold({u"claude"_s, QDateTime::currentDateTimeUtc().addMSecs(300), 1, u"plan"_s, u"limited"_s});
        QVERIFY(gate.isHeld(u"claude"_s));
        QList<qint64> startedAt;
        bool otherRan = false;
        for (int i = 0; i < 3; ++i)
            gate.whenOpen(u"claude"_s, &context, [&](bool open) {
                QVERIFY(open);
                startedAt << clock.elapsed();
            });
        gate.whenOpen(u"codex"_s, &context, [&](bool) { otherRan = true; });
        QTRY_VERIFY_WITH_TIMEOUT(otherRan, 5000); // another back-end is not held
        QVERIFY(startedAt.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(startedAt.size(), 3, 5000);
        QVERIFY(startedAt.first() >= 250);
        QVERIFY(!gate.isHeld(u"claude"_s));
    }

    void callsRefusedDuringAHoldAreOneEventOfTheBackoff()
    {
        RateLimitGate gate;
        QCOMPARE(gate.noteLimited(u"claude"_s), 1);
        gate.hold({u"claude"_s, QDateTime::currentDateTimeUtc().addSecs(3600), 1, u"plan"_s, u"limited"_s});
        // The other streams of a parallel block, refused by the same limit.
        QCOMPARE(gate.noteLimited(u"claude"_s), 1);
        QCOMPARE(gate.noteLimited(u"claude"_s), 1);
        QCOMPARE(gate.noteLimited(u"codex"_s), 1);
        gate.cancel();
        // Refused again once the hold is over: the next event in the row.
        QCOMPARE(gate.noteLimited(u"claude"_s), 2);
        gate.noteSucceeded(u"claude"_s);
        QCOMPARE(gate.noteLimited(u"claude"_s), 1);
    }

    void cancellingTheGateEndsEveryWait()
    {
        RateLimitGate gate;
        QObject context;
        gate.hold({u"claude"_s, QDateTime::currentDateTimeUtc().addSecs(3600), 1, u"plan"_s, u"limited"_s});
        int refused = 0;
        gate.whenOpen(u"claude"_s, &context, [&](bool open) { refused += open ? 0 : 1; });
        gate.cancel();
        QCOMPARE(refused, 1);
        QVERIFY(gate.holds().isEmpty());
    }

    void findingsAreToldApartByIdElseByPlace()
    {
        const QList<Finding> findings{
            Finding{u"a1"_s, u"unused"_s, std::nullopt, u"x.c"_s, 3},
            Finding{QString(), u"off by one"_s, std::nullopt, u"y.c"_s, 7},
            Finding{QString(), u"off by one"_s, std::nullopt, u"y.c"_s, 7},
        };
        // The same finding reported twice is one open finding.
        QCOMPARE(findingKeys(findings), (QStringList{u"a1"_s, u"y.c:7: off by one"_s}));
        const QList<Finding> sameId{Finding{u"a1"_s, u"unused"_s, std::nullopt, u"x.c"_s, 3},
                                    Finding{u"a1"_s, u"unused, again"_s, std::nullopt, u"x.c"_s, 4}};
        QCOMPARE(findingKeys(sameId), QStringList{u"a1"_s});
        QCOMPARE(numberedFindingKeys(2), (QStringList{u"#1"_s, u"#2"_s}));
    }
};

QTEST_GUILESS_MAIN(tst_UnattendedParts)
#include "tst_unattendedparts.moc"
