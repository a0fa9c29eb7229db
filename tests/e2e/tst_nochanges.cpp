// SPDX-License-Identifier: MIT
// A task whose execute changed nothing is not silently done: on_no_changes = "warn" (the
// default) says so, "fail" fails the task, "retry" asks the agent once more and tells it why.
#include "testsupport.h"

#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {

// A plan the demo agent answers with nothing to apply: its execute edits no file.
const QHash<QString, QString> kIdle{{u"PEAL_FAKE_AGENT_PLAN_TEXT"_s, u"Nothing needs to change."_s}};

QHash<QString, QString> idleUnlessToldAgain()
{
    QHash<QString, QString> env = kIdle;
    // The retry's prompt says the first attempt changed nothing: then the agent edits a file.
    env.insert(u"PEAL_FAKE_AGENT_SET_LINE_ON"_s, u"changed no file=notes.txt:1:done"_s);
    return env;
}

} // namespace

class tst_NoChanges : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void warnSaysSoAndGoesOn()
    {
        Scenario s;
        const auto r = s.run({u"--commit-after-phase2"_s, u"--no-review"_s}, kIdle);
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY2(r.err.contains(u"warning: task 1: execute changed nothing - no file added, changed or removed, nothing "
                                "committed (on_no_changes = \"warn\""_s),
                 PealTest::tail(r.err).constData());
        QCOMPARE(s.commits().filter(u"peal: task 1"_s).size(), 0);
        QCOMPARE(s.completed(), (QList<int>{1}));
    }

    void failFailsTheTask()
    {
        Scenario s;
        const auto r = s.run({u"--commit-after-phase2"_s, u"--no-review"_s, u"--on-no-changes"_s, u"fail"_s}, kIdle);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"error: task 1: execute changed nothing (on_no_changes = \"fail\")"_s),
                 PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), QList<int>());
        // A run again executes once more, with the plan it kept.
        const qsizetype before = s.agentCalls().size();
        const auto again = s.run({u"--commit-after-phase2"_s, u"--no-review"_s});
        QVERIFY2(again.exitCode == 0, PealTest::tail(again.err).constData());
        QCOMPARE(s.agentCalls().mid(before), QStringList{u"execute"_s});
    }

    void retryAsksOnceMore()
    {
        Scenario s;
        const auto r = s.run({u"--commit-after-phase2"_s, u"--no-review"_s, u"--on-no-changes"_s, u"retry"_s},
                             idleUnlessToldAgain());
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY(r.err.contains(u"asking the agent once more (on_no_changes = \"retry\")"_s));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute"_s, u"execute"_s}));
        QCOMPARE(s.commits().filter(u"peal: task 1"_s).size(), 1);
        QVERIFY(!r.err.contains(u"execute changed nothing - "_s));
    }

    void aRetryThatChangesNothingFails()
    {
        Scenario s;
        const auto r = s.run({u"--commit-after-phase2"_s, u"--no-review"_s, u"--on-no-changes"_s, u"retry"_s}, kIdle);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"error: task 1: execute changed nothing, also when asked once more"_s),
                 PealTest::tail(r.err).constData());
    }

    void aBadValueIsAConfigError()
    {
        Scenario s;
        const auto r = s.run({u"--on-no-changes"_s, u"ignore"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"Invalid on_no_changes value 'ignore' (expected \"warn\", \"fail\", or \"retry\")"_s),
                 qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(tst_NoChanges)
#include "tst_nochanges.moc"
