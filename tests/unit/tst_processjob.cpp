// SPDX-License-Identifier: MIT
// The process layer: one result for every ending, tree kill, bounded capture (spec §6;
// reference §13.13 and our improvements).
#include <peal/processjob.h>

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QCoreApplication>
#include <QTest>

#include <csignal>

using namespace Peal;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

ProcessSpec command(const QString &program, const QStringList &args = {})
{
    ProcessSpec spec;
    spec.program = program;
    spec.arguments = args;
    spec.stdinMode = ProcessSpec::Stdin::Null;
    return spec;
}

bool processAlive(qint64 pid)
{
    // A zombie has exited; only a running or sleeping process counts as alive.
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    const qsizetype close = text.lastIndexOf(')');
    return close > 0 && close + 2 < text.size() && text[close + 2] != 'Z';
}

} // namespace

class tst_ProcessJob : public QObject
{
    Q_OBJECT

    ProcessResult run(ProcessSpec spec, int waitMs = 30000)
    {
        ProcessJob job(std::move(spec));
        QSignalSpy spy(&job, &ProcessJob::done);
        job.start();
        if (!spy.wait(waitMs))
            return ProcessResult{};
        [&] { QCOMPARE(spy.count(), 1); }();
        return spy.first().first().value<ProcessResult>();
    }

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<ProcessResult>(); }

    void capturesStdout()
    {
        const ProcessResult r = run(command(u"echo"_s, {u"hello"_s, u"world"_s}));
        QCOMPARE(r.ending, ProcessEnding::Exited);
        QCOMPARE(r.stdoutText, u"hello world\n"_s);
        QCOMPARE(r.stderrText, QString());
        QCOMPARE(r.code(), std::optional<int>(0));
        QVERIFY(r.success());
    }

    void capturesNonZeroExitCode()
    {
        const ProcessResult r = run(command(u"false"_s));
        QCOMPARE(r.ending, ProcessEnding::Exited);
        QCOMPARE(r.exitCode, 1);
        QVERIFY(!r.success());
    }

    void respectsWorkingDirectory()
    {
        QTemporaryDir dir;
        ProcessSpec spec = command(u"pwd"_s);
        spec.workingDirectory = dir.path();
        const ProcessResult r = run(spec);
        QCOMPARE(QDir(r.stdoutText.trimmed()).canonicalPath(), QDir(dir.path()).canonicalPath());
    }

    void capturesStderr()
    {
        const ProcessResult r = run(command(u"sh"_s, {u"-c"_s, u"echo err >&2"_s}));
        QCOMPARE(r.stderrText, u"err\n"_s);
        QCOMPARE(r.stdoutText, QString());
    }

    void timeoutEndsProcess()
    {
        ProcessSpec spec = command(u"sleep"_s, {u"60"_s});
        spec.timeout = 200ms;
        const ProcessResult r = run(spec);
        QCOMPARE(r.ending, ProcessEnding::TimedOut);
        QVERIFY(r.timedOut());
        QCOMPARE(r.code(), std::nullopt);
        QVERIFY(!r.success());
    }

    void fastProcessFinishesBeforeTimeout()
    {
        ProcessSpec spec = command(u"sleep"_s, {u"0"_s});
        spec.timeout = 5000ms;
        const ProcessResult r = run(spec);
        QCOMPARE(r.ending, ProcessEnding::Exited);
        QVERIFY(r.success());
    }

    void hugeTimeoutsDoNotWrapAround_data()
    {
        QTest::addColumn<qint64>("timeoutMs");
        // Cut to 32 bits these are 1 ms, 0 ms and 704 ms (phase_timeout_sec = 4294968).
        QTest::newRow("2^32 + 1 ms") << ((qint64(1) << 32) + 1);
        QTest::newRow("2^32 ms") << (qint64(1) << 32);
        QTest::newRow("4294968 s") << qint64(4294968) * 1000;
        QTest::newRow("longest seconds") << std::numeric_limits<qint64>::max() / 2;
    }
    void hugeTimeoutsDoNotWrapAround()
    {
        QFETCH(qint64, timeoutMs);
        ProcessSpec spec = command(u"sleep"_s, {u"0.3"_s});
        spec.timeout = std::chrono::milliseconds(timeoutMs);
        const ProcessResult r = run(spec);
        QCOMPARE(r.ending, ProcessEnding::Exited);
        QVERIFY(r.success());
    }

    void zeroTimeoutEndsAtOnce()
    {
        ProcessSpec spec = command(u"sleep"_s, {u"60"_s});
        spec.timeout = 0ms;
        QCOMPARE(run(spec).ending, ProcessEnding::TimedOut);
    }

    void missingProgramFailsToStart()
    {
        const ProcessResult r = run(command(u"/no/such/binary"_s));
        QCOMPARE(r.ending, ProcessEnding::FailedToStart);
        QVERIFY(r.failedToStart());
        QVERIFY(!r.errorString.isEmpty());
        QCOMPARE(r.code(), std::nullopt);
    }

    void doneIsNeverEmittedSynchronously()
    {
        ProcessJob job(command(u"/no/such/binary"_s));
        QSignalSpy spy(&job, &ProcessJob::done);
        job.start();
        QCOMPARE(spy.count(), 0); // not from inside start()
        QVERIFY(spy.wait(10000));
        QCOMPARE(spy.count(), 1);
    }

    void crashIsReported()
    {
        const ProcessResult r = run(command(u"sh"_s, {u"-c"_s, u"kill -SEGV $$"_s}));
        QCOMPARE(r.ending, ProcessEnding::Crashed);
        QCOMPARE(r.code(), std::nullopt);
        QCOMPARE(r.signal, SIGSEGV);
        QCOMPARE(exitStatusText(r), u"killed by SIGSEGV"_s);
        QCOMPARE(describeEnding(r), u"was killed by SIGSEGV"_s);
    }

    void endingsAreDescribedWithNumbers()
    {
        const ProcessResult exited = run(command(u"sh"_s, {u"-c"_s, u"exit 3"_s}));
        QCOMPARE(exitStatusText(exited), u"3"_s);
        QCOMPARE(describeEnding(exited), u"exited with code 3"_s);
        ProcessResult timedOut;
        timedOut.ending = ProcessEnding::TimedOut;
        QCOMPARE(exitStatusText(timedOut), u"none"_s);
        QCOMPARE(describeEnding(timedOut), u"timed out"_s);
        QCOMPARE(signalName(SIGKILL), u"SIGKILL"_s);
        QCOMPARE(signalName(200), u"signal 200"_s);
        QCOMPARE(exitStatusText(std::nullopt, SIGTERM), u"killed by SIGTERM"_s);
    }

    void cancelEndsProcessTree()
    {
        QTemporaryDir dir;
        const QString pidFile = dir.filePath(u"grandchild.pid"_s);
        // The grandchild ignores SIGTERM: only the group SIGKILL after the grace period ends it.
        ProcessJob::setTerminateGracePeriod(300ms);
        ProcessJob job(command(u"sh"_s, {u"-c"_s, u"sh -c 'trap \"\" TERM; sleep 60' & echo $! > %1; "
                                                  "wait"_s.arg(pidFile)}));
        QSignalSpy spy(&job, &ProcessJob::done);
        job.start();
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(pidFile) && !PealTest::readFile(pidFile).isEmpty(), 10000);
        const qint64 grandchild = PealTest::readFile(pidFile).trimmed().toLongLong();
        QVERIFY(grandchild > 0);
        QVERIFY(processAlive(grandchild));
        job.cancel();
        QVERIFY(spy.wait(10000));
        QCOMPARE(spy.first().first().value<ProcessResult>().ending, ProcessEnding::Cancelled);
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(grandchild), 10000);
        ProcessJob::setTerminateGracePeriod(2000ms);
    }

    void timeoutEndsGrandchildren()
    {
        QTemporaryDir dir;
        const QString pidFile = dir.filePath(u"grandchild.pid"_s);
        ProcessSpec spec = command(u"sh"_s, {u"-c"_s, u"sleep 60 & echo $! > %1; wait"_s.arg(pidFile)});
        spec.timeout = 500ms;
        const ProcessResult r = run(spec);
        QCOMPARE(r.ending, ProcessEnding::TimedOut);
        const qint64 grandchild = PealTest::readFile(pidFile).trimmed().toLongLong();
        QVERIFY(grandchild > 0);
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(grandchild), 10000);
    }

    void grandchildHoldingPipesDoesNotBlockDone()
    {
        // The child exits at once; a grandchild keeps stdout open for a minute.
        QTemporaryDir dir;
        const QString pidFile = dir.filePath(u"grandchild.pid"_s);
        const ProcessResult r = run(command(u"sh"_s, {u"-c"_s, u"sleep 60 & echo $! > %1; echo bye"_s.arg(pidFile)}),
                                    20000);
        QCOMPARE(r.ending, ProcessEnding::Exited);
        QCOMPARE(r.stdoutText, u"bye\n"_s);
        const qint64 grandchild = PealTest::readFile(pidFile).trimmed().toLongLong();
        if (grandchild > 0)
            ::kill(pid_t(grandchild), SIGKILL);
    }

    void captureIsBoundedAndPipeKeepsDraining()
    {
        ProcessSpec spec = command(u"head"_s, {u"-c"_s, u"20000000"_s, u"/dev/zero"_s});
        spec.captureLimit = 1024 * 1024;
        const ProcessResult r = run(spec);
        // The child wrote everything (no SIGPIPE, no block); we kept only the head.
        QCOMPARE(r.ending, ProcessEnding::Exited);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.stdoutBytes, 20000000);
        QVERIFY(r.stdoutTruncated);
        QCOMPARE(r.stdoutText.size(), 1024 * 1024);
        QVERIFY(!r.stderrTruncated);
    }

    void linesStreamAsTheyArrive()
    {
        // Lines split across writes, CRLF, an empty line, a long line cut at the limit, a last
        // line without a break, and stderr kept apart.
        ProcessSpec spec = command(u"sh"_s, {u"-c"_s, u"printf 'one\\r\\ntw'; sleep 0.05; printf 'o\\n\\n'; "
                                                      "printf 'err line\\n' >&2; printf '%0100d\\n' 0; printf 'last'"_s});
        spec.streamLines = true;
        spec.maxLineLength = 10;
        ProcessJob job(spec);
        QStringList out, err;
        connect(&job, &RunningProcess::outputLine, this, [&](OutputChannel channel, const QString &line) {
            (channel == OutputChannel::Stdout ? out : err) << line;
        });
        QSignalSpy spy(&job, &ProcessJob::done);
        job.start();
        QVERIFY(spy.wait(30000));
        QCOMPARE(out, (QStringList{u"one"_s, u"two"_s, QString(), u"0000000000"_s, u"last"_s}));
        QCOMPARE(err, QStringList{u"err line"_s});
        const auto r = spy.first().first().value<ProcessResult>();
        QCOMPARE(r.linesCut, 1);
        QVERIFY(r.stdoutText.startsWith(u"one\r\ntwo\n"_s)); // the capture is unchanged
    }

    void linesAreNotStreamedUnlessAsked()
    {
        ProcessJob job(command(u"echo"_s, {u"hello"_s}));
        int lines = 0;
        connect(&job, &RunningProcess::outputLine, this, [&] { ++lines; });
        QSignalSpy spy(&job, &ProcessJob::done);
        job.start();
        QVERIFY(spy.wait(30000));
        QCOMPARE(lines, 0);
    }

    void invalidUtf8BecomesReplacementCharacter()
    {
        const ProcessResult r = run(command(u"printf"_s, {u"ok\\377\\376!"_s}));
        QVERIFY(r.stdoutText.startsWith(u"ok"));
        QVERIFY(r.stdoutText.contains(QChar(QChar::ReplacementCharacter)));
    }

    void environmentOverrides()
    {
        ProcessSpec spec = command(u"sh"_s, {u"-c"_s, u"echo \"$PEAL_TEST_VALUE\""_s});
        spec.environment.insert(u"PEAL_TEST_VALUE"_s, u"from spec"_s);
        QCOMPARE(run(spec).stdoutText, u"from spec\n"_s);
    }

    void nullStdinReadsNothing()
    {
        const ProcessResult r = run(command(u"cat"_s));
        QCOMPARE(r.ending, ProcessEnding::Exited);
        QCOMPARE(r.stdoutText, QString());
    }

    void runsInItsOwnProcessGroup()
    {
        const ProcessResult r = run(command(u"sh"_s, {u"-c"_s, u"echo $$ $(cut -d' ' -f5 /proc/$$/stat)"_s}));
        const QStringList parts = r.stdoutText.split(u' ', Qt::SkipEmptyParts);
        QCOMPARE(parts.size(), 2);
        QCOMPARE(parts[0].trimmed(), parts[1].trimmed());
    }

    void cancelBeforeStartReportsCancelled()
    {
        ProcessJob job(command(u"sleep"_s, {u"60"_s}));
        QSignalSpy spy(&job, &ProcessJob::done);
        job.cancel();
        QVERIFY(spy.wait(5000));
        QCOMPARE(spy.first().first().value<ProcessResult>().ending, ProcessEnding::Cancelled);
        job.start(); // ignored after the end
        QCoreApplication::processEvents();
        QCOMPARE(spy.count(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_ProcessJob)
#include "tst_processjob.moc"
