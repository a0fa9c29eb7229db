// SPDX-License-Identifier: MIT
// The slurm executor's pure parts: [plugins.slurm], the srun command line of a call, Slurm's
// own failures in what srun printed, and the jobs a cancel picks from squeue.
#include "slurmexecutor.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QTest>

using namespace Peal;
using namespace Peal::Slurm;
using namespace Qt::StringLiterals;

class tst_SlurmExecutor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aCallBecomesAJobStep()
    {
        auto options = readOptions(QJsonObject{{u"partition"_s, u"cpu"_s}, {u"account"_s, u"proj"_s}, {u"qos"_s, u"low"_s},
                                               {u"cpus_per_task"_s, 4}, {u"mem"_s, u"8G"_s},
                                               {u"export"_s, QJsonArray{u"ANTHROPIC_API_KEY"_s}},
                                               {u"extra_args"_s, QJsonArray{u"--constraint=avx2"_s}}});
        QVERIFY(options);
        ProcessSpec spec;
        spec.program = u"/usr/bin/claude"_s;
        spec.arguments = {u"-p"_s, u"--output-format"_s, u"stream-json"_s};
        spec.workingDirectory = u"/shared/repo"_s;
        spec.environment.insert(u"CLAUDE_CODE_MAX_TURNS"_s, u"secret value"_s);
        ExecutorCall call{3, u"execute"_s, false, std::chrono::minutes(30), u"5e1f0c2a9b3d/1a2b3c4d/7"_s};
        const ProcessSpec wrapped = wrap(*options, spec, call);
        QCOMPARE(wrapped.program, u"srun"_s);
        QCOMPARE(wrapped.arguments,
                 (QStringList{u"--job-name=peal-3-execute"_s, u"--ntasks=1"_s, u"--quiet"_s,
                              u"--comment=peal:5e1f0c2a9b3d/1a2b3c4d/7"_s, u"--chdir=/shared/repo"_s,
                              u"--partition=cpu"_s, u"--account=proj"_s, u"--qos=low"_s, u"--cpus-per-task=4"_s, u"--mem=8G"_s,
                              u"--time=31"_s,
                              u"--export=PATH,HOME,USER,LOGNAME,LANG,LC_ALL,TERM,TMPDIR,CLAUDE_CODE_MAX_TURNS,ANTHROPIC_API_KEY"_s,
                              u"--constraint=avx2"_s, u"--"_s, u"/usr/bin/claude"_s, u"-p"_s, u"--output-format"_s,
                              u"stream-json"_s}));
        // Values stay in the environment, never on the command line.
        QVERIFY(!wrapped.arguments.join(u' ').contains(u"secret value"_s));
        QCOMPARE(wrapped.environment.value(u"CLAUDE_CODE_MAX_TURNS"_s), u"secret value"_s);
        QCOMPARE(jobName(*options, ExecutorCall{0, u"review"_s, true, {}, {}}), u"peal-review"_s);
    }

    void oneAllocationForTheRunAndItsSteps()
    {
        auto options = readOptions(QJsonObject{{u"allocation"_s, u"run"_s}, {u"partition"_s, u"cpu"_s},
                                               {u"allocation_time_limit_min"_s, 600},
                                               {u"allocation_extra_args"_s, QJsonArray{u"--overcommit"_s}}});
        QVERIFY(options);
        // The request: salloc as wide as asked, tagged with the run, its id's pattern and release.
        ExecutorCall request{0, u"allocation"_s, false, {}, u"5e1f/1a2b"_s};
        setAllocationWidth(request, 8);
        const ProcessSpec salloc = allocationCommand(*options, request);
        QCOMPARE(salloc.program, u"salloc"_s);
        QCOMPARE(salloc.arguments, (QStringList{u"--no-shell"_s, u"--job-name=peal-run"_s, u"--ntasks=8"_s,
                                                u"--comment=peal:5e1f/1a2b"_s, u"--partition=cpu"_s, u"--time=600"_s,
                                                u"--overcommit"_s}));
        const QRegularExpression id(allocationIdPattern(salloc));
        QCOMPARE(id.match(u"salloc: Granted job allocation 4711\n"_s).captured(1), u"4711"_s);
        QCOMPARE(allocationRelease(salloc), (QStringList{u"scancel"_s, u"{id}"_s}));
        // A call inside it: a step of that job, without a job's own comment or partition.
        ProcessSpec spec;
        spec.program = u"/usr/bin/claude"_s;
        spec.workingDirectory = u"/shared/repo"_s;
        ExecutorCall call{3, u"plan"_s, false, std::chrono::minutes(30), u"5e1f/1a2b/2"_s};
        setAllocation(call, u"4711"_s);
        const QStringList args = wrap(*options, spec, call).arguments;
        QCOMPARE(args.mid(0, 5), (QStringList{u"--job-name=peal-3-plan"_s, u"--ntasks=1"_s, u"--quiet"_s, u"--jobid=4711"_s,
                                              u"--chdir=/shared/repo"_s}));
        QVERIFY(!args.join(u' ').contains(u"--comment"_s) && !args.join(u' ').contains(u"--partition"_s));
        // allocation = "call" (default) and bad values.
        QCOMPARE(readOptions({})->allocation, u"call"_s);
        QCOMPARE(readOptions({{u"allocation"_s, u"job"_s}}).error().message(), u"allocation must be \"call\" or \"run\", not \"job\""_s);
    }

    void stdinIsNotInheritedThroughSrun_data()
    {
        QTest::addColumn<int>("given");
        QTest::addColumn<int>("expected");
        using S = ProcessSpec::Stdin;
        QTest::newRow("inherit") << int(S::Inherit) << int(S::Null);
        QTest::newRow("null") << int(S::Null) << int(S::Null);
        QTest::newRow("data") << int(S::Data) << int(S::Data);
    }

    void stdinIsNotInheritedThroughSrun()
    {
        // srun forwards its stdin: a terminal would stop it in the background, a pipe would be
        // read away. A prompt on stdin (Data) goes through as it is.
        QFETCH(int, given);
        QFETCH(int, expected);
        ProcessSpec spec;
        spec.program = u"agent"_s;
        spec.stdinMode = ProcessSpec::Stdin(given);
        const ProcessSpec wrapped = wrap(SlurmOptions(), spec, ExecutorCall{1, u"plan"_s, false, {}, {}});
        QCOMPARE(int(wrapped.stdinMode), expected);
    }

    void badOptionsNameTheKey_data()
    {
        QTest::addColumn<QJsonObject>("table");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown") << QJsonObject{{u"partiton"_s, u"x"_s}} << u"has an unknown key 'partiton'"_s;
        QTest::newRow("cpus zero") << QJsonObject{{u"cpus_per_task"_s, 0}} << u"cpus_per_task must be a whole number"_s;
        QTest::newRow("mem number") << QJsonObject{{u"mem"_s, 8}} << u"mem must be a non-empty string"_s;
        QTest::newRow("export not names") << QJsonObject{{u"export"_s, QJsonArray{u"A=B"_s}}} << u"not 'A=B'"_s;
        QTest::newRow("reviewer string") << QJsonObject{{u"reviewer"_s, u"yes"_s}} << u"reviewer must be true or false"_s;
        QTest::newRow("prefix with a space") << QJsonObject{{u"job_name_prefix"_s, u"my run"_s}}
                                             << u"job_name_prefix must be letters, digits, '_', '.' and '-', not 'my run'"_s;
    }

    void badOptionsNameTheKey()
    {
        QFETCH(QJsonObject, table);
        QFETCH(QString, message);
        const auto options = readOptions(table);
        QVERIFY(!options);
        QVERIFY2(options.error().message().contains(message), qPrintable(options.error().message()));
    }

    void slurmsOwnFailures_data()
    {
        QTest::addColumn<QString>("stderrText");
        QTest::addColumn<QString>("expected");
        QTest::newRow("time limit") << u"slurmstepd-vm: error: *** STEP 4.0 ON vm CANCELLED AT 2026-12-03T07:03:23 DUE TO TIME LIMIT ***\nsrun: Job step aborted"_s
                                    << u"slurm: job 4 on vm cancelled due to time limit"_s;
        QTest::newRow("preemption") << u"slurmstepd: error: *** JOB 77 ON n3 CANCELLED AT 2026-12-03T07:03:23 DUE TO PREEMPTION ***"_s
                                    << u"slurm: job 77 on n3 cancelled due to preemption"_s;
        QTest::newRow("no allocation") << u"srun: error: Unable to allocate resources: Invalid partition name specified"_s
                                       << u"slurm: no allocation (Invalid partition name specified)"_s;
        QTest::newRow("node failure") << u"srun: error: Node failure on n7"_s << u"slurm: node failure on n7"_s;
        QTest::newRow("no cluster") << u"srun: error: resolve_ctls_from_dns_srv: res_nsearch error: Unknown host\nsrun: fatal: Could not establish a configuration source"_s
                                    << u"slurm: Could not establish a configuration source"_s;
        QTest::newRow("the agent's own") << u"Error: something broke\nsrun: error: vm: task 0: Exited with exit code 1"_s << QString();
    }

    void slurmsOwnFailures()
    {
        QFETCH(QString, stderrText);
        QFETCH(QString, expected);
        QCOMPARE(failureIn(stderrText).value_or(QString()), expected);
    }

    void onlyAFailedCallThatPealDidNotEndIsSlurmsFailure_data()
    {
        QTest::addColumn<int>("ending");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<bool>("slurms");
        using E = ProcessEnding;
        QTest::newRow("failed") << int(E::Exited) << 1 << true;
        QTest::newRow("succeeded") << int(E::Exited) << 0 << false; // the agent ran srun itself
        QTest::newRow("timed out") << int(E::TimedOut) << -1 << false;
        QTest::newRow("cancelled") << int(E::Cancelled) << -1 << false;
    }

    void onlyAFailedCallThatPealDidNotEndIsSlurmsFailure()
    {
        QFETCH(int, ending);
        QFETCH(int, exitCode);
        QFETCH(bool, slurms);
        ProcessResult result;
        result.ending = ProcessEnding(ending);
        if (exitCode >= 0)
            result.exitCode = exitCode;
        result.stderrText = u"srun: error: Node failure on n7\n"_s;
        QCOMPARE(failureOf(SlurmOptions(), result).has_value(), slurms);
        result.ending = ProcessEnding::FailedToStart;
        result.errorString = u"No such file or directory"_s;
        QCOMPARE(failureOf(SlurmOptions(), result).value_or(QString()), u"slurm: srun could not start: No such file or directory"_s);
    }

    void aCancelPicksTheJobsByTheirTags()
    {
        const QString listed = u"12 peal:aaa/r1/1\n13 peal:aaa/r1/12\n14 peal:aaa/r2/1\n15 peal:bbb/r1/1\n16 (null)\n"
                               "17 peal:aaa/r10/1\n18 someone-else's\n"_s;
        // One call: not the call whose number starts alike (a retry is a new call).
        QCOMPARE(jobsTagged(listed, {u"aaa/r1/1"_s}), QStringList{u"12"_s});
        // One run: not another run of the state, nor another state's.
        QCOMPARE(jobsTagged(listed, {u"aaa/r1"_s}), (QStringList{u"12"_s, u"13"_s}));
        // Every run of the state.
        QCOMPARE(jobsTagged(listed, {u"aaa"_s}), (QStringList{u"12"_s, u"13"_s, u"14"_s, u"17"_s}));
        QCOMPARE(jobsTagged(listed, {u"ccc"_s}), QStringList());
        QCOMPARE(jobsTagged(listed, {}), QStringList());
    }
};

QTEST_GUILESS_MAIN(tst_SlurmExecutor)
#include "tst_slurmexecutor.moc"
