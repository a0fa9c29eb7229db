// SPDX-License-Identifier: MIT
// The built-in plan and execute phases on the real engine with every process scripted
// (EngineRun): the plan's one retry when its text does not pass validate_plan_text, and what a
// failing agent call does to the task. No process is spawned.
#include "enginerun.h"
#include "testsupport.h"

#include <QTest>

using namespace PealTest;
using namespace Qt::StringLiterals;

class tst_TaskPhases : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void anInvalidPlanIsAskedForOnceMore_data()
    {
        QTest::addColumn<QStringList>("plans");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QStringList>("agentCalls");
        QTest::addColumn<QString>("logged");
        QTest::newRow("valid at once") << QStringList{u"Steps for T1: do it."_s} << 0
                                       << QStringList{u"plan 1"_s, u"execute 1"_s} << u"phase 1 complete"_s;
        QTest::newRow("valid the second time") << QStringList{u"short"_s, u"Steps for T1: do it."_s} << 0
                                               << QStringList{u"plan 1"_s, u"plan 1"_s, u"execute 1"_s}
                                               << u"plan text validation failed, retrying phase 1 once"_s;
        QTest::newRow("invalid twice") << QStringList{u"short"_s} << 1 << QStringList{u"plan 1"_s, u"plan 1"_s}
                                       << u"error: task 1, phase 1 (plan): the agent returned an empty or invalid plan: "
                                          "plan text length 5 below minimum 10"_s;
    }

    void anInvalidPlanIsAskedForOnceMore()
    {
        QFETCH(QStringList, plans);
        QFETCH(int, exitCode);
        QFETCH(QStringList, agentCalls);
        QFETCH(QString, logged);
        EngineRun r;
        QVERIFY(r.isValid());
        QVERIFY(writeFile(r.path(u"peal.toml"_s), "validate_plan_text = true\nmin_plan_text_len = 10\n"));
        QList<ScriptedAnswer> answers;
        for (const QString &plan : std::as_const(plans))
            answers.append({1, 0, plan});
        r.script(u"plan 1"_s, answers);
        QCOMPARE(r.run({u"--config"_s, r.path(u"peal.toml"_s)}), exitCode);
        QCOMPARE(r.agentCalls(), agentCalls);
        QVERIFY2(r.err().contains(logged), qPrintable(r.err()));
        QCOMPARE(r.completed(), exitCode == 0 ? QList<int>{1} : QList<int>{});
    }

    void aFailedAgentCallFailsItsPhase_data()
    {
        QTest::addColumn<QString>("call");
        QTest::addColumn<QStringList>("agentCalls");
        QTest::addColumn<QString>("error");
        QTest::newRow("plan") << u"plan 1"_s << QStringList{u"plan 1"_s} << u"error: task 1, phase 1 (plan): "_s;
        QTest::newRow("execute") << u"execute 1"_s << QStringList{u"plan 1"_s, u"execute 1"_s}
                                 << u"error: task 1, phase 2 (execute): "_s;
    }

    void aFailedAgentCallFailsItsPhase()
    {
        QFETCH(QString, call);
        QFETCH(QStringList, agentCalls);
        QFETCH(QString, error);
        EngineRun r;
        QVERIFY(r.isValid());
        r.script(call, {{1, 3, {}, u"boom"_s}});
        QCOMPARE(r.run(), 1);
        QCOMPARE(r.agentCalls(), agentCalls);
        QVERIFY2(r.err().contains(error), qPrintable(r.err()));
        QCOMPARE(r.completed(), QList<int>{});
    }
};

QTEST_GUILESS_MAIN(tst_TaskPhases)
#include "tst_taskphases.moc"
