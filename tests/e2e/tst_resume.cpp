// SPDX-License-Identifier: MIT
// Crash and resume: peal is killed with SIGKILL in the middle of a run, then run again. Nothing
// completed is run twice, nothing is lost, and state.json is valid at every moment.
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

class tst_Resume : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killMinusNineThenResume()
    {
        QByteArray plan;
        for (int i = 1; i <= 6; ++i)
            plan += "## Task " + QByteArray::number(i) + "\nT" + QByteArray::number(i) + ": step\n";
        Scenario s(plan);
        QVERIFY(s.isValid());

        QProcess peal;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog());
        env.insert(u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"150"_s);
        env.insert(u"PEAL_FAKE_AGENT_STARTED"_s, s.path(u"started"_s));
        peal.setProcessEnvironment(env);
        peal.setWorkingDirectory(s.dir());
        peal.setStandardInputFile(QProcess::nullDevice());
        peal.start(PealTest::pealBinary(),
                   {u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                    s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent()});
        QVERIFY(peal.waitForStarted());

        // Watch state.json while the run progresses: whenever it exists it is complete JSON.
        QElapsedTimer clock;
        clock.start();
        int reads = 0;
        while (clock.elapsed() < 60000) {
            const QByteArray state = s.stateJson();
            if (!state.isEmpty()) {
                QJsonParseError error;
                QJsonDocument::fromJson(state, &error);
                QCOMPARE(error.error, QJsonParseError::NoError);
                ++reads;
            }
            const QList<int> done = state.isEmpty() ? QList<int>() : s.completed();
            if (done.size() >= 2)
                break;
            QTest::qWait(5);
        }
        QVERIFY(reads > 0);
        ::kill(pid_t(peal.processId()), SIGKILL);
        QVERIFY(peal.waitForFinished(10000));
        QCOMPARE(peal.exitStatus(), QProcess::CrashExit);

        const QList<int> before = s.completed();
        QVERIFY(before.size() >= 2);
        QVERIFY(before.size() < 6);
        // The killed run's agent receives SIGTERM from the kernel when peal dies: once every
        // agent it started is gone, its log is final.
        QVERIFY(QTest::qWaitFor([&] {
            for (const QByteArray &line : PealTest::readFile(s.path(u"started"_s)).split('\n')) {
                const qint64 pid = QString::fromUtf8(line).section(u' ', 1).toLongLong();
                if (pid > 0 && ::kill(pid_t(pid), 0) == 0)
                    return false;
            }
            return true;
        }, 10000));
        const int callsBefore = int(s.agentLogLines().size());

        const auto resumed = s.run();
        QCOMPARE(resumed.exitCode, 0);
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4, 5, 6}));
        // Tasks completed before the crash were not run again.
        const QStringList calls = s.agentCalls().mid(callsBefore);
        for (int done : before) {
            QVERIFY2(!calls.contains(u"plan:%1"_s.arg(done)), qPrintable(calls.join(u' ')));
            QVERIFY(!calls.contains(u"execute:%1"_s.arg(done)));
        }
        // Every task not completed before ran its two phases after the restart.
        for (int i = 1; i <= 6; ++i) {
            if (!before.contains(i)) {
                QVERIFY2(calls.contains(u"plan:%1"_s.arg(i)), qPrintable(calls.join(u' ')));
                QVERIFY(calls.contains(u"execute:%1"_s.arg(i)));
            }
        }
        QCOMPARE(QJsonDocument::fromJson(s.summaryJson()).object().value(u"exit_code").toInt(), 0);
    }

    void thousandsOfCompletedTasksAreSkippedWithoutRecursion()
    {
        // The scheduler used to recurse once per skipped task; under ASan 3000 of them could
        // exhaust the stack. Only the pending task may run.
        constexpr int done = 3000;
        QByteArray plan;
        QByteArray indices;
        for (int i = 1; i <= done + 1; ++i) {
            plan += "## Task " + QByteArray::number(i) + "\nT" + QByteArray::number(i) + ": step\n";
            if (i <= done)
                indices += (i > 1 ? ",\n    " : "\n    ") + QByteArray::number(i);
        }
        Scenario s(plan);
        QVERIFY(s.isValid());
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s,
                                    "{\n  \"plan_path\": \"" + s.planPath().toUtf8() + "\",\n  \"repo_path\": \""
                                        + s.repo().toUtf8() + "\",\n  \"completed_task_indices\": [" + indices
                                        + "\n  ]\n}"));
        QCOMPARE(s.completed().size(), done);
        const auto r = s.run({u"--log-level"_s, u"warn"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err.right(2000)));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:%1"_s.arg(done + 1), u"execute:%1"_s.arg(done + 1)}));
        QCOMPARE(s.completed().size(), done + 1);
        QCOMPARE(QJsonDocument::fromJson(s.summaryJson()).object().value(u"tasks_completed").toArray(),
                 QJsonArray{done + 1});
    }
};

QTEST_GUILESS_MAIN(tst_Resume)
#include "tst_resume.moc"
