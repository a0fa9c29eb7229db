// SPDX-License-Identifier: MIT
// Resume at the phase: peal is stopped (Ctrl-C or kill -9) at each point of a task's phases -
// during plan, during execute, after the commit (in the review), during address rounds 1 and
// 2, during a parallel block's reviews - or a task's review fails; the same command again
// calls the agent zero more times for every phase already done, and the run completes. The
// stand-in stet refuses a dirty tree at `start` as the real one does.
#include "testsupport.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {

// A review that finds one finding.
QString finding(const QString &id, const QString &message)
{
    return PealTest::findingList({PealTest::stetFinding(id, message)});
}

const QString kFindingA = finding(u"a1111111"_s, u"unused import"_s);
const QString kFindingB = finding(u"b2222222"_s, u"off by one"_s);
const QString kClean = u"[]"_s;

const QByteArray kTwoTasks = "## Task 1\nT1: first\n\n## Task 2\nT2: second\n";
const QByteArray kBlock = "## Task 1 (parallel)\nT1: first\n\n## Task 2 (parallel)\nT2: second\n";

bool alive(qint64 pid)
{
    return pid > 0 && ::kill(pid_t(pid), 0) == 0;
}

// Where a run is stopped: the plan, the stet script, what makes the call to stop in wait,
// and how to tell that it is running.
struct Point
{
    QByteArray plan = kTwoTasks;
    QStringList stetScript{kClean};
    QHash<QString, QString> env;
    QStringList extraArgs;
    bool waitForStetRun = false; // else: for an agent call that sleeps
};

Point pointNamed(const QString &name)
{
    Point p;
    if (name == u"plan") {
        p.env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"T1: first=60000"_s);
    } else if (name == u"execute") {
        p.env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"Execute the following=60000"_s);
        p.env.insert(u"PEAL_FAKE_AGENT_LEAVE_PARTIAL"_s, u"1"_s);
    } else if (name == u"after commit") {
        p.env.insert(u"PEAL_FAKE_STET_HANG"_s, u"run:1"_s);
        p.waitForStetRun = true;
    } else if (name == u"round 1") {
        p.stetScript = {kFindingA, kClean};
        p.env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"unused import=60000"_s);
    } else if (name == u"round 2") {
        p.stetScript = {kFindingA, kFindingB, kClean};
        p.env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"off by one=60000"_s);
    } else if (name == u"block reviews") {
        p.plan = kBlock;
        p.stetScript = {kFindingA, kClean};
        p.env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"unused import=60000"_s);
        p.extraArgs = {u"--parallel"_s, u"--max-parallel"_s, u"2"_s};
    }
    return p;
}

QStringList reviewedArgs(const Scenario &s, const QStringList &extra)
{
    return QStringList{u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s, s.stateDir(),
                       u"--agent-cmd"_s, PealTest::demoAgent(), u"--stet-path"_s, PealTest::demoStet(),
                       u"--commit-after-phase2"_s}
           + extra;
}

QHash<QString, QString> reviewedEnv(const Scenario &s, const QStringList &script)
{
    PealTest::writeFile(s.path(u"script.json"_s), (u'[' + script.join(u',') + u']').toUtf8());
    return {{u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog()},
            {u"PEAL_FAKE_STET_LOG"_s, s.stetLog()},
            {u"PEAL_FAKE_STET_MODE"_s, u"script"_s},
            {u"PEAL_FAKE_STET_SCRIPT"_s, s.path(u"script.json"_s)},
            {u"PEAL_FAKE_AGENT_STARTED"_s, s.path(u"started"_s)}};
}

int count(const QStringList &calls, const QString &call)
{
    return int(calls.count(call));
}

} // namespace

class tst_PhaseResume : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aStoppedRunResumesAtThePhase_data()
    {
        QTest::addColumn<QString>("point");
        QTest::addColumn<int>("signalNumber");
        for (const QString &point : {u"plan"_s, u"execute"_s, u"after commit"_s, u"round 1"_s, u"round 2"_s,
                                     u"block reviews"_s}) {
            QTest::addRow("%s, Ctrl-C", qPrintable(point)) << point << int(SIGINT);
            QTest::addRow("%s, kill -9", qPrintable(point)) << point << int(SIGKILL);
        }
    }

    void aStoppedRunResumesAtThePhase()
    {
        QFETCH(QString, point);
        QFETCH(int, signalNumber);
        const Point p = pointNamed(point);
        Scenario s(p.plan);
        QVERIFY(s.isValid());

        QProcess peal;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const QHash<QString, QString> base = reviewedEnv(s, p.stetScript);
        for (auto it = base.begin(); it != base.end(); ++it)
            env.insert(it.key(), it.value());
        for (auto it = p.env.begin(); it != p.env.end(); ++it)
            env.insert(it.key(), it.value());
        peal.setProcessEnvironment(env);
        peal.setWorkingDirectory(s.dir());
        peal.setStandardInputFile(QProcess::nullDevice());
        peal.start(PealTest::pealBinary(), reviewedArgs(s, p.extraArgs));
        QVERIFY(peal.waitForStarted());
        const auto reached = [&] {
            if (p.waitForStetRun)
                return s.stetCalls().contains(u"run --output=json"_s);
            return PealTest::readFile(s.path(u"started"_s)).contains(" sleeping");
        };
        QVERIFY2(QTest::qWaitFor(reached, 60000), PealTest::tail(QString::fromUtf8(peal.readAllStandardError())).constData());

        ::kill(pid_t(peal.processId()), signalNumber);
        QVERIFY(peal.waitForFinished(30000));
        if (signalNumber == SIGINT)
            QCOMPARE(peal.exitCode(), 130);
        // Every agent the stopped run started is gone before its calls are counted.
        QVERIFY(QTest::qWaitFor([&] {
            for (const QByteArray &line : PealTest::readFile(s.path(u"started"_s)).split('\n')) {
                if (alive(QString::fromUtf8(line).section(u' ', 1, 1).toLongLong()))
                    return false;
            }
            return true;
        }, 10000));
        const QStringList before = s.agentCalls();
        const qsizetype stetBefore = s.stetCalls().size();

        // The same command again, with nothing in the way.
        const PealTest::RunResult again =
            PealTest::runPeal(reviewedArgs(s, p.extraArgs), s.dir(), reviewedEnv(s, {kClean}));
        QVERIFY2(again.exitCode == 0, PealTest::tail(again.err).constData());
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        const QStringList calls = s.agentCalls().mid(before.size());
        const QString shown = before.join(u' ') + u" | "_s + calls.join(u' ');

        // Zero more calls for every phase done before the stop; the interrupted one again.
        const bool planDone = point != u"plan";
        const bool executeDone = planDone && point != u"execute";
        QVERIFY2(count(calls, u"plan:1"_s) == (planDone ? 0 : 1), qPrintable(shown));
        QVERIFY2(count(calls, u"execute:1"_s) == (executeDone ? 0 : 1), qPrintable(shown));
        if (point == u"block reviews") {
            // Task 2 ran its phases 1-2 in the block before the stop: it owes only its review.
            QVERIFY2(count(calls, u"plan:2"_s) == 0 && count(calls, u"execute:2"_s) == 0, qPrintable(shown));
            // Both tasks were reviewed after the restart.
            QVERIFY2(s.stetCalls().mid(stetBefore).count(u"run --output=json"_s) == 2,
                     qPrintable(s.stetCalls().join(u" | ")));
        } else {
            QVERIFY2(count(calls, u"plan:2"_s) == 1 && count(calls, u"execute:2"_s) == 1, qPrintable(shown));
        }
        // Across both runs each phase of each task answered once (a stopped call is not logged).
        const QStringList all = s.agentCalls();
        for (const QString &call : {u"plan:1"_s, u"execute:1"_s, u"plan:2"_s, u"execute:2"_s})
            QVERIFY2(count(all, call) == 1, qPrintable(shown));
        // One commit per task's execute (its review's fixes apart).
        QCOMPARE(s.commits().filter(u"Plan:"_s).size(), p.plan == kBlock ? 0 : 2);

        // Nothing is owed any more: a third run does nothing.
        QFile::remove(s.agentLog());
        const PealTest::RunResult third = PealTest::runPeal(reviewedArgs(s, p.extraArgs), s.dir(), reviewedEnv(s, {kClean}));
        QVERIFY2(third.exitCode == 0, PealTest::tail(third.err).constData());
        QCOMPARE(s.agentCalls(), QStringList());
    }

    void aFailedReviewResumesTheReviewOnly()
    {
        Scenario s(kTwoTasks);
        QVERIFY(s.isValid());
        const QStringList args = reviewedArgs(s, {u"--max-address-rounds"_s, u"1"_s});
        const PealTest::RunResult failed = PealTest::runPeal(args, s.dir(), reviewedEnv(s, {kFindingA}));
        QCOMPARE(failed.exitCode, 1);
        QVERIFY2(failed.err.contains(u"findings remain"_s), PealTest::tail(failed.err).constData());
        QCOMPARE(s.agentCalls().mid(0, 2), (QStringList{u"plan:1"_s, u"execute:1"_s}));
        const qsizetype before = s.agentCalls().size();

        // peal status knows where task 1 stands.
        const PealTest::RunResult status =
            PealTest::runPeal({u"status"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                               s.stateDir()}, s.dir());
        QVERIFY2(status.out.contains(u"resumes at address"_s), qPrintable(status.out));

        const PealTest::RunResult again = PealTest::runPeal(args, s.dir(), reviewedEnv(s, {kClean}));
        QVERIFY2(again.exitCode == 0, PealTest::tail(again.err).constData());
        const QStringList calls = s.agentCalls().mid(before);
        QCOMPARE(calls, (QStringList{u"plan:2"_s, u"execute:2"_s}));
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        QCOMPARE(s.commits().filter(u"peal: task 1 - Plan:"_s).size(), 1);
    }

    void redoStartsTheTaskFromItsFirstPhase()
    {
        Scenario s(kTwoTasks);
        QVERIFY(s.isValid());
        const QStringList args = reviewedArgs(s, {u"--max-address-rounds"_s, u"1"_s});
        QCOMPARE(PealTest::runPeal(args, s.dir(), reviewedEnv(s, {kFindingA})).exitCode, 1);
        const qsizetype before = s.agentCalls().size();
        const PealTest::RunResult redo =
            PealTest::runPeal(args + QStringList{u"--redo"_s, u"1"_s}, s.dir(), reviewedEnv(s, {kClean}));
        QVERIFY2(redo.exitCode == 0, PealTest::tail(redo.err).constData());
        QCOMPARE(s.agentCalls().mid(before), (QStringList{u"plan:1"_s, u"execute:1"_s}));
    }

    void anEditedTaskStartsOver()
    {
        Scenario s(kTwoTasks);
        QVERIFY(s.isValid());
        const QStringList args = reviewedArgs(s, {u"--max-address-rounds"_s, u"1"_s});
        QCOMPARE(PealTest::runPeal(args, s.dir(), reviewedEnv(s, {kFindingA})).exitCode, 1);
        const qsizetype before = s.agentCalls().size();
        // The kept plan was written for the old text of the task.
        QVERIFY(PealTest::writeFile(s.planPath(), "## Task 1\nT1: first, done differently\n\n## Task 2\nT2: second\n"));
        const PealTest::RunResult again = PealTest::runPeal(args, s.dir(), reviewedEnv(s, {kClean}));
        QVERIFY2(again.exitCode == 0, PealTest::tail(again.err).constData());
        QCOMPARE(s.agentCalls().mid(before).mid(0, 2), (QStringList{u"plan:1"_s, u"execute:1"_s}));
    }
};

QTEST_GUILESS_MAIN(tst_PhaseResume)
#include "tst_phaseresume.moc"
