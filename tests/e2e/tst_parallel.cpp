// SPDX-License-Identifier: MIT
// Parallel blocks end to end (spec §4.7-§4.9, reference §13.10 runner 22-23, 35-47): the real
// `peal` binary with the demo agent (which records when each call starts and ends) and the fake
// stet, on temp git repositories; and worktree isolation (docs/parallel.md).
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

using PealTest::json;
using PealTest::ints;
using PealTest::commitAll;

namespace {

// "## Task 1\nT1\n<lines of task 1>\n\n## Task 2 (parallel)\n..." from (index, parallel, body).
struct TaskSpec
{
    int index;
    bool parallel;
    QByteArray body;
};

QByteArray plan(const QList<TaskSpec> &tasks)
{
    QByteArray out;
    for (const TaskSpec &t : tasks) {
        out += "## Task " + QByteArray::number(t.index) + (t.parallel ? " (parallel)" : "") + "\nT"
               + QByteArray::number(t.index) + ": " + t.body + "\n\n";
    }
    return out;
}

QByteArray block(int first, int last, bool sequentialFirst = true)
{
    QList<TaskSpec> tasks;
    if (sequentialFirst)
        tasks.append({1, false, "first"});
    for (int i = first; i <= last; ++i)
        tasks.append({i, true, "work\nwrite file" + QByteArray::number(i) + ".txt: " + QByteArray::number(i)});
    return plan(tasks);
}

// The most agent processes that were alive at the same moment, from the calls' start/end times.
int maxConcurrency(const Scenario &s)
{
    QList<std::pair<qint64, int>> events;
    for (const QByteArray &line : s.agentLogLines()) {
        const QJsonObject o = json(line);
        events.append({o.value(u"start").toInteger(), +1});
        events.append({o.value(u"end").toInteger(), -1});
    }
    std::sort(events.begin(), events.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first < b.first : a.second < b.second; // ends first on ties
    });
    int alive = 0;
    int most = 0;
    for (const auto &e : events) {
        alive += e.second;
        most = std::max(most, alive);
    }
    return most;
}

// The task indices of the stderr lines that start with `message` and carry task_index=N.
QList<int> taskOrder(const QString &err, const QString &message)
{
    QList<int> out;
    const QRegularExpression re(QRegularExpression::escape(message) + u".* task_index=(\\d+)"_s);
    for (const QString &line : err.split(u'\n')) {
        const auto m = re.match(line);
        if (m.hasMatch())
            out.append(m.captured(1).toInt());
    }
    return out;
}

qsizetype lineOf(const QString &err, const QString &needle, bool last)
{
    const QStringList lines = err.split(u'\n');
    qsizetype found = -1;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines[i].contains(needle)) {
            found = i;
            if (!last)
                break;
        }
    }
    return found;
}

QStringList args(const QStringList &extra)
{
    return QStringList{u"--stet-path"_s, u"/nonexistent/stet"_s} + extra;
}

QList<int> intList(const QString &debugList)
{
    QList<int> out;
    for (const QString &item : debugList.split(u',', Qt::SkipEmptyParts))
        out.append(item.trimmed().toInt());
    return out;
}

// The "parallel block progress" lines of stderr, in order.
struct Progress
{
    QList<int> running, done, failed, queued;
};

QList<Progress> progressLines(const QString &err)
{
    const QRegularExpression re(u"parallel block progress running=\"?\\[([\\d, ]*)\\]\"? done=\"?\\[([\\d, ]*)\\]\"? "
                                "failed=\"?\\[([\\d, ]*)\\]\"? queued=\"?\\[([\\d, ]*)\\]"_s);
    QList<Progress> out;
    for (const QString &line : err.split(u'\n')) {
        const auto m = re.match(line);
        if (m.hasMatch())
            out.append({intList(m.captured(1)), intList(m.captured(2)), intList(m.captured(3)), intList(m.captured(4))});
    }
    return out;
}

// The workspace an agent call was given (--workspace) and the directory it ran in.
std::pair<QString, QString> workspaceAndCwd(const QJsonObject &call)
{
    const QJsonArray argv = call.value(u"argv").toArray();
    const QString workspace = argv.at(argv.toVariantList().indexOf(u"--workspace"_s) + 1).toString();
    return {workspace, QDir(call.value(u"cwd").toString()).canonicalPath()};
}

} // namespace

class tst_Parallel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- the concurrent path ----

    void atMostMaxParallelAgentsAtOnce_data()
    {
        QTest::addColumn<QString>("maxParallel");
        QTest::addColumn<int>("limit");
        QTest::newRow("max 2") << u"2"_s << 2;
        QTest::newRow("max 3") << u"3"_s << 3;
    }

    void atMostMaxParallelAgentsAtOnce()
    {
        QFETCH(QString, maxParallel);
        QFETCH(int, limit);
        Scenario s(block(2, 7));
        QVERIFY(s.isValid());
        const auto r = s.run(args({u"--max-parallel"_s, maxParallel}), {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"150"_s}});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains(u"parallel block: running concurrently"));
        QCOMPARE(s.agentCalls().size(), 14);
        const int most = maxConcurrency(s);
        QVERIFY2(most <= limit, qPrintable(QString::number(most)));
        QVERIFY2(most >= 2, qPrintable(QString::number(most))); // it did run concurrently
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4, 5, 6, 7}));
        // Each task's phase 2 follows its own phase 1.
        const QStringList calls = s.agentCalls();
        for (int i = 2; i <= 7; ++i)
            QVERIFY(calls.indexOf(u"plan:%1"_s.arg(i)) < calls.indexOf(u"execute:%1"_s.arg(i)));
        QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_completed")), (QList<int>{1, 2, 3, 4, 5, 6, 7}));
    }

    void phase3RunsAfterTheWholeBlockInPlanOrder()
    {
        Scenario s(block(2, 4));
        const auto r = s.run({u"--stet-path"_s, PealTest::demoStet(), u"--max-parallel"_s, u"3"_s},
                             {{u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"T2:=300"_s}});
        QCOMPARE(r.exitCode, 0);
        const qsizetype lastPhase2 = lineOf(r.err, u"phase 2 complete"_s, true);
        const qsizetype firstReview = lineOf(r.err, u"phase 3: running stet review task_index=2"_s, false);
        QVERIFY(lastPhase2 >= 0 && firstReview > lastPhase2);
        QCOMPARE(taskOrder(r.err, u"phase 3 complete"_s), (QList<int>{1, 2, 3, 4}));
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s, u"run --output=json"_s, u"run --output=json"_s,
                                             u"run --output=json"_s, u"run --output=json"_s, u"finish"_s}));
        // Task 2 was slowest, so it finished phase 2 last - and still had phase 3 first.
        QCOMPARE(taskOrder(r.err, u"phase 2 complete"_s).last(), 2);
    }

    void oneCommitForTheBlock()
    {
        Scenario s(block(2, 4));
        const auto r = s.run(args({u"--max-parallel"_s, u"4"_s, u"--commit-after-phase2"_s}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.commits().mid(0, 2), (QStringList{u"peal: task 2 - tasks 2, 3, 4"_s, u"peal: task 1 - Plan: T1: first"_s}));
        for (int i = 2; i <= 4; ++i)
            QVERIFY(QFile::exists(s.repo() + u"/file%1.txt"_s.arg(i)));
    }

    void mixedPlanOnTheConcurrentPath()
    {
        // Reference scheduled_mixed_plan_runs_all_tasks: Seq1, Par[2,3], Seq4.
        Scenario s(plan({{1, false, "one"}, {2, true, "two\nwrite two.txt: 2"}, {3, true, "three\nwrite three.txt: 3"},
                         {4, false, "four"}}));
        const auto r = s.run(args({u"--max-parallel"_s, u"2"_s}), {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"50"_s}});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains(u"parallel block: running concurrently block_size=2 pending_count=2"));
        const QStringList calls = s.agentCalls();
        QCOMPARE(calls.size(), 8);
        QCOMPARE(calls.mid(0, 2), (QStringList{u"plan:1"_s, u"execute:1"_s}));
        QStringList blockCalls = calls.mid(2, 4);
        std::sort(blockCalls.begin(), blockCalls.end());
        QCOMPARE(blockCalls, (QStringList{u"execute:2"_s, u"execute:3"_s, u"plan:2"_s, u"plan:3"_s}));
        QCOMPARE(calls.mid(6), (QStringList{u"plan:4"_s, u"execute:4"_s}));
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4}));
        QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_completed")), (QList<int>{1, 2, 3, 4}));
        QVERIFY(QFile::exists(s.repo() + u"/two.txt"_s) && QFile::exists(s.repo() + u"/three.txt"_s));
    }

    void duplicatedIndexRunsOnce()
    {
        // Par[2,2] is one task: the fallback runs it once (docs/decisions.md #14).
        Scenario s(plan({{1, false, "one"}, {2, true, "two"}, {2, true, "again"}}));
        const auto r = s.run(args({u"--max-parallel"_s, u"4"_s}));
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains(u"parallel block (sequential fallback)"));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"plan:2"_s, u"execute:2"_s}));
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
    }

    void progressLineShowsRunningDoneAndFailedTasks()
    {
        // 2 and 3 start; 3 fails at once and 4 takes its slot while 2 is still working.
        Scenario s(block(2, 4));
        const auto r = s.run(args({u"--max-parallel"_s, u"2"_s, u"--continue-with-remaining-tasks"_s}),
                             {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T3:"_s}, {u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"T2:=500"_s}});
        QCOMPARE(r.exitCode, 2);
        const QList<Progress> lines = progressLines(r.err);
        QVERIFY2(lines.size() >= 3, PealTest::tail(r.err).constData());
        QCOMPARE(lines.first().running, (QList<int>{2, 3}));
        QCOMPARE(lines.first().queued, (QList<int>{4}));
        // Every task is shown running (also the one that refilled a slot), then done or failed.
        for (int task : {2, 3, 4}) {
            qsizetype ran = -1;
            qsizetype ended = -1;
            for (qsizetype i = 0; i < lines.size(); ++i) {
                if (ran < 0 && lines[i].running.contains(task))
                    ran = i;
                if (ended < 0 && (lines[i].done.contains(task) || lines[i].failed.contains(task)))
                    ended = i;
            }
            QVERIFY2(ran >= 0 && ended > ran, qPrintable(u"task %1\n"_s.arg(task) + r.err));
        }
        QCOMPARE(lines.last().running, QList<int>());
        QCOMPARE(lines.last().done, (QList<int>{2, 4}));
        QCOMPARE(lines.last().failed, (QList<int>{3}));
        QCOMPARE(lines.last().queued, QList<int>());
    }

    void sequentialFallback_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QByteArray>("planText");
        QTest::newRow("max_parallel 1") << QStringList{u"--max-parallel"_s, u"1"_s} << block(2, 4);
        QTest::newRow("parallel off") << QStringList() << block(2, 4);
        QTest::newRow("max_parallel 0 turns parallel off") << QStringList{u"--max-parallel"_s, u"0"_s, u"--parallel"_s}
                                                          << block(2, 4);
    }

    void sequentialFallback()
    {
        QFETCH(QStringList, extra);
        QFETCH(QByteArray, planText);
        Scenario s(planText);
        const auto r = s.run(args(extra), {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"30"_s}});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains(u"parallel block (sequential fallback)"));
        QVERIFY(!r.err.contains(u"running concurrently"));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"plan:2"_s, u"execute:2"_s, u"plan:3"_s,
                                              u"execute:3"_s, u"plan:4"_s, u"execute:4"_s}));
        QCOMPARE(maxConcurrency(s), 1);
    }

    void singleParallelTaskIsSequential()
    {
        Scenario s(plan({{1, false, "a"}, {2, true, "b"}, {3, false, "c"}}));
        const auto r = s.run(args({u"--max-parallel"_s, u"4"_s}));
        QCOMPARE(r.exitCode, 0);
        QVERIFY(!r.err.contains(u"parallel block"));
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3}));
    }

    // ---- failures, continue, the cap ----

    void failureStopsNewTasksOfTheBlock()
    {
        Scenario s(block(2, 5));
        // 2 and 3 start together; 3 fails at once, 2 is still working: 4 and 5 never start.
        const auto r = s.run(args({u"--max-parallel"_s, u"2"_s}),
                             {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T3:"_s}, {u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"T2:=400"_s}});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"error: task 3, phase 1 (plan): agent exited with code 1"), PealTest::tail(r.err).constData());
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"plan:3"_s, u"plan:2"_s, u"execute:2"_s}));
        // The running task finished and is kept; the failed one and those never started are not.
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        QVERIFY(s.summaryJson().isEmpty());
    }

    void continueRunsTheRestAndExitsTwo()
    {
        Scenario s(block(2, 5));
        const auto r = s.run(args({u"--max-parallel"_s, u"2"_s, u"--continue-with-remaining-tasks"_s}),
                             {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T3:"_s}});
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(s.completed(), (QList<int>{1, 2, 4, 5}));
        const QJsonObject summary = json(s.summaryJson());
        QCOMPARE(ints(summary.value(u"tasks_failed")), (QList<int>{3}));
        QCOMPARE(ints(summary.value(u"tasks_completed")), (QList<int>{1, 2, 4, 5}));
        QVERIFY2(r.err.contains(u"warning: task 3, phase 1 (plan): agent exited with code 1 (stderr: peal-demo-agent: "
                                "failing as asked (plan mode)); continuing with the remaining tasks\n"),
                 PealTest::tail(r.err).constData());
    }

    void wholeBlockFailsWithContinue()
    {
        // Reference continue_with_remaining_tasks_true_returns_ok: task 1 kept, 2 and 3 not.
        Scenario s(plan({{1, false, "first"}, {2, true, "FAILME"}, {3, true, "FAILME"}}));
        const auto r = s.run(args({u"--max-parallel"_s, u"2"_s, u"--continue-with-remaining-tasks"_s}),
                             {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"FAILME"_s}});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains(u"parallel block: running concurrently"));
        QVERIFY(!r.err.contains(u"error:"));
        QCOMPARE(s.completed(), (QList<int>{1}));
        const QJsonObject summary = json(s.summaryJson());
        QCOMPARE(ints(summary.value(u"tasks_failed")), (QList<int>{2, 3}));
        QCOMPARE(ints(summary.value(u"tasks_completed")), (QList<int>{1}));
    }

    void consecutiveFailuresCountInSegmentOrder_data()
    {
        QTest::addColumn<QString>("cap");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QList<int>>("completed");
        // Block 2..5 with 3 and 4 failing: 2 resets, 3 -> 1, 4 -> 2, 5 resets.
        QTest::newRow("cap 2 reached inside the block") << u"2"_s << 3 << QList<int>{1, 2, 5};
        QTest::newRow("cap 3 not reached") << u"3"_s << 2 << QList<int>{1, 2, 5};
        QTest::newRow("cap 1: the first failure stops") << u"1"_s << 3 << QList<int>{1, 2, 5};
    }

    void consecutiveFailuresCountInSegmentOrder()
    {
        QFETCH(QString, cap);
        QFETCH(int, exitCode);
        QFETCH(QList<int>, completed);
        Scenario s(plan({{1, false, "first"}, {2, true, "ok"}, {3, true, "FAILME"}, {4, true, "FAILME"}, {5, true, "ok"}}));
        const auto r = s.run(args({u"--max-parallel"_s, u"4"_s, u"--continue-with-remaining-tasks"_s,
                                   u"--max-consecutive-task-failures"_s, cap}),
                             {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"FAILME"_s}});
        QCOMPARE(r.exitCode, exitCode);
        QCOMPARE(s.completed(), completed);
        if (exitCode == 3) {
            QVERIFY(r.err.contains(u"error: Run stopped: %1 consecutive task failure(s) reached cap %1."_s.arg(cap)));
            QVERIFY(s.summaryJson().isEmpty());
        } else {
            QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_failed")), (QList<int>{3, 4}));
        }
    }

    void capWithoutContinueStillExitsThree()
    {
        Scenario s(block(2, 4));
        const auto r = s.run(args({u"--max-parallel"_s, u"4"_s, u"--max-consecutive-task-failures"_s, u"1"_s}),
                             {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T3:"_s}});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.err.contains(u"error: Run stopped: 1 consecutive task failure(s) reached cap 1."));
        QCOMPARE(s.completed(), (QList<int>{1, 2, 4}));
    }

    // ---- resume ----

    void resumeIntoAHalfDoneBlock()
    {
        Scenario s(block(2, 4));
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s,
                                    QStringLiteral("{\"plan_path\": \"%1\", \"repo_path\": \"%2\", "
                                                   "\"completed_task_indices\": [1, 2]}")
                                        .arg(s.planPath(), s.repo())
                                        .toUtf8()));
        const auto r = s.run(args({u"--max-parallel"_s, u"4"_s, u"--commit-after-phase2"_s}));
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains(u"pending_count=2"));
        QStringList calls = s.agentCalls();
        std::sort(calls.begin(), calls.end());
        QCOMPARE(calls, (QStringList{u"execute:3"_s, u"execute:4"_s, u"plan:3"_s, u"plan:4"_s}));
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4}));
        QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_completed")), (QList<int>{3, 4}));
        // The block's commit names the tasks whose changes it holds, not task 2 (done earlier).
        QCOMPARE(s.commits().value(0), u"peal: task 3 - tasks 3, 4"_s);
    }

    void blockCommitNamesOnlyTheTasksWhoseChangesItHolds_data()
    {
        QTest::addColumn<QString>("failWhere");
        QTest::addColumn<QString>("message");
        // Task 3 fails in its plan: it changed nothing, the commit does not name it.
        QTest::newRow("failed in plan") << u"plan"_s << u"peal: task 2 - tasks 2, 4"_s;
        // Task 3 fails half-way through execute in the shared checkout: its edit is committed.
        QTest::newRow("failed in execute") << u"execute"_s << u"peal: task 2 - tasks 2, 4 (and what failed task 3 left)"_s;
    }
    void blockCommitNamesOnlyTheTasksWhoseChangesItHolds()
    {
        QFETCH(QString, failWhere);
        QFETCH(QString, message);
        Scenario s(block(2, 4));
        const QHash<QString, QString> env = failWhere == u"plan"
            ? QHash<QString, QString>{{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T3:"_s}}
            : QHash<QString, QString>{{u"PEAL_FAKE_AGENT_SET_LINE_ON"_s, u"T3:=../outside:1:x"_s}};
        const auto r = s.run(args({u"--max-parallel"_s, u"4"_s, u"--commit-after-phase2"_s,
                                   u"--continue-with-remaining-tasks"_s}), env);
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(s.commits().value(0), message);
        const QString committed = PealTest::git(s.repo(), {u"show"_s, u"--name-only"_s, u"--format="_s, u"HEAD"_s});
        QVERIFY(committed.contains(u"file2.txt"));
        QVERIFY(committed.contains(u"file4.txt"));
        QCOMPARE(committed.contains(u"file3.txt"), failWhere == u"execute");
    }

    void resumeWithOnePendingFallsBack()
    {
        Scenario s(block(2, 4));
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s,
                                    QStringLiteral("{\"plan_path\": \"%1\", \"repo_path\": \"%2\", "
                                                   "\"completed_task_indices\": [1, 2, 4]}")
                                        .arg(s.planPath(), s.repo())
                                        .toUtf8()));
        const auto r = s.run(args({u"--max-parallel"_s, u"4"_s}));
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains(u"parallel block (sequential fallback)"));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:3"_s, u"execute:3"_s}));
    }

    // ---- phase 3 failures inside a block ----

    void phase3FailureInABlock_data()
    {
        QTest::addColumn<bool>("keepGoing");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("without continue") << false << 1;
        QTest::newRow("with continue: phase 3 stops for the block") << true << 2;
    }

    void phase3FailureInABlock()
    {
        QFETCH(bool, keepGoing);
        QFETCH(int, exitCode);
        Scenario s(block(2, 4, false));
        QStringList extra{u"--stet-path"_s, PealTest::demoStet(), u"--max-parallel"_s, u"3"_s,
                          u"--phase-timeout-sec"_s, u"1"_s};
        if (keepGoing)
            extra << u"--continue-with-remaining-tasks"_s;
        // The first review (task 2's) hangs and times out.
        const auto r = s.run(extra, {{u"PEAL_FAKE_STET_HANG"_s, u"run:1"_s}});
        QCOMPARE(r.exitCode, exitCode);
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s, u"run --output=json"_s, u"finish"_s}));
        // Every task of the block was marked after phase 2, before phase 3 (as the reference).
        QCOMPARE(s.completed(), (QList<int>{2, 3, 4}));
        if (keepGoing) {
            const QJsonObject summary = json(s.summaryJson());
            QCOMPARE(ints(summary.value(u"tasks_failed")), (QList<int>{2}));
            QVERIFY(ints(summary.value(u"tasks_completed")).isEmpty());
            QVERIFY2(r.err.contains(u"warning: task 2, phase 3 (address): stet run failed: timed out; no more phase 3 "
                                    "in this parallel block, continuing with the remaining segments\n"),
                     PealTest::tail(r.err).constData());
        } else {
            QVERIFY2(r.err.contains(u"error: task 2, phase 3 (address): stet run failed: timed out"), PealTest::tail(r.err).constData());
        }
    }

    // ---- isolation = "worktree" ----

    void isolatedTasksWorkInTheirOwnWorktrees()
    {
        Scenario s(block(2, 5));
        const auto r = s.run(args({u"--max-parallel"_s, u"4"_s, u"--isolation"_s, u"worktree"_s,
                                   u"--commit-after-phase2"_s}),
                             {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"100"_s}});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        for (const QByteArray &line : s.agentLogLines()) {
            const QJsonObject call = json(line);
            const QJsonArray argv = call.value(u"argv").toArray();
            const QString workspace = argv.at(argv.toVariantList().indexOf(u"--workspace"_s) + 1).toString();
            const QString prompt = argv.last().toString();
            if (prompt.contains(u"T1:"))
                QCOMPARE(workspace, s.repo());
            for (int i = 2; i <= 5; ++i) {
                if (!prompt.contains(u"T%1:"_s.arg(i)))
                    continue;
                const QString worktree = QDir(s.stateDir()).absoluteFilePath(u"worktrees/task-%1"_s.arg(i));
                QCOMPARE(workspace, worktree);
                QCOMPARE(QDir(call.value(u"cwd").toString()).canonicalPath(), QDir(worktree).canonicalPath());
            }
        }
        // Four agents edited the repository at once; every task's work landed, in one commit.
        for (int i = 2; i <= 5; ++i)
            QCOMPARE(PealTest::readFile(s.repo() + u"/file%1.txt"_s.arg(i)), QByteArray::number(i) + '\n');
        QCOMPARE(s.commits().value(0), u"peal: task 2 - tasks 2, 3, 4, 5"_s);
        QVERIFY(PealTest::git(s.repo(), {u"status"_s, u"--porcelain"_s}).trimmed().isEmpty());
        // Worktrees and their branches are gone.
        QCOMPARE(PealTest::git(s.repo(), {u"worktree"_s, u"list"_s}).trimmed().count(u'\n'), 0);
        QVERIFY(PealTest::git(s.repo(), {u"branch"_s, u"--list"_s, u"peal/*"_s}).trimmed().isEmpty());
        QVERIFY(!QDir(s.stateDir() + u"/worktrees"_s).exists());
    }

    void isolatedTasksWorkWhereRepoPathIsInTheirWorktree_data()
    {
        QTest::addColumn<bool>("tracked");
        QTest::newRow("a directory with tracked files") << true;
        QTest::newRow("an empty directory") << false;
    }

    void isolatedTasksWorkWhereRepoPathIsInTheirWorktree()
    {
        QFETCH(bool, tracked);
        Scenario s(block(2, 3));
        const QString sub = s.repo() + u"/pkg/sub"_s;
        QVERIFY(QDir().mkpath(sub));
        if (tracked) {
            QVERIFY(PealTest::writeFile(sub + u"/keep.txt"_s, "keep\n"));
            QVERIFY(commitAll(s.repo(), u"sub"_s));
        }
        const auto r = s.runRaw({u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, sub, u"--state-dir"_s, s.stateDir(),
                                 u"--agent-cmd"_s, PealTest::demoAgent(), u"--stet-path"_s, u"/nonexistent"_s,
                                 u"--max-parallel"_s, u"2"_s, u"--isolation"_s, u"worktree"_s});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        int isolated = 0;
        for (const QByteArray &line : s.agentLogLines()) {
            const QJsonObject call = json(line);
            const auto [workspace, cwd] = workspaceAndCwd(call);
            const QString prompt = call.value(u"argv").toArray().last().toString();
            for (int i = 2; i <= 3; ++i) {
                if (!prompt.contains(u"T%1:"_s.arg(i)))
                    continue;
                const QString expected = QDir(s.stateDir()).absoluteFilePath(u"worktrees/task-%1/pkg/sub"_s.arg(i));
                QCOMPARE(workspace, expected);
                QCOMPARE(cwd, QDir(expected).canonicalPath());
                ++isolated;
            }
        }
        QCOMPARE(isolated, 4);
        // The tasks' files land in repo_path, not at the top of the repository.
        for (int i = 2; i <= 3; ++i) {
            QCOMPARE(PealTest::readFile(sub + u"/file%1.txt"_s.arg(i)), QByteArray::number(i) + '\n');
            QVERIFY(!QFile::exists(s.repo() + u"/file%1.txt"_s.arg(i)));
        }
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3}));
    }

    void worktreesAreAddedAsTheirTasksStart()
    {
        // With two slots, task 4's worktree comes only after a task of the block has ended.
        Scenario s(block(2, 4));
        const auto r = s.run(args({u"--max-parallel"_s, u"2"_s, u"--isolation"_s, u"worktree"_s}));
        QCOMPARE(r.exitCode, 0);
        const qsizetype ready4 = lineOf(r.err, u"task worktree ready task_index=4"_s, false);
        const qsizetype firstEnd = std::min(lineOf(r.err, u"phase 2 complete task_index=2"_s, false),
                                            lineOf(r.err, u"phase 2 complete task_index=3"_s, false));
        QVERIFY2(firstEnd >= 0 && ready4 > firstEnd, PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4}));
    }

    void tasksThatNeverStartGetNoWorktree()
    {
        Scenario s(block(2, 5));
        const auto r = s.run(args({u"--max-parallel"_s, u"2"_s, u"--isolation"_s, u"worktree"_s}),
                             {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T3:"_s}, {u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"T2:=400"_s}});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains(u"task worktree ready task_index=2"));
        QVERIFY(r.err.contains(u"task worktree ready task_index=3"));
        QVERIFY(!r.err.contains(u"task worktree ready task_index=4"));
        QVERIFY(!r.err.contains(u"task worktree ready task_index=5"));
        // Task 3's partial work is discarded with its worktree; task 2's landed.
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        QVERIFY(QFile::exists(s.repo() + u"/file2.txt"_s));
        QCOMPARE(PealTest::git(s.repo(), {u"worktree"_s, u"list"_s}).trimmed().count(u'\n'), 0);
        QVERIFY(PealTest::git(s.repo(), {u"branch"_s, u"--list"_s, u"peal/*"_s}).trimmed().isEmpty());
    }

    void fourIsolatedAgentsEditOneFile()
    {
        // Four agents at once, each replacing its own line of shared.txt: all four edits land.
        QList<TaskSpec> tasks;
        for (int i = 2; i <= 5; ++i)
            tasks.append({i, true, "edit shared\nwrite own" + QByteArray::number(i) + ".txt: " + QByteArray::number(i)});
        Scenario s(plan(tasks));
        QByteArray shared;
        for (int line = 1; line <= 12; ++line)
            shared += "line " + QByteArray::number(line) + '\n';
        QVERIFY(PealTest::writeFile(s.repo() + u"/shared.txt"_s, shared));
        QVERIFY(commitAll(s.repo(), u"shared"_s));
        const auto r = s.run(args({u"--max-parallel"_s, u"4"_s, u"--isolation"_s, u"worktree"_s,
                                   u"--commit-after-phase2"_s}),
                             {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"800"_s},
                              {u"PEAL_FAKE_AGENT_SET_LINE_ON"_s,
                               u"T2:=shared.txt:2:by two,T3:=shared.txt:5:by three,T4:=shared.txt:8:by four,"
                               "T5:=shared.txt:11:by five"_s}});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(maxConcurrency(s), 4);
        QByteArray expected;
        const QHash<int, QByteArray> edits{{2, "by two"}, {5, "by three"}, {8, "by four"}, {11, "by five"}};
        for (int line = 1; line <= 12; ++line)
            expected += edits.value(line, "line " + QByteArray::number(line)) + '\n';
        QCOMPARE(PealTest::readFile(s.repo() + u"/shared.txt"_s), expected);
        for (int i = 2; i <= 5; ++i)
            QVERIFY(QFile::exists(s.repo() + u"/own%1.txt"_s.arg(i)));
        QCOMPARE(s.commits().value(0), u"peal: task 2 - tasks 2, 3, 4, 5"_s);
        QCOMPARE(s.completed(), (QList<int>{2, 3, 4, 5}));
        QVERIFY(PealTest::git(s.repo(), {u"status"_s, u"--porcelain"_s}).trimmed().isEmpty());
    }

    void processTraceLinesNameTheirTask()
    {
        Scenario s(block(2, 3));
        const auto r = s.run(args({u"--max-parallel"_s, u"2"_s, u"--isolation"_s, u"worktree"_s}),
                             {{u"PEAL_LOG"_s, u"info,peal::exec=trace"_s}});
        QCOMPARE(r.exitCode, 0);
        for (int task : {2, 3}) {
            const QString n = QString::number(task);
            QVERIFY2(r.err.contains(u"starting process task_index="_s + n + u" label=\"git (worktrees)\""_s),
                     PealTest::tail(r.err).constData());
            QVERIFY(r.err.contains(u"process ended task_index="_s + n + u" label=\"git (worktrees)\""_s));
            QVERIFY(r.err.contains(QRegularExpression(u"starting process task_index="_s + n + u" label=\\S*"
                                                      "[^\n]*peal-demo-agent"_s)));
        }
        // Processes of no task (the block's snapshot) carry none.
        QVERIFY(r.err.contains(QRegularExpression(u"starting process label=\"git \\(worktrees\\)\""_s)));
    }

    void isolatedTasksSeeUncommittedEarlierWork()
    {
        Scenario s(plan({{1, false, "one\nwrite one.txt: one"},
                         {2, true, "two\nappend one.txt: from two"},
                         {3, true, "three\nwrite three.txt: three"}}));
        const auto r = s.run(args({u"--max-parallel"_s, u"2"_s, u"--isolation"_s, u"worktree"_s}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(PealTest::readFile(s.repo() + u"/one.txt"_s), QByteArray("one\nfrom two\n"));
        QCOMPARE(PealTest::readFile(s.repo() + u"/three.txt"_s), QByteArray("three\n"));
        QCOMPARE(s.commits(), (QStringList{u"initial"_s})); // nothing committed without commit_after_phase2
    }

    void conflictingTasksFailWithACleanCheckout_data()
    {
        QTest::addColumn<bool>("keepGoing");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("stop") << false << 1;
        QTest::newRow("continue") << true << 2;
    }

    void conflictingTasksFailWithACleanCheckout()
    {
        QFETCH(bool, keepGoing);
        QFETCH(int, exitCode);
        Scenario s(plan({{2, true, "two\nwrite same.txt: from two\nwrite two.txt: 2"},
                         {3, true, "three\nwrite same.txt: from three"},
                         {4, true, "four\nwrite four.txt: 4"}}));
        QStringList extra{u"--max-parallel"_s, u"3"_s, u"--isolation"_s, u"worktree"_s, u"--commit-after-phase2"_s};
        if (keepGoing)
            extra << u"--continue-with-remaining-tasks"_s;
        const auto r = s.run(args(extra));
        QCOMPARE(r.exitCode, exitCode);
        const QRegularExpression message(
            u"task 3: its changes conflict with earlier tasks of the parallel block in same.txt; its work is "
            "kept on branch (peal/conflict-task-3-[0-9a-f]{7})"_s);
        const auto m = message.match(r.err);
        QVERIFY2(m.hasMatch(), PealTest::tail(r.err).constData());
        // The checkout has tasks 2 and 4, committed, and nothing half-merged.
        QCOMPARE(PealTest::readFile(s.repo() + u"/same.txt"_s), QByteArray("from two\n"));
        QVERIFY(QFile::exists(s.repo() + u"/four.txt"_s));
        QVERIFY(PealTest::git(s.repo(), {u"status"_s, u"--porcelain"_s}).trimmed().isEmpty());
        // The commit holds the changes of tasks 2 and 4 only, and says so.
        QCOMPARE(s.commits().value(0), u"peal: task 2 - tasks 2, 4"_s);
        QCOMPARE(s.completed(), (QList<int>{2, 4}));
        // Task 3's work is on the kept branch.
        QCOMPARE(PealTest::git(s.repo(), {u"show"_s, m.captured(1) + u":same.txt"_s}), u"from three\n"_s);
        QCOMPARE(PealTest::git(s.repo(), {u"worktree"_s, u"list"_s}).trimmed().count(u'\n'), 0);
        if (keepGoing)
            QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_failed")), (QList<int>{3}));
    }

    void crashMidBlockThenResume()
    {
        Scenario s(block(2, 5));
        QProcess peal;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog());
        env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"Execute the following=20000"_s);
        peal.setProcessEnvironment(env);
        peal.setWorkingDirectory(s.dir());
        peal.setStandardInputFile(QProcess::nullDevice());
        const QStringList runArgs{u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                  s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent(), u"--stet-path"_s,
                                  u"/nonexistent"_s, u"--max-parallel"_s, u"2"_s, u"--isolation"_s, u"worktree"_s,
                                  u"--commit-after-phase2"_s};
        peal.start(PealTest::pealBinary(), runArgs);
        QVERIFY(peal.waitForStarted());
        // Task 1 done, the block's worktrees exist and two execute calls are running.
        QTRY_VERIFY_WITH_TIMEOUT(s.agentLogLines().size() >= 4, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(QDir(s.stateDir() + u"/worktrees/task-3"_s).exists(), 10000);
        ::kill(pid_t(peal.processId()), SIGKILL);
        QVERIFY(peal.waitForFinished(10000));
        QCOMPARE(s.completed(), (QList<int>{1}));
        QVERIFY(PealTest::git(s.repo(), {u"worktree"_s, u"list"_s}).contains(u"task-2"_s));
        // As if peal had died between removing task 3's worktree and its branch; and a branch of
        // the user's that looks like peal's.
        PealTest::git(s.repo(), {u"worktree"_s, u"remove"_s, u"--force"_s, s.stateDir() + u"/worktrees/task-3"_s});
        QVERIFY(!PealTest::git(s.repo(), {u"branch"_s, u"--list"_s, u"peal/task-3"_s}).trimmed().isEmpty());
        PealTest::git(s.repo(), {u"branch"_s, u"peal/task-7"_s});

        // Resume: the stale worktrees and branches are removed, the block runs again and lands.
        const auto r = s.run(args({u"--max-parallel"_s, u"2"_s, u"--isolation"_s, u"worktree"_s,
                                   u"--commit-after-phase2"_s}));
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY(r.err.contains(u"removing a stale worktree"));
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4, 5}));
        for (int i = 2; i <= 5; ++i)
            QVERIFY(QFile::exists(s.repo() + u"/file%1.txt"_s.arg(i)));
        QCOMPARE(PealTest::git(s.repo(), {u"worktree"_s, u"list"_s}).trimmed().count(u'\n'), 0);
        QCOMPARE(PealTest::git(s.repo(), {u"branch"_s, u"--list"_s, u"--format=%(refname:short)"_s, u"peal/*"_s}).trimmed(),
                 u"peal/task-7"_s);
        QVERIFY(PealTest::git(s.repo(), {u"status"_s, u"--porcelain"_s}).trimmed().isEmpty());
    }

    void isolationValueIsValidated()
    {
        Scenario s;
        const auto r = s.run({u"--isolation"_s, u"container"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains(u"error: Invalid isolation value 'container' (expected \"none\" or \"worktree\") (set by --isolation)"));
    }
};

QTEST_GUILESS_MAIN(tst_Parallel)
#include "tst_parallel.moc"
