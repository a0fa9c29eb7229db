// SPDX-License-Identifier: MIT
// Graph plans end to end: the real peal with the demo agent on a diamond (1 -> 2, 3 -> 4) in
// worktrees, where task 4 edits what tasks 2 and 3 wrote (it could not merge had its worktree
// lacked them); errors before anything runs; --dry-run and peal status show the graph;
// `peal prompt --graph`.
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {

const QByteArray kDiamond = "# Search\n\n"
                            "## Task 1\nT1: the model\nwrite model.txt: model\n\n"
                            "## Task 2 (after 1)\nT2: the CLI\nwrite cli.txt: cli\n\n"
                            "## Task 3 (after 1)\nT3: the endpoint\nwrite http.txt: http\n\n"
                            "## Task 4 (after 2, 3)\nT4: the docs\nappend cli.txt: +docs\nappend http.txt: +docs\n"
                            "write docs.txt: docs\n";

QStringList parallelArgs()
{
    return {u"--parallel"_s, u"--max-parallel"_s, u"4"_s, u"--isolation"_s, u"worktree"_s,
            u"--commit-after-phase2"_s, u"--no-review"_s};
}

} // namespace

class tst_Graph : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aDiamondRunsInWorktreesAndTheLastTaskSeesBothBranches()
    {
        Scenario s(kDiamond);
        QVERIFY(s.isValid());
        const auto r = s.run(parallelArgs(), {{u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog()}});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4}));
        // Task 4 appended to the files of 2 and 3: its worktree held them.
        QCOMPARE(PealTest::readFile(s.repo() + u"/cli.txt"_s), QByteArray("cli\n+docs\n"));
        QCOMPARE(PealTest::readFile(s.repo() + u"/http.txt"_s), QByteArray("http\n+docs\n"));
        // Task 4 ran after both, task 2 and 3 after task 1.
        const QStringList calls = s.agentCalls();
        QVERIFY2(calls.indexOf(u"plan:4"_s) > calls.indexOf(u"execute:2"_s), qPrintable(calls.join(u' ')));
        QVERIFY(calls.indexOf(u"plan:4"_s) > calls.indexOf(u"execute:3"_s));
        QVERIFY(calls.indexOf(u"plan:2"_s) > calls.indexOf(u"execute:1"_s));
        // Each task's commit holds its own files only.
        const auto filesOf = [&](int task) {
            const QString sha = PealTest::git(s.repo(), {u"log"_s, u"--format=%H"_s, u"--grep=^peal: task %1 "_s.arg(task)});
            return PealTest::git(s.repo(), {u"show"_s, u"--name-only"_s, u"--format="_s, sha.trimmed()}).trimmed();
        };
        QCOMPARE(filesOf(1), u"model.txt"_s);
        QCOMPARE(filesOf(2), u"cli.txt"_s);
        QCOMPARE(filesOf(3), u"http.txt"_s);
        // The run summary records the graph.
        const QJsonObject graph = PealTest::json(s.summaryJson()).value(u"graph"_s).toObject();
        QCOMPARE(graph.value(u"waits"_s).toObject().value(u"4"_s).toArray(), (QJsonArray{2, 3}));
        const QString last = PealTest::git(s.repo(), {u"log"_s, u"-1"_s, u"--name-only"_s, u"--format=%s"_s});
        QVERIFY2(last.startsWith(u"peal: task 4"_s), qPrintable(last));
        QVERIFY(last.contains(u"docs.txt"_s) && !last.contains(u"model.txt"_s));
    }

    void aTaskStartsAsSoonAsItsOwnWaitsAreDone()
    {
        // 2 is slow; 4 waits only for 3: it runs (and ends) while 2 is still at work, where
        // waves would hold it until 2 and 3 were both done.
        Scenario s("## Task 1\nT1: a\nwrite a.txt: a\n\n## Task 2 (after 1)\nT2: slow\nwrite b.txt: b\n\n"
                   "## Task 3 (after 1)\nT3: c\nwrite c.txt: c\n\n## Task 4 (after 3)\nT4: d\nwrite d.txt: d\n");
        const auto r = s.run(parallelArgs(), {{u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog()},
                                             {u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"T2: slow=1500"_s}});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        const QStringList calls = s.agentCalls(); // in the order the calls ended
        QVERIFY2(calls.indexOf(u"execute:4"_s) < calls.indexOf(u"plan:2"_s), qPrintable(calls.join(u' ')));
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4}));
    }

    void withoutParallelTheGraphRunsInOrder()
    {
        Scenario s(kDiamond);
        const auto r = s.run({u"--commit-after-phase2"_s, u"--no-review"_s}, {{u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog()}});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"plan:2"_s, u"execute:2"_s, u"plan:3"_s,
                                              u"execute:3"_s, u"plan:4"_s, u"execute:4"_s}));
    }

    void aBrokenGraphStopsBeforeAnythingRuns()
    {
        Scenario s("## Task 1\nT1: a\n\n## Task 3 (after 5)\nT3: b\n\n## Task 5 (after 3)\nT5: c\n");
        const auto r = s.run({u"--no-review"_s}, {{u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog()}});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"error: %1:4: tasks 3 -> 5 -> 3 wait for each other (a cycle)"_s.arg(s.planPath())),
                 PealTest::tail(r.err).constData());
        QVERIFY(s.agentCalls().isEmpty());
        const auto status = PealTest::runPeal({u"status"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(),
                                               u"--state-dir"_s, s.stateDir()});
        QCOMPARE(status.exitCode, 1);
    }

    void dryRunAndStatusShowTheGraph()
    {
        Scenario s(kDiamond);
        const auto dry = s.run(parallelArgs() + QStringList{u"--dry-run"_s});
        QVERIFY2(dry.exitCode == 0, PealTest::tail(dry.err).constData());
        QVERIFY2(dry.out.contains(u"Graph plan: a task starts when every task it waits for is done."_s), qPrintable(dry.out));
        QVERIFY(dry.out.contains(u"task 4 (T4: the docs): waits for 2, 3; "_s));
        QVERIFY2(dry.out.contains(u"Each task starts as soon as the tasks it waits for are done, up to 4 at once, each in "
                                  "its own git worktree"_s),
                 qPrintable(dry.out));
        QVERIFY(dry.out.contains(u"Levels: 1 | 2, 3 | 4"_s));
        QVERIFY(dry.out.contains(u"Critical path (the longest chain of waits): 1 -> 2 -> 4 (3 tasks)"_s));
        const auto shared = s.run({u"--parallel"_s, u"--dry-run"_s, u"--no-review"_s});
        QVERIFY2(shared.out.contains(u"a shared checkout cannot keep one task's edits out of another's commit"_s),
                 qPrintable(shared.out));

        // Task 2 fails: 4 is blocked, 3 goes on (continuing), and status says so.
        const auto r = s.run({u"--continue-with-remaining-tasks"_s, u"--no-review"_s}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T2:"_s}});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(u"warning: task 4 did not run: blocked by task 2, which failed"_s), PealTest::tail(r.err).constData());
        QVERIFY(r.err.contains(u"blocked: task 4"_s));
        QCOMPARE(PealTest::json(s.summaryJson()).value(u"graph"_s).toObject().value(u"blocked"_s).toObject(),
                 (QJsonObject{{u"4"_s, 2}}));
        QCOMPARE(s.completed(), (QList<int>{1, 3}));
        const auto status = PealTest::runPeal({u"status"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(),
                                               u"--state-dir"_s, s.stateDir()});
        QVERIFY2(status.out.contains(u"blocked by task 2, which failed"_s), qPrintable(status.out));
        // --task 4 refuses while 2 is not done.
        const auto only = s.run({u"--task"_s, u"4"_s, u"--no-review"_s});
        QCOMPARE(only.exitCode, 1);
        QVERIFY2(only.err.contains(u"error: task 4 waits for task 2, which is not done"_s), PealTest::tail(only.err).constData());
    }

    void promptGraphDescribesAfter()
    {
        const auto plain = PealTest::runPeal({u"prompt"_s});
        QVERIFY(!plain.out.contains(u"(after"_s));
        const auto graph = PealTest::runPeal({u"prompt"_s, u"--graph"_s});
        QCOMPARE(graph.exitCode, 0);
        QVERIFY(graph.out.contains(u"## Task 4 (after 2, 3)"_s));
    }
};

QTEST_GUILESS_MAIN(tst_Graph)
#include "tst_graph.moc"
