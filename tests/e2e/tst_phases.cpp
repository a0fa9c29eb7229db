// SPDX-License-Identifier: MIT
// The configurable per-task pipeline (`phases`) and plugin option tables ([plugins.<id>]), end
// to end with the tests-gate example phase plugin built from share/peal/examples/tests-gate.
#include "testsupport.h"

#include <QFile>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

using PealTest::lastLine;

namespace {

// A test script for the repository: it fails, printing a fix the demo agent understands, until
// fixed.txt exists. `alwaysFail` makes it fail regardless.
bool writeCheckScript(const Scenario &s, bool alwaysFail = false)
{
    const QByteArray body = alwaysFail ? "#!/bin/sh\necho 'still broken'\nexit 3\n"
                                       : "#!/bin/sh\ntest -f fixed.txt && exit 0\n"
                                         "echo 'FAIL: fixed.txt is missing'\necho 'write fixed.txt: ok'\nexit 1\n";
    const QString path = s.path(u"repo/check.sh"_s);
    if (!PealTest::writeFile(path, body))
        return false;
    QFile::setPermissions(path, QFile::permissions(path) | QFile::ExeOwner);
    PealTest::git(s.repo(), {u"add"_s, u"check.sh"_s});
    PealTest::git(s.repo(), {u"commit"_s, u"-q"_s, u"-m"_s, u"add check.sh"_s});
    return true;
}

bool writeConfig(const Scenario &s, const QByteArray &toml)
{
    return PealTest::writeFile(s.path(u"peal.toml"_s), toml);
}

QStringList withGate(QStringList extra = {})
{
    return QStringList{u"--plugin-dir"_s, QStringLiteral(PEAL_EXAMPLE_PLUGIN_DIR), u"--config"_s} + extra;
}

} // namespace

class tst_Phases : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void withoutAddressNoReviewRuns()
    {
        Scenario s("## Task 1\nT1: write a.txt: one\n");
        QVERIFY(s.isValid());
        const auto r = s.run({u"--phases"_s, u"plan,execute"_s, u"--stet-path"_s, PealTest::demoStet()},
                             {{u"PEAL_FAKE_STET_LOG"_s, s.stetLog()}});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
        QVERIFY2(s.stetCalls().isEmpty(), qPrintable(s.stetCalls().join(u'\n')));
        QCOMPARE(s.completed(), QList<int>{1});
    }

    void unknownPhaseFailsBeforeAnyAgentCall()
    {
        Scenario s;
        const auto r = s.run({u"--phases"_s, u"plan,execute,nope"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(lastLine(r.err).startsWith(u"error: phase 'nope' (set by --phases) cannot be used: "
                                            "plugin 'nope' not found (searched: "_s),
                 PealTest::tail(r.err).constData());
        QVERIFY(s.agentLogLines().isEmpty());
    }

    void invalidPhasesAreAConfigError()
    {
        Scenario s;
        const auto r = s.run({}, {{u"PEAL_PHASES"_s, u"execute,plan"_s}});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), u"error: Invalid phases value [execute, plan]: \"plan\" must come "
                                  "before \"execute\" (set by PEAL_PHASES)"_s);
    }

    void theDryRunAsksThePhaseToDescribeItself()
    {
        Scenario s;
        QVERIFY(writeConfig(s, "phases = [\"plan\", \"execute\", \"tests-gate\"]\n"
                               "[plugins.tests-gate]\ncommand = [\"./check.sh\", \"-v\"]\nmax_rounds = 2\n"));
        const auto r = s.run(withGate({s.path(u"peal.toml"_s), u"--dry-run"_s}));
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(u"tests-gate ./check.sh -v; when it fails, up to 2 fix round(s) of:"_s), qPrintable(r.out));
        QVERIFY2(r.out.contains(u"test     ./check.sh -v"_s), qPrintable(r.out));
        QVERIFY(s.agentCalls().isEmpty());
    }

    void testsGateFixesFailingTests()
    {
        Scenario s("## Task 1\nT1: write a.txt: one\n");
        QVERIFY(writeCheckScript(s));
        QVERIFY(writeConfig(s, "phases = [\"plan\", \"execute\", \"tests-gate\"]\ncommit_after_phase2 = true\n"
                               "[plugins.tests-gate]\ncommand = [\"./check.sh\"]\nmax_rounds = 2\n"));
        const auto r = s.run(withGate({s.path(u"peal.toml"_s)}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err.right(1500)));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"tests-fix:1"_s}));
        QVERIFY(QFile::exists(s.path(u"repo/fixed.txt"_s)));
        const QStringList commits = s.commits();
        QVERIFY2(commits.value(0) == u"peal: task 1 - tests-gate fix round 1", qPrintable(commits.join(u'\n')));
        QVERIFY(commits.value(1).startsWith(u"peal: task 1"));
        QCOMPARE(s.completed(), QList<int>{1});
        // The fix prompt carried the failing output, but no prompt reached the log.
        const QByteArray fixCall = s.agentLogLines().value(2);
        QVERIFY(fixCall.contains("FAIL: fixed.txt is missing"));
        QVERIFY(!r.err.contains(u"FAIL: fixed.txt is missing"));
    }

    void testsGateGivesUpAfterMaxRounds()
    {
        Scenario s("## Task 1\nT1: write a.txt: one\n\n## Task 2\nT2: write b.txt: two\n");
        QVERIFY(writeCheckScript(s, true));
        QVERIFY(writeConfig(s, "phases = [\"plan\", \"execute\", \"tests-gate\"]\n"
                               "[plugins.tests-gate]\ncommand = [\"./check.sh\"]\nmax_rounds = 1\n"));
        const auto r = s.run(withGate({s.path(u"peal.toml"_s)}));
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), u"error: task 1, phase 3 (tests-gate): './check.sh' still fails after 1 fix round(s): "
                                  "it exited with code 3"_s);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"tests-fix:1"_s}));
        QCOMPARE(s.completed(), QList<int>{});
    }

    void testsGateOnlyChecksWithZeroRounds()
    {
        Scenario s("## Task 1\nT1 makes the tests pass:\nwrite fixed.txt: made by the task\n");
        QVERIFY(writeCheckScript(s));
        QVERIFY(writeConfig(s, "phases = [\"plan\", \"execute\", \"tests-gate\"]\n"
                               "[plugins.tests-gate]\ncommand = [\"./check.sh\"]\nmax_rounds = 0\n"));
        const auto r = s.run(withGate({s.path(u"peal.toml"_s)}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err.right(1500)));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
    }

    void testsGateOptionErrorsNameTheTable_data()
    {
        QTest::addColumn<QByteArray>("table");
        QTest::addColumn<QString>("message");
        // Checked when the plugin is loaded (configure), before any agent runs.
        QTest::newRow("no command") << QByteArray("max_rounds = 2\n")
                                    << u"error: [plugins.tests-gate] command is required, e.g. command = [\"make\", \"check\"] (in %1)"_s;
        QTest::newRow("bad rounds") << QByteArray("command = [\"./check.sh\"]\nmax_rounds = -1\n")
                                    << u"error: [plugins.tests-gate] max_rounds must be a non-negative integer (in %1)"_s;
        QTest::newRow("unknown key") << QByteArray("command = [\"./check.sh\"]\nrounds = 1\n")
                                     << u"error: [plugins.tests-gate] has an unknown key 'rounds' (known: command, "
                                        "max_rounds, timeout_sec, output_tail) (in %1)"_s;
    }
    void testsGateOptionErrorsNameTheTable()
    {
        QFETCH(QByteArray, table);
        QFETCH(QString, message);
        Scenario s;
        QVERIFY(writeConfig(s, "phases = [\"plan\", \"execute\", \"tests-gate\"]\n[plugins.tests-gate]\n" + table));
        const auto r = s.run(withGate({s.path(u"peal.toml"_s)}));
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), message.arg(s.path(u"peal.toml"_s)));
        QCOMPARE(s.agentCalls(), QStringList{});
        // The dry run finds it too.
        const auto dry = s.run(withGate({s.path(u"peal.toml"_s), u"--dry-run"_s}));
        QCOMPARE(dry.exitCode, 1);
        QCOMPARE(lastLine(dry.err), message.arg(s.path(u"peal.toml"_s)));
    }

    void missingTestCommandFailsTheTask()
    {
        Scenario s;
        QVERIFY(writeConfig(s, "phases = [\"plan\", \"execute\", \"tests-gate\"]\n"
                               "[plugins.tests-gate]\ncommand = [\"no-such-test-runner-xyz\"]\n"));
        const auto r = s.run(withGate({s.path(u"peal.toml"_s)}));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(lastLine(r.err).startsWith(u"error: task 1, phase 3 (tests-gate): the test command 'no-such-test-runner-xyz' "
                                            "failed to start"_s),
                 PealTest::tail(r.err).constData());
    }

    void customPhaseRunsAfterAParallelBlockInPlanOrder()
    {
        Scenario s("## Task 1 (parallel)\nT1: write a.txt: one\n\n## Task 2 (parallel)\nT2: write b.txt: two\n");
        QVERIFY(writeCheckScript(s));
        QVERIFY(writeConfig(s, "phases = [\"plan\", \"execute\", \"tests-gate\"]\nmax_parallel = 2\n"
                               "[plugins.tests-gate]\ncommand = [\"./check.sh\"]\n"));
        const auto r = s.run(withGate({s.path(u"peal.toml"_s)}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err.right(1500)));
        const QStringList calls = s.agentCalls();
        // The block's phases 1-2 first (in any order), then the gate of task 1 fixes the tests
        // and the gate of task 2 finds them passing.
        QCOMPARE(calls.size(), 5);
        QCOMPARE(calls.mid(0, 4).count(u"plan:1"_s) + calls.mid(0, 4).count(u"plan:2"_s), 2);
        QCOMPARE(calls.last(), u"tests-fix:1"_s);
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
    }

    void agentPluginIsSelectedById_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown") << u"nope"_s << u"error: plugin 'nope' not found (searched: "_s;
        QTest::newRow("not an agent") << u"address"_s << u"error: plugin 'address' "_s;
    }
    void agentPluginIsSelectedById()
    {
        QFETCH(QString, id);
        QFETCH(QString, message);
        Scenario s;
        const auto r = s.run({u"--agent-plugin"_s, id});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(lastLine(r.err).startsWith(message), PealTest::tail(r.err).constData());
        QVERIFY(s.agentLogLines().isEmpty());
        // The default is the shipped Cursor plugin.
        QCOMPARE(Scenario().run({u"--agent-plugin"_s, u"cursor"_s}).exitCode, 0);
    }

    void unusedPluginTableIsReported()
    {
        Scenario s;
        QVERIFY(writeConfig(s, "[plugins.linter]\nstrict = true\n"));
        const auto r = s.run({u"--config"_s, s.path(u"peal.toml"_s)});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(u"config table [plugins.linter] is not used"), PealTest::tail(r.err).constData());
    }
};

QTEST_GUILESS_MAIN(tst_Phases)
#include "tst_phases.moc"
