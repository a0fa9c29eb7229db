// SPDX-License-Identifier: MIT
// Signals and the state-directory lock: Ctrl-C and SIGTERM stop a run cleanly (every process
// of the tree ends, the state is saved, the run resumes), and a second run on the same state
// directory is refused while the first is alive, but not after it was killed.
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {

// Alive and not a zombie (a zombie has ended; it only waits for its parent to reap it).
bool processAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    const QByteArray stat = PealTest::readFile(u"/proc/%1/stat"_s.arg(pid));
    const qsizetype close = stat.lastIndexOf(')');
    return close < 0 || stat.mid(close + 2, 1) != "Z";
}

// Starts `peal run` on the scenario in the background.
void startPeal(QProcess &peal, const Scenario &s, const QHash<QString, QString> &env,
               const QStringList &extra = {})
{
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog());
    for (auto it = env.begin(); it != env.end(); ++it)
        e.insert(it.key(), it.value());
    peal.setProcessEnvironment(e);
    peal.setWorkingDirectory(s.dir());
    peal.setStandardInputFile(QProcess::nullDevice());
    peal.start(PealTest::pealBinary(), QStringList{u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(),
                                                   u"--state-dir"_s, s.stateDir(), u"--agent-cmd"_s,
                                                   PealTest::demoAgent(), u"--stet-path"_s, u"/nonexistent"_s}
                                           + extra);
}

const QByteArray kTwoTasks = "## Task 1\nT1: one\n\n## Task 2\nT2: two\n";

// The pids of `parent`'s children whose command line is `argv` (NUL-separated as in /proc).
QList<qint64> childrenRunning(qint64 parent, const QByteArray &argv)
{
    QList<qint64> found;
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool number = false;
        const qint64 pid = entry.toLongLong(&number);
        if (!number)
            continue;
        const QByteArray stat = PealTest::readFile(u"/proc/%1/stat"_s.arg(pid));
        const qsizetype close = stat.lastIndexOf(')');
        const QList<QByteArray> fields = stat.mid(close + 2).split(' ');
        if (fields.size() > 1 && fields[1].toLongLong() == parent && PealTest::readFile(u"/proc/%1/cmdline"_s.arg(pid)) == argv)
            found << pid;
    }
    return found;
}

// Runs a plan whose third phase is the misbehaving test plugin in `mode`.
void startMisbehaving(QProcess &peal, const Scenario &s, const QString &mode)
{
    PealTest::writeFile(s.path(u"peal.toml"_s),
                        "phases = [\"plan\", \"execute\", \"misbehave\"]\n[plugins.misbehave]\nmode = \"" + mode.toUtf8()
                            + "\"\nmarker = \"" + s.path(u"blocked"_s).toUtf8() + "\"\n");
    startPeal(peal, s, {}, {u"--plugin-dir"_s, QStringLiteral(PEAL_TEST_PLUGIN_DIR), u"--config"_s, s.path(u"peal.toml"_s)});
}

// Whether `signal` sent to `pid` is still waiting to be delivered (/proc/<pid>/status).
bool signalPending(qint64 pid, int signal)
{
    const quint64 bit = quint64(1) << (signal - 1);
    for (const QByteArray &line : PealTest::readFile(u"/proc/%1/status"_s.arg(pid)).split('\n')) {
        if ((line.startsWith("SigPnd:") || line.startsWith("ShdPnd:")) && (line.mid(7).trimmed().toULongLong(nullptr, 16) & bit))
            return true;
    }
    return false;
}

const QByteArray kSleeper("/bin/sleep\0" "600\0", 15);

// startMisbehaving(), then the pid of the plugin's `sleep 600` once it runs (0 if it never does).
qint64 startAndFindSleeper(QProcess &peal, const Scenario &s, const QString &mode)
{
    startMisbehaving(peal, s, mode);
    if (!peal.waitForStarted()
        || !QTest::qWaitFor([&] { return !childrenRunning(peal.processId(), kSleeper).isEmpty(); }, 60000))
        return 0;
    return childrenRunning(peal.processId(), kSleeper).first();
}

} // namespace

class tst_Signals : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void interruptEndsTheTreeSavesAndResumes_data()
    {
        QTest::addColumn<int>("signalNumber");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("name");
        QTest::newRow("SIGINT") << int(SIGINT) << 130 << u"SIGINT"_s;
        QTest::newRow("SIGTERM") << int(SIGTERM) << 143 << u"SIGTERM"_s;
    }

    void interruptEndsTheTreeSavesAndResumes()
    {
        QFETCH(int, signalNumber);
        QFETCH(int, exitCode);
        QFETCH(QString, name);
        Scenario s(kTwoTasks);
        QVERIFY(s.isValid());
        const QString pidFile = s.path(u"grandchild.pid"_s);
        QProcess peal;
        // Task 2's execute call (its prompt has "Plan: T2:") starts a grandchild that would live
        // for an hour, then sleeps.
        startPeal(peal, s, {{u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"Plan: T2:=60000"_s},
                            {u"PEAL_FAKE_AGENT_GRANDCHILD"_s, pidFile},
                            {u"PEAL_FAKE_AGENT_GRANDCHILD_ON"_s, u"Plan: T2:"_s}});
        QVERIFY(peal.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(!PealTest::readFile(pidFile).isEmpty(), 30000);
        const qint64 grandchild = PealTest::readFile(pidFile).trimmed().toLongLong();
        QVERIFY(processAlive(grandchild));

        ::kill(pid_t(peal.processId()), signalNumber);
        QVERIFY(peal.waitForFinished(30000));
        QCOMPARE(peal.exitStatus(), QProcess::NormalExit);
        QCOMPARE(peal.exitCode(), exitCode);
        const QString err = QString::fromUtf8(peal.readAllStandardError());
        QVERIFY2(err.contains(u"error: interrupted by %1; the state is saved in %2/state.json; run the same command "
                              "again to resume"_s.arg(name, s.stateDir())),
                 qPrintable(err));
        // Nothing of the tree survives: not the agent, not its grandchild.
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(grandchild), 5000);
        // Task 1 is saved; task 2 is not, and no summary was written.
        QCOMPARE(s.completed(), (QList<int>{1}));
        QVERIFY(s.summaryJson().isEmpty());

        // The same command again resumes with task 2's execute: its plan was done and is kept.
        QFile::remove(s.agentLog());
        const auto again = s.run({u"--stet-path"_s, u"/nonexistent"_s});
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(s.agentCalls(), (QStringList{u"execute:2"_s}));
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
    }

    void secondRunOnTheSameStateDirIsRefused()
    {
        Scenario s(kTwoTasks);
        QProcess first;
        startPeal(first, s, {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"3000"_s}});
        QVERIFY(first.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(s.stateDir() + u"/peal.lock"_s), 10000);

        const auto second = s.run({u"--stet-path"_s, u"/nonexistent"_s});
        QCOMPARE(second.exitCode, 1);
        QVERIFY2(second.err.contains(u"error: another peal run is using the state directory %1 (pid %2 on "_s
                                         .arg(s.stateDir())
                                         .arg(first.processId())),
                 PealTest::tail(second.err).constData());

        // A run killed with SIGKILL leaves its lock behind; the next run takes it over.
        ::kill(pid_t(first.processId()), SIGKILL);
        QVERIFY(first.waitForFinished(10000));
        QVERIFY(QFile::exists(s.stateDir() + u"/peal.lock"_s));
        const auto third = s.run({u"--stet-path"_s, u"/nonexistent"_s});
        QVERIFY2(third.exitCode == 0, PealTest::tail(third.err).constData());
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        // A finished run releases its lock.
        QVERIFY(!QFile::exists(s.stateDir() + u"/peal.lock"_s));
    }

    void differentStateDirsRunSideBySide()
    {
        Scenario s(kTwoTasks);
        QProcess first;
        startPeal(first, s, {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"1000"_s}});
        QVERIFY(first.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(s.stateDir() + u"/peal.lock"_s), 10000);
        Scenario other(kTwoTasks);
        const auto r = other.run({u"--stet-path"_s, u"/nonexistent"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(first.waitForFinished(30000));
        QCOMPARE(first.exitCode(), 0);
    }

    void phaseThatBreaksTheContractFailsItsTask_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("error");
        QTest::newRow("throws in a callback")
            << u"throw-in-callback"_s
            << u"error: task 1, phase 3 (misbehave): phase plugin (process callback) threw: callback exploded"_s;
        QTest::newRow("never calls done")
            << u"never-done"_s
            << u"error: task 1, phase 3 (misbehave): the phase plugin returned without calling done and has nothing "
               "running"_s;
        QTest::newRow("throws in a step")
            << u"throw-in-step"_s << u"error: task 1, phase 3 (misbehave): explode threw: step exploded"_s;
        QTest::newRow("a step never ends")
            << u"step-never-done"_s
            << u"error: task 1, phase 3 (misbehave): the phase plugin returned without calling done and has nothing "
               "running"_s;
    }

    void phaseThatBreaksTheContractFailsItsTask()
    {
        QFETCH(QString, mode);
        QFETCH(QString, error);
        Scenario s(kTwoTasks);
        QVERIFY(s.isValid());
        QProcess peal;
        startMisbehaving(peal, s, mode);
        QVERIFY(peal.waitForFinished(60000));
        const QString err = QString::fromUtf8(peal.readAllStandardError());
        QCOMPARE(peal.exitCode(), 1);
        QVERIFY2(err.contains(error), qPrintable(err));
        // The state is intact: readable, task 1 not completed, task 2 never started.
        QCOMPARE(s.completed(), QList<int>{});
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
    }

    void interruptEndsAPhaseThatIgnoresIt()
    {
        Scenario s(kTwoTasks);
        QVERIFY(s.isValid());
        QProcess peal;
        const qint64 sleeper = startAndFindSleeper(peal, s, u"ignore-cancel"_s);
        QVERIFY(sleeper > 0);
        ::kill(pid_t(peal.processId()), SIGINT);
        QVERIFY(peal.waitForFinished(30000));
        QVERIFY2(peal.exitCode() == 130, PealTest::tail(QString::fromUtf8(peal.readAllStandardError())).constData());
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(sleeper), 5000);
        QCOMPARE(s.completed(), QList<int>{});
    }

    void secondInterruptEndsARunWhoseEventLoopIsBlocked()
    {
        Scenario s(kTwoTasks);
        QVERIFY(s.isValid());
        QProcess peal;
        const qint64 sleeper = startAndFindSleeper(peal, s, u"block"_s);
        QVERIFY(sleeper > 0);
        // The plugin creates this file just before it blocks the event loop.
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(s.path(u"blocked"_s)), 10000);
        ::kill(pid_t(peal.processId()), SIGINT);
        // Two signals pending at once arrive as one: the second goes once the first was taken.
        QVERIFY(QTest::qWaitFor([&] { return !signalPending(peal.processId(), SIGINT); }, 10000));
        ::kill(pid_t(peal.processId()), SIGINT);
        QVERIFY(peal.waitForFinished(30000));
        QCOMPARE(peal.exitCode(), 130);
        const QString err = QString::fromUtf8(peal.readAllStandardError());
        QVERIFY2(err.contains(u"error: the run did not end after the second interrupt; stopped it"_s), qPrintable(err));
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(sleeper), 5000);
        // Nothing was saved before the loop blocked, and nothing half-written since.
        QVERIFY(!QFile::exists(s.stateDir() + u"/state.json"_s));
        QVERIFY(QDir(s.stateDir()).entryList({u"state.json*"_s}, QDir::Files).isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_Signals)
#include "tst_signals.moc"
