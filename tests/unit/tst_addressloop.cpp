// SPDX-License-Identifier: MIT
// The address loop's policies (spec §8.6-§8.8) in tables, on the real engine and the real
// cursor, stet and address plugins with every process scripted (EngineRun): what remains after
// the rounds (on_findings_remaining), what a failing review or fix does at each point of the
// loop (on_stet_fail: fail, skip, retry_once), and the calls each case makes. No process is
// spawned; each row takes milliseconds. tst_review keeps the cases that need a real git
// repository and the fake stet's session.
#include "enginerun.h"
#include "testsupport.h"

#include <QTest>

using namespace PealTest;
using namespace Qt::StringLiterals;
using Peal::ProcessEnding;

namespace {

const QString kA = stetFindings({u"a1111111"_s});
const QString kNone = stetFindings({});
const QStringList kPlanExecute{u"plan 1"_s, u"execute 1"_s};

// What a stet run answers: findings, or a run that times out or cannot start.
ScriptedAnswer review(const QString &findings)
{
    return {1, 0, findings};
}
ScriptedAnswer timedOut()
{
    return {1, -1, {}, {}, ProcessEnding::TimedOut};
}
ScriptedAnswer cannotStart()
{
    return {1, -1, {}, {}, ProcessEnding::FailedToStart, u"No such file or directory"_s};
}

QStringList stet(const QStringList &between, bool finish = true)
{
    QStringList calls{u"stet start"_s};
    calls += between;
    if (finish)
        calls << u"stet finish"_s;
    return calls;
}

QStringList runs(int n)
{
    QStringList out;
    for (int i = 0; i < n; ++i)
        out << u"stet run"_s;
    return out;
}

} // namespace

class tst_AddressLoop : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- what remains after the rounds (on_findings_remaining) ----

    void findingsRemain_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QString>("rounds");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QStringList>("stetCalls");
        QTest::addColumn<QStringList>("agentCalls");
        const QStringList round{u"triage"_s, u"address"_s};
        QTest::newRow("fail after 1 round") << u"fail"_s << u"1"_s << 1 << stet(runs(3)) << kPlanExecute + round;
        QTest::newRow("warn after 1 round") << u"warn"_s << u"1"_s << 2 << stet(runs(3)) << kPlanExecute + round;
        QTest::newRow("fail after 2 rounds") << u"fail"_s << u"2"_s << 1 << stet(runs(5))
                                             << kPlanExecute + round + round;
        QTest::newRow("fail, zero rounds: no agent call") << u"fail"_s << u"0"_s << 1 << stet(runs(1)) << kPlanExecute;
        QTest::newRow("warn, zero rounds") << u"warn"_s << u"0"_s << 2 << stet(runs(1)) << kPlanExecute;
    }

    void findingsRemain()
    {
        QFETCH(QString, policy);
        QFETCH(QString, rounds);
        QFETCH(int, exitCode);
        QFETCH(QStringList, stetCalls);
        QFETCH(QStringList, agentCalls);
        EngineRun r;
        QVERIFY(r.isValid());
        r.script(u"stet run"_s, {review(kA)});
        QCOMPARE(r.run({u"--on-findings-remaining"_s, policy, u"--max-address-rounds"_s, rounds}), exitCode);
        QCOMPARE(r.calls(u"stet "_s), stetCalls);
        QCOMPARE(r.agentCalls(), agentCalls);
        if (policy == u"fail") {
            QVERIFY2(r.err().contains(u"error: task 1, phase 3 (address): 1 stet findings remain after %1 address round(s) "
                                      "(commit 111111111111; set on_findings_remaining = \"warn\" to go on)\n"_s.arg(rounds)),
                     qPrintable(r.err()));
            QCOMPARE(r.completed(), QList<int>());
            QVERIFY(r.summary().isEmpty());
        } else {
            QCOMPARE(r.completed(), QList<int>{1});
            QCOMPARE(ints(r.summary().value(u"tasks_with_remaining_findings"_s)), QList<int>{1});
            QVERIFY(ints(r.summary().value(u"tasks_completed"_s)).isEmpty());
            QCOMPARE(r.summary().value(u"exit_code"_s).toInt(), 2);
            QVERIFY2(r.err().contains(u"warning: finished with issues (exit 2): findings left: task 1\n"_s), qPrintable(r.err()));
        }
        // The rounds are recorded, however the loop ended.
        QCOMPARE(r.review(1).value(u"rounds"_s).toInt(), rounds.toInt());
        QCOMPARE(r.review(1).value(u"resolved"_s).toBool(), false);
    }

    // ---- on_stet_fail: the first review of a task ----

    void onStetFailAtReviewRun_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QList<ScriptedAnswer>>("reviews");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<int>("runs");
        QTest::addColumn<QList<int>>("completed");
        QTest::newRow("fail") << u"fail"_s << QList<ScriptedAnswer>{timedOut()} << 1 << 1 << QList<int>();
        QTest::newRow("retry_once, fails twice") << u"retry_once"_s << QList<ScriptedAnswer>{timedOut()} << 1 << 2
                                                 << QList<int>();
        QTest::newRow("retry_once, recovers") << u"retry_once"_s << QList<ScriptedAnswer>{timedOut(), review(kNone)}
                                              << 0 << 2 << QList<int>{1};
        QTest::newRow("skip: done without phase 3") << u"skip"_s << QList<ScriptedAnswer>{timedOut()} << 0 << 1
                                                    << QList<int>{1};
    }

    void onStetFailAtReviewRun()
    {
        QFETCH(QString, policy);
        QFETCH(QList<ScriptedAnswer>, reviews);
        QFETCH(int, exitCode);
        QFETCH(int, runs);
        QFETCH(QList<int>, completed);
        EngineRun r;
        r.script(u"stet run"_s, reviews);
        QCOMPARE(r.run({u"--on-stet-fail"_s, policy}), exitCode);
        QCOMPARE(r.calls(u"stet "_s), stet(::runs(runs)));
        QCOMPARE(r.completed(), completed);
        if (exitCode == 1) {
            QVERIFY2(r.err().contains(u"error: task 1, phase 3 (address): stet run failed: timed out"_s), qPrintable(r.err()));
            QVERIFY(r.summary().isEmpty());
        } else {
            // A skipped review is a clean completion: no outcome, listed as completed.
            QCOMPARE(ints(r.summary().value(u"tasks_completed"_s)), QList<int>{1});
            QCOMPARE(r.summary().value(u"exit_code"_s).toInt(), 0);
        }
    }

    // ---- on_stet_fail: a fix that fails ----

    void onStetFailInAddressLoop_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<int>("rounds");
        QTest::addColumn<int>("stetRuns");
        // The initial review, then per loop the dismiss step's re-run before the failing fix.
        QTest::newRow("fail") << u"fail"_s << 1 << 1 << 2;
        QTest::newRow("retry_once: the whole loop again") << u"retry_once"_s << 1 << 2 << 3;
        QTest::newRow("skip: unresolved outcome") << u"skip"_s << 2 << 1 << 2;
    }

    void onStetFailInAddressLoop()
    {
        QFETCH(QString, policy);
        QFETCH(int, exitCode);
        QFETCH(int, rounds);
        QFETCH(int, stetRuns);
        EngineRun r;
        r.script(u"stet run"_s, {review(kA)});
        r.script(u"address"_s, {{1, 1, {}, u"broken"_s}});
        QCOMPARE(r.run({u"--on-stet-fail"_s, policy}), exitCode);
        QCOMPARE(r.calls(u"triage"_s).size(), rounds);
        QCOMPARE(r.calls(u"address"_s).size(), rounds);
        QCOMPARE(r.calls(u"stet "_s), stet(runs(stetRuns)));
        if (exitCode == 1) {
            QVERIFY2(r.err().contains(u"error: task 1, phase 3 (address): agent exited with code 1"_s), qPrintable(r.err()));
            QCOMPARE(r.completed(), QList<int>());
        } else {
            QCOMPARE(r.completed(), QList<int>{1});
            QCOMPARE(ints(r.summary().value(u"tasks_with_remaining_findings"_s)), QList<int>{1});
            QCOMPARE(r.summary().value(u"exit_code"_s).toInt(), 2);
        }
    }

    void findingsRemainingUnderSkipAndRetry_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<int>("addressCalls");
        QTest::newRow("skip turns remaining findings into exit 2") << u"skip"_s << 2 << 1;
        QTest::newRow("retry_once runs the loop twice") << u"retry_once"_s << 1 << 2;
    }

    void findingsRemainingUnderSkipAndRetry()
    {
        QFETCH(QString, policy);
        QFETCH(int, exitCode);
        QFETCH(int, addressCalls);
        EngineRun r;
        r.script(u"stet run"_s, {review(kA)});
        QCOMPARE(r.run({u"--on-stet-fail"_s, policy, u"--max-address-rounds"_s, u"1"_s}), exitCode);
        QCOMPARE(r.calls(u"address"_s).size(), addressCalls);
    }

    // ---- on_stet_fail: a review inside the loop that fails ----

    void stetFailsInsideTheAddressLoop_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QList<ScriptedAnswer>>("reviews");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QStringList>("stetCalls");
        QTest::addColumn<int>("triage");
        QTest::addColumn<int>("address");
        QTest::addColumn<QString>("error");
        const auto a = review(kA);
        const auto none = review(kNone);
        const QString timedOutLine = u"error: task 1, phase 3 (address): stet run failed: timed out"_s;
        const QString spawnLine = u"error: task 1, phase 3 (address): stet run failed: spawn failed: No such file or directory"_s;
        using Answers = QList<ScriptedAnswer>;

        // The 2nd run is the dismiss step's re-run, the 3rd the re-review after the fix.
        QTest::newRow("dismiss re-run times out, fail") << u"fail"_s << Answers{a, timedOut(), a, none} << 1
                                                        << stet(runs(2)) << 1 << 0 << timedOutLine;
        QTest::newRow("dismiss re-run times out, retry_once: the loop again and resolved")
            << u"retry_once"_s << Answers{a, timedOut(), a, none} << 0 << stet(runs(4)) << 2 << 1 << QString();
        QTest::newRow("dismiss re-run times out, skip") << u"skip"_s << Answers{a, timedOut(), a, none} << 2
                                                        << stet(runs(2)) << 1 << 0 << QString();
        QTest::newRow("re-review times out, fail") << u"fail"_s << Answers{a, a, timedOut(), a, none} << 1
                                                   << stet(runs(3)) << 1 << 1 << timedOutLine;
        QTest::newRow("re-review times out, retry_once: the loop again and resolved")
            << u"retry_once"_s << Answers{a, a, timedOut(), a, none} << 0 << stet(runs(5)) << 2 << 2 << QString();
        QTest::newRow("re-review times out, skip") << u"skip"_s << Answers{a, a, timedOut(), a, none} << 2
                                                   << stet(runs(3)) << 1 << 1 << QString();
        // A stet that cannot start any more: its finish cannot either (best effort, a WARN).
        QTest::newRow("dismiss re-run cannot start, fail") << u"fail"_s << Answers{a, cannotStart()} << 1
                                                           << stet(runs(2)) << 1 << 0 << spawnLine;
        QTest::newRow("dismiss re-run cannot start, retry_once: fails again")
            << u"retry_once"_s << Answers{a, cannotStart()} << 1 << stet(runs(3)) << 2 << 0 << spawnLine;
        QTest::newRow("dismiss re-run cannot start, skip") << u"skip"_s << Answers{a, cannotStart()} << 2
                                                           << stet(runs(2)) << 1 << 0 << QString();
        QTest::newRow("re-review cannot start, fail") << u"fail"_s << Answers{a, a, cannotStart()} << 1 << stet(runs(3))
                                                      << 1 << 1 << spawnLine;
        QTest::newRow("re-review cannot start, retry_once: fails again")
            << u"retry_once"_s << Answers{a, a, cannotStart()} << 1 << stet(runs(4)) << 2 << 1 << spawnLine;
        QTest::newRow("re-review cannot start, skip") << u"skip"_s << Answers{a, a, cannotStart()} << 2
                                                      << stet(runs(3)) << 1 << 1 << QString();
    }

    void stetFailsInsideTheAddressLoop()
    {
        QFETCH(QString, policy);
        QFETCH(QList<ScriptedAnswer>, reviews);
        QFETCH(int, exitCode);
        QFETCH(QStringList, stetCalls);
        QFETCH(int, triage);
        QFETCH(int, address);
        QFETCH(QString, error);
        EngineRun r;
        r.script(u"stet run"_s, reviews);
        // A stet that cannot start any more cannot finish either: a warning, never an error.
        const bool gone = reviews.last().ending == ProcessEnding::FailedToStart;
        if (gone)
            r.script(u"stet finish"_s, {cannotStart()});
        QCOMPARE(r.run({u"--on-stet-fail"_s, policy}), exitCode);
        QCOMPARE(r.calls(u"stet "_s), stetCalls);
        QCOMPARE(r.err().contains(u"stet finish failed (best-effort)"_s), gone);
        QCOMPARE(r.calls(u"triage"_s).size(), triage);
        QCOMPARE(r.calls(u"address"_s).size(), address);
        if (!error.isEmpty())
            QVERIFY2(r.err().contains(error), qPrintable(r.err()));
        if (policy == u"retry_once")
            QVERIFY(r.err().contains(u"address loop failed, retrying once"_s));
        const QJsonObject summary = r.summary();
        if (exitCode == 1) {
            QVERIFY(summary.isEmpty());
            QCOMPARE(r.completed(), QList<int>());
        } else {
            QCOMPARE(r.completed(), QList<int>{1});
            QCOMPARE(summary.value(u"exit_code"_s).toInt(), exitCode);
            // skip: the task succeeded without its review resolving (spec §8.7)
            QCOMPARE(ints(summary.value(u"tasks_with_remaining_findings"_s)), exitCode == 2 ? QList<int>{1} : QList<int>());
        }
    }
};

QTEST_GUILESS_MAIN(tst_AddressLoop)
#include "tst_addressloop.moc"
