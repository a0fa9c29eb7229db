// SPDX-License-Identifier: MIT
// The slurm executor against a real one-node Slurm cluster (docs/distributed.md): the cluster
// of scripts/test.sh (SLURM_CONF), or one this test starts itself with scripts/slurm-cluster.sh
// and stops by pid. Slurm's own records prove where each call ran: SLURM_JOB_ID as the fake
// agent saw it, the job completion log and squeue.
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/types.h>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {

QString g_conf; // SLURM_CONF of the cluster in use
std::unique_ptr<QTemporaryDir> g_ownCluster;

QHash<QString, QString> slurmEnv()
{
    return {{u"SLURM_CONF"_s, g_conf}};
}

// A Slurm command's output (squeue, ...).
QString slurm(const QString &program, const QStringList &args)
{
    return PealTest::run(program, args, {}, slurmEnv(), 30000).out;
}

// The names of the jobs of this user that Slurm still has queued or running.
QStringList jobsInQueue()
{
    return slurm(u"squeue"_s, {u"-h"_s, u"-o"_s, u"%j"_s}).split(u'\n', Qt::SkipEmptyParts);
}

// The job completion log's lines for jobs named `name`.
QStringList completed(const QString &name)
{
    const QString log = QFileInfo(g_conf).absolutePath() + u"/log/jobcomp.txt"_s;
    QStringList out;
    for (const QString &line : QString::fromUtf8(PealTest::readFile(log)).split(u'\n')) {
        if (line.contains(u" Name="_s + name + u' '))
            out << line;
    }
    return out;
}

// A config for the run: the slurm executor, the fake agent's knobs passed on to the job steps.
QString writeConfig(const Scenario &s, const QString &extra = {})
{
    const QString path = s.path(u"peal.toml"_s);
    PealTest::writeFile(path, (u"executor = \"slurm\"\n\n[plugins.slurm]\n"
                               "export = [\"PEAL_FAKE_AGENT_LOG\", \"PEAL_FAKE_AGENT_SLEEP_ON\", \"PEAL_FAKE_AGENT_FAIL_ON\", "
                               "\"PEAL_FAKE_AGENT_EXIT_CODE\", \"PEAL_FAKE_AGENT_HANG_FIRST\", \"PEAL_FAKE_AGENT_COUNTER\", "
                               "\"PEAL_FAKE_STET_LOG\"]\n"_s
                               + extra)
                                  .toUtf8());
    return path;
}

// `peal run` of `s` in the background, its agent sleeping `sleepOn` (PEAL_FAKE_AGENT_SLEEP_ON).
bool startRun(QProcess &peal, const Scenario &s, const QString &sleepOn, const QStringList &extra)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"SLURM_CONF"_s, g_conf);
    env.insert(u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog());
    env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, sleepOn);
    peal.setProcessEnvironment(env);
    peal.setStandardInputFile(QProcess::nullDevice());
    peal.start(PealTest::pealBinary(), QStringList{u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                                   s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent(), u"--stet-path"_s,
                                                   u"/nonexistent"_s}
                                           + extra);
    return peal.waitForStarted();
}

// A parallel block of four tasks, task N writing tN.txt.
QByteArray fourWritingTasks()
{
    QByteArray plan;
    for (int i = 1; i <= 4; ++i)
        plan += "## Task " + QByteArray::number(i) + " (parallel)\nT" + QByteArray::number(i) + ": write.\nwrite t"
                + QByteArray::number(i) + ".txt: from task " + QByteArray::number(i) + "\n\n";
    return plan;
}

// fourWritingTasks() in worktrees with commits, 4 at a time, through `config`: every task done
// and its file committed. `err`: what peal printed.
void runFourWritingTasks(const Scenario &s, const QString &config, QString *err)
{
    const auto r = s.run({u"--config"_s, config, u"--stet-path"_s, u"/nonexistent"_s, u"--isolation"_s, u"worktree"_s,
                          u"--commit-after-phase2"_s, u"--max-parallel"_s, u"4"_s},
                         slurmEnv());
    *err = r.err;
    QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
    QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4}));
    for (int i = 1; i <= 4; ++i)
        QCOMPARE(PealTest::git(s.repo(), {u"show"_s, u"HEAD:t%1.txt"_s.arg(i)}), u"from task %1\n"_s.arg(i));
}

QList<QJsonObject> agentCalls(const Scenario &s)
{
    QList<QJsonObject> out;
    for (const QByteArray &line : s.agentLogLines())
        out << PealTest::json(line);
    return out;
}

} // namespace

class tst_Slurm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(u"srun"_s).isEmpty())
            QFAIL("srun is not installed: scripts/test.sh installs slurm-wlm and munge");
        g_conf = qEnvironmentVariable("SLURM_CONF");
        if (g_conf.isEmpty()) {
            g_ownCluster = std::make_unique<QTemporaryDir>();
            const auto started = PealTest::run(u"bash"_s, {PealTest::sourceDir() + u"/scripts/slurm-cluster.sh"_s, u"start"_s,
                                                           g_ownCluster->path()},
                                               {}, {}, 60000);
            QVERIFY2(started.exitCode == 0, PealTest::tail(started.err).constData());
            g_conf = g_ownCluster->filePath(u"slurm.conf"_s);
        }
        QVERIFY2(QFile::exists(g_conf), qPrintable(g_conf));
    }

    void cleanupTestCase()
    {
        if (g_ownCluster)
            PealTest::run(u"bash"_s, {PealTest::sourceDir() + u"/scripts/slurm-cluster.sh"_s, u"stop"_s, g_ownCluster->path()});
    }

    void aParallelBlockRunsAsJobStepsWithWorktreesAndCommits()
    {
        Scenario s(fourWritingTasks());
        QVERIFY(s.isValid());
        QString err;
        runFourWritingTasks(s, writeConfig(s), &err);
        if (QTest::currentTestFailed())
            return;
        // Every call ran in a job of its own, named after its task and phase.
        const QList<QJsonObject> calls = agentCalls(s);
        QCOMPARE(calls.size(), 8);
        QSet<QString> jobs;
        for (const QJsonObject &call : calls) {
            const QString job = call.value(u"slurm_job_id"_s).toString();
            QVERIFY2(!job.isEmpty(), "a call that did not run as a job step");
            jobs.insert(job);
            const QString name = call.value(u"slurm_job_name"_s).toString();
            QVERIFY2(QRegularExpression(u"^peal-[1-4]-(plan|execute)$"_s).match(name).hasMatch(), qPrintable(name));
        }
        QCOMPARE(jobs.size(), 8);
        for (int i = 1; i <= 4; ++i) {
            QCOMPARE(completed(u"peal-%1-execute"_s.arg(i)).size() >= 1, true);
            QVERIFY(completed(u"peal-%1-execute"_s.arg(i)).last().contains(u"JobState=COMPLETED"_s));
        }
        QVERIFY(jobsInQueue().isEmpty());
    }

    // allocation = "run": one allocation for the run (salloc, as wide as max_parallel), every
    // call a step of it, given back at the end. The one-node test cluster has 2 CPUs: the
    // allocation overcommits them and the steps overlap.
    void aRunsCallsAreStepsOfOneAllocation()
    {
        Scenario s(fourWritingTasks());
        QVERIFY(s.isValid());
        const QString config = writeConfig(s, u"job_name_prefix = \"alloc\"\nallocation = \"run\"\n"
                                              "allocation_extra_args = [\"--overcommit\"]\nextra_args = [\"--overlap\"]\n"_s);
        QString err;
        runFourWritingTasks(s, config, &err);
        if (QTest::currentTestFailed())
            return;
        // One job, eight steps.
        const QList<QJsonObject> calls = agentCalls(s);
        QCOMPARE(calls.size(), 8);
        QSet<QString> jobs, steps;
        for (const QJsonObject &call : calls) {
            jobs.insert(call.value(u"slurm_job_id"_s).toString());
            steps.insert(call.value(u"slurm_step_id"_s).toString());
        }
        QCOMPARE(jobs.size(), 1);
        QVERIFY(!jobs.values().first().isEmpty());
        QCOMPARE(steps.size(), 8);
        QVERIFY2(err.contains(u"agent calls run inside the run's allocation"_s), PealTest::tail(err).constData());
        // Given back at the end: cancelled by peal, nothing left in the queue.
        QTRY_VERIFY_WITH_TIMEOUT(!completed(u"alloc-run"_s).isEmpty(), 15000);
        QVERIFY2(completed(u"alloc-run"_s).last().contains(u"JobId="_s + jobs.values().first()), qPrintable(completed(u"alloc-run"_s).last()));
        QTRY_VERIFY_WITH_TIMEOUT(jobsInQueue().filter(u"alloc-"_s).isEmpty(), 15000);
    }

    void ctrlCGivesTheAllocationBack()
    {
        Scenario s("## Task 1\nT1: a.\n");
        QVERIFY(s.isValid());
        QProcess peal;
        QVERIFY(startRun(peal, s, u"---TASK---=60000"_s,
                         {u"--config"_s, writeConfig(s, u"job_name_prefix = \"allocc\"\nallocation = \"run\"\n"
                                                "allocation_extra_args = [\"--overcommit\"]\nextra_args = [\"--overlap\"]\n"_s)}));
        // The plan call running as a step of the allocation.
        QVERIFY(QTest::qWaitFor([] { return slurm(u"squeue"_s, {u"--steps"_s, u"-h"_s, u"-o"_s, u"%j"_s}).contains(u"allocc-1-plan"_s); },
                                30000));
        QCOMPARE(jobsInQueue().filter(u"allocc-run"_s).size(), 1);
        ::kill(pid_t(peal.processId()), SIGINT);
        QVERIFY(peal.waitForFinished(30000));
        QCOMPARE(peal.exitCode(), 130);
        QTRY_VERIFY_WITH_TIMEOUT(jobsInQueue().filter(u"allocc-"_s).isEmpty(), 15000);
    }

    void aKilledRunsAllocationIsGivenBackByTheNextRun()
    {
        Scenario s("## Task 1\nT1: a.\n");
        QVERIFY(s.isValid());
        const QString config = writeConfig(s, u"job_name_prefix = \"allock\"\nallocation = \"run\"\n"
                                              "allocation_extra_args = [\"--overcommit\"]\nextra_args = [\"--overlap\"]\n"_s);
        QProcess peal;
        QVERIFY(startRun(peal, s, u"---TASK---=60000"_s, {u"--config"_s, config}));
        QVERIFY(QTest::qWaitFor([] { return slurm(u"squeue"_s, {u"--steps"_s, u"-h"_s, u"-o"_s, u"%j"_s}).contains(u"allock-1-plan"_s); },
                                30000));
        peal.kill(); // no closing: the allocation stays
        QVERIFY(peal.waitForFinished(30000));
        QCOMPARE(jobsInQueue().filter(u"allock-run"_s).size(), 1);
        // The next run's first act gives it back; then it makes and returns its own.
        const auto r = s.run({u"--config"_s, config, u"--stet-path"_s, u"/nonexistent"_s}, slurmEnv());
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QTRY_VERIFY_WITH_TIMEOUT(jobsInQueue().filter(u"allock-"_s).isEmpty(), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(completed(u"allock-run"_s).size() == 2, 15000);
    }

    void anAllocationThatCannotBeMadeFailsTheRunBeforeAnyCall()
    {
        Scenario s("## Task 1\nT1: do it.\n");
        QVERIFY(s.isValid());
        const auto r = s.run({u"--config"_s, writeConfig(s, u"allocation = \"run\"\npartition = \"nosuch\"\n"_s),
                              u"--stet-path"_s, u"/nonexistent"_s},
                             slurmEnv());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(PealTest::lastLine(r.err).contains(u"executor plugin 'slurm': no allocation for the run"_s),
                 PealTest::tail(r.err).constData());
        QVERIFY(s.agentLogLines().isEmpty());
    }

    void aFailingAgentFailsWithItsOwnExitCode()
    {
        Scenario s("## Task 1\nT1: do it.\n");
        QVERIFY(s.isValid());
        QHash<QString, QString> env = slurmEnv();
        env.insert(u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T1: do it"_s);
        env.insert(u"PEAL_FAKE_AGENT_EXIT_CODE"_s, u"7"_s);
        const auto r = s.run({u"--config"_s, writeConfig(s, u"job_name_prefix = \"fails\"\n"_s), u"--stet-path"_s,
                              u"/nonexistent"_s},
                             env);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(PealTest::lastLine(r.err).contains(u"task 1, phase 1 (plan): agent exited with code 7"_s), PealTest::tail(r.err).constData());
        QVERIFY(completed(u"fails-1-plan"_s).last().contains(u"ExitCode=7:0"_s));
    }

    void slurmsOwnFailureIsClassExecutorAndRetried()
    {
        Scenario s("## Task 1\nT1: do it.\n");
        QVERIFY(s.isValid());
        const auto r = s.run({u"--config"_s, writeConfig(s, u"partition = \"nosuch\"\n"_s), u"--stet-path"_s,
                              u"/nonexistent"_s, u"--phase-retry-count"_s, u"1"_s},
                             slurmEnv());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(PealTest::lastLine(r.err).contains(u"task 1, phase 1 (plan): cursor: executor failed (slurm: no allocation ("_s),
                 PealTest::tail(r.err).constData());
        QCOMPARE(r.err.count(u"invoking phase 1"_s), 2); // the phase retry policy applies
        QVERIFY(s.agentLogLines().isEmpty());             // the agent never ran
    }

    void aJobPastItsTimeLimitIsReportedAsSuch()
    {
        // Slurm checks time limits about every 30 s: this takes a minute or more.
        Scenario s("## Task 1\nT1: do it.\n");
        QVERIFY(s.isValid());
        QHash<QString, QString> env = slurmEnv();
        env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"T1: do it=300000"_s);
        const auto r = s.run({u"--config"_s, writeConfig(s, u"time_limit_min = 1\njob_name_prefix = \"limit\"\n"_s),
                              u"--stet-path"_s, u"/nonexistent"_s},
                             env, 240000);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(!r.err.contains(u"is not used"_s), PealTest::tail(r.err).constData());
        QVERIFY2(PealTest::lastLine(r.err).contains(QRegularExpression(
                     u"task 1, phase 1 \\(plan\\): cursor: executor failed \\(slurm: job \\d+ on \\S+ cancelled due to time limit\\)"_s)),
                 qPrintable(PealTest::lastLine(r.err)));
        QVERIFY(completed(u"limit-1-plan"_s).last().contains(u"JobState=TIMEOUT"_s));
    }

    void ctrlCCancelsTheJobSteps()
    {
        Scenario s("## Task 1 (parallel)\nT1: a.\n\n## Task 2 (parallel)\nT2: b.\n");
        QVERIFY(s.isValid());
        QProcess peal;
        QVERIFY(startRun(peal, s, u"---TASK---=60000"_s,
                         {u"--config"_s, writeConfig(s, u"job_name_prefix = \"ctrlc\"\n"_s), u"--max-parallel"_s, u"2"_s}));
        QVERIFY(QTest::qWaitFor([] { return jobsInQueue().filter(u"ctrlc-"_s).size() == 2; }, 30000));
        ::kill(pid_t(peal.processId()), SIGINT);
        QVERIFY(peal.waitForFinished(30000));
        QCOMPARE(peal.exitCode(), 130);
        QTRY_VERIFY_WITH_TIMEOUT(jobsInQueue().filter(u"ctrlc-"_s).isEmpty(), 15000);
        QCOMPARE(s.completed(), QList<int>());
    }

    void aResumeAfterKill9CompletesEachTaskOnce()
    {
        Scenario s("## Task 1\nT1: first.\nwrite one.txt: 1\n\n## Task 2\nT2: second.\nwrite two.txt: 2\n");
        QVERIFY(s.isValid());
        const QString config = writeConfig(s, u"job_name_prefix = \"resume\"\n"_s);
        QProcess peal;
        QVERIFY(startRun(peal, s, u"T2: second=60000"_s, {u"--config"_s, config, u"--commit-after-phase2"_s}));
        // Task 1 done, task 2's plan call in its job step: peal dies without a word.
        QVERIFY(QTest::qWaitFor([] { return jobsInQueue().contains(u"resume-2-plan"_s); }, 30000));
        ::kill(pid_t(peal.processId()), SIGKILL);
        QVERIFY(peal.waitForFinished(10000));
        QCOMPARE(s.completed(), QList<int>{1});
        // The same command, without the sleep: the job the dead peal left is cancelled first.
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--config"_s, config, u"--commit-after-phase2"_s},
                             slurmEnv());
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        QStringList peals = s.commits().filter(u"peal: task"_s);
        QCOMPARE(peals.size(), 2);
        QCOMPARE(agentCalls(s).size(), 4); // each task planned and executed once; the killed call never ended
        QTRY_VERIFY_WITH_TIMEOUT(jobsInQueue().filter(u"resume-"_s).isEmpty(), 15000);
    }

    void aCallPealEndsIsCancelledAndItsRetryIsNot_data()
    {
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<QStringList>("limit");
        QTest::addColumn<QString>("said");
        QTest::newRow("stall watchdog") << u"stall"_s << QStringList{u"--agent-idle-timeout-sec"_s, u"5"_s}
                                        << u"agent stalled, killed"_s;
        QTest::newRow("phase timeout") << u"clock"_s
                                       << QStringList{u"--phase-timeout-sec"_s, u"4"_s, u"--phase-retry-count"_s, u"1"_s}
                                       << u"phase timed out"_s;
    }

    void aCallPealEndsIsCancelledAndItsRetryIsNot()
    {
        // The first plan call never answers: peal ends it, cancels its job, and runs the phase
        // again as a job step of the same name, which the clean-up of the first must not hit.
        QFETCH(QString, prefix);
        QFETCH(QStringList, limit);
        QFETCH(QString, said);
        prefix += QString::number(QCoreApplication::applicationPid()); // the cluster's log outlives a test run
        Scenario s("## Task 1\nT1: do it.\nwrite one.txt: 1\n");
        QVERIFY(s.isValid());
        QHash<QString, QString> env = slurmEnv();
        env.insert(u"PEAL_FAKE_AGENT_HANG_FIRST"_s, u"1"_s);
        env.insert(u"PEAL_FAKE_AGENT_COUNTER"_s, s.path(u"counter"_s));
        const QString config = writeConfig(s, u"job_name_prefix = \"%1\"\n"_s.arg(prefix));
        const auto r = s.run(QStringList{u"--config"_s, config, u"--stet-path"_s, u"/nonexistent"_s} + limit, env);
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(r.err.count(said), 1);
        QCOMPARE(s.completed(), QList<int>{1});
        const QStringList plans = completed(prefix + u"-1-plan"_s);
        QCOMPARE(plans.size(), 2);
        QVERIFY2(!plans.first().contains(u"JobState=COMPLETED"_s), qPrintable(plans.first()));
        QVERIFY2(plans.last().contains(u"JobState=COMPLETED"_s), qPrintable(plans.last()));
        QTRY_VERIFY_WITH_TIMEOUT(jobsInQueue().filter(prefix + u'-').isEmpty(), 15000);
    }

    void aRunCancelsWhatEarlierRunsOfItsStateLeftAndNothingElse()
    {
        // Jobs tagged as an earlier run of this state (a peal that died where srun could not
        // end its step) and as another state's run: only the first is cancelled.
        Scenario s("## Task 1\nT1: do it.\n");
        QVERIFY(s.isValid());
        const QString config = writeConfig(s, u"job_name_prefix = \"stale\"\n"_s);
        const auto first = s.run({u"--config"_s, config, u"--stet-path"_s, u"/nonexistent"_s, u"--log-level"_s, u"info"_s},
                                 slurmEnv());
        QVERIFY2(first.exitCode == 0, PealTest::tail(first.err).constData());
        static const QRegularExpression tagged(u"executor jobs are tagged state_tag=(\\S+)"_s);
        const QString state = tagged.match(first.err).captured(1);
        QVERIFY2(!state.isEmpty(), PealTest::tail(first.err).constData());
        const QString script = s.path(u"sleep.sh"_s);
        PealTest::writeFile(script, "#!/bin/sh\nexec sleep 120\n");
        const auto submit = [&](const QString &name, const QString &tag) {
            return PealTest::run(u"sbatch"_s, {u"--job-name="_s + name, u"--comment=peal:"_s + tag, u"--output=/dev/null"_s,
                                               script}, s.dir(), slurmEnv(), 30000);
        };
        QCOMPARE(submit(u"stale-old"_s, state + u"/0dead/3"_s).exitCode, 0);
        QCOMPARE(submit(u"stale-other"_s, u"0123456789ab/0dead/3"_s).exitCode, 0);
        QTRY_VERIFY_WITH_TIMEOUT(jobsInQueue().contains(u"stale-old"_s) && jobsInQueue().contains(u"stale-other"_s), 15000);
        const auto again = s.run({u"--config"_s, config, u"--stet-path"_s, u"/nonexistent"_s, u"--redo"_s, u"1"_s}, slurmEnv());
        QVERIFY2(again.exitCode == 0, PealTest::tail(again.err).constData());
        QTRY_VERIFY_WITH_TIMEOUT(!jobsInQueue().contains(u"stale-old"_s), 15000);
        QVERIFY(completed(u"stale-old"_s).last().contains(u"JobState=CANCELLED"_s));
        QVERIFY(jobsInQueue().contains(u"stale-other"_s));
        slurm(u"scancel"_s, {u"--name=stale-other"_s});
        QTRY_VERIFY_WITH_TIMEOUT(!jobsInQueue().contains(u"stale-other"_s), 15000);
    }

    void reviewerCommandsRunAsJobStepsWhenAsked()
    {
        // [plugins.slurm] reviewer = true: the stet commands are job steps too; the agent's
        // calls keep their task/phase names.
        Scenario s("## Task 1\nT1: do it.\nwrite one.txt: 1\n");
        QVERIFY(s.isValid());
        QHash<QString, QString> env = slurmEnv();
        env.insert(u"PEAL_FAKE_STET_LOG"_s, s.stetLog());
        const QString config = writeConfig(s, u"job_name_prefix = \"rev\"\nreviewer = true\n"_s);
        const auto r = s.run({u"--config"_s, config, u"--stet-path"_s, PealTest::demoStet()}, env);
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), QList<int>{1});
        const QStringList stet = s.stetCalls();
        QVERIFY2(stet.contains(u"start"_s) && stet.contains(u"finish"_s), qPrintable(stet.join(u'\n')));
        QSet<QString> names;
        for (const QByteArray &line : PealTest::readFile(s.stetLog()).split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject call = PealTest::json(line);
            QVERIFY2(!call.value(u"slurm_job_id"_s).toString().isEmpty(), line.constData());
            names.insert(call.value(u"slurm_job_name"_s).toString());
        }
        QCOMPARE(names, QSet<QString>{u"rev-review"_s});
        QVERIFY(completed(u"rev-review"_s).size() >= stet.size());
        QSet<QString> agentNames;
        for (const QJsonObject &call : agentCalls(s))
            agentNames.insert(call.value(u"slurm_job_name"_s).toString());
        QCOMPARE(agentNames, (QSet<QString>{u"rev-1-plan"_s, u"rev-1-execute"_s}));
        QVERIFY(jobsInQueue().filter(u"rev-"_s).isEmpty());
    }

    void anExecutorThatIsNoneIsRefusedBeforeAnythingRuns_data()
    {
        QTest::addColumn<QString>("executor");
        QTest::addColumn<QString>("said");
        QTest::newRow("missing") << u"nosuch"_s << u"error: executor 'nosuch' (set by --executor) cannot be used: plugin 'nosuch' not found"_s;
        QTest::newRow("an agent") << u"cursor"_s
                                  << u"error: executor 'cursor' (set by --executor) cannot be used: plugin 'cursor' is an agent plugin, "
                                     "but the role 'executor' is needed"_s;
    }

    void anExecutorThatIsNoneIsRefusedBeforeAnythingRuns()
    {
        QFETCH(QString, executor);
        QFETCH(QString, said);
        Scenario s("## Task 1\nT1: do it.\n");
        QVERIFY(s.isValid());
        const auto r = s.run({u"--executor"_s, executor, u"--stet-path"_s, u"/nonexistent"_s}, slurmEnv());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(PealTest::lastLine(r.err).startsWith(said), PealTest::tail(r.err).constData());
        QVERIFY(s.agentLogLines().isEmpty());
    }

    void aNodeLocalWorkspaceIsWarnedAbout()
    {
        if (!QFileInfo(u"/dev/shm"_s).isDir())
            QSKIP("no /dev/shm here");
        Scenario s("## Task 1\nT1: do it.\n");
        QVERIFY(s.isValid());
        QTemporaryDir shm(u"/dev/shm/peal-test-XXXXXX"_s);
        QVERIFY(shm.isValid());
        const auto r = s.run({u"--config"_s, writeConfig(s), u"--stet-path"_s, u"/nonexistent"_s, u"--isolation"_s,
                              u"worktree"_s, u"--worktree-root"_s, shm.path()},
                             slurmEnv());
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY2(r.err.contains(shm.path() + u" is on a node-local file system (tmpfs)"_s), PealTest::tail(r.err).constData());
    }
};

QTEST_GUILESS_MAIN(tst_Slurm)
#include "tst_slurm.moc"
