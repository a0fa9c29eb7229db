// SPDX-License-Identifier: MIT
// Long unattended runs (docs/unattended.md): rate limits waited out and the same phase run
// again, stalled agents killed by the watchdog and retried, budgets that stop the run with
// exit 3 and hold on resume until raised, and notify commands with their JSON. With the fake
// agent and a stand-in for Claude Code that reports costs (the real CLIs:
// tst_realcliunattended). Times are seconds, never more than needed.
#include "realcli.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTest>

#include <csignal>
#include <sys/types.h>

using namespace Qt::StringLiterals;
using PealTest::ModelServer;
using PealTest::Scenario;

namespace {

const QByteArray kOneTask = "## Task 1\nT1: do it.\n@write a.txt from task 1\n";
const QByteArray kThreeTasks = "## Task 1\nT1: first.\n\n## Task 2\nT2: second.\n\n## Task 3\nT3: third.\n";

// The fake agent failing its first `n` calls with `stderrText`, as a CLI without structured
// errors does.
QHash<QString, QString> failingFirst(const Scenario &s, int n, const QString &stderrText)
{
    return {{u"PEAL_FAKE_AGENT_FAIL_FIRST"_s, QString::number(n)},
            {u"PEAL_FAKE_AGENT_COUNTER"_s, s.path(u"counter"_s)},
            {u"PEAL_FAKE_AGENT_STDERR"_s, stderrText}};
}

int linesIn(const QString &path)
{
    return int(PealTest::readFile(path).count('\n'));
}

// The JSON objects a notify command (`tee -a <file>`) received, one per line.
QList<QJsonObject> notifications(const QString &path)
{
    QList<QJsonObject> out;
    for (const QByteArray &line : PealTest::readFile(path).split('\n')) {
        if (!line.trimmed().isEmpty())
            out << PealTest::json(line);
    }
    return out;
}

QStringList eventsOf(const QList<QJsonObject> &sent)
{
    QStringList events;
    for (const QJsonObject &o : sent)
        events << o.value(u"event"_s).toString();
    return events;
}

} // namespace

class tst_Unattended : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- rate limits ----

    void aRateLimitWithAResetTimeIsWaitedOutAndThePhaseRunsAgain()
    {
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s},
                             failingFirst(s, 1, u"Error: 429 Too Many Requests. Please try again in 1s."_s));
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        // The plan call ran twice; with no phase retries configured, a counted retry would
        // have failed the task.
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"plan:1"_s, u"execute:1"_s}));
        QVERIFY2(r.err.contains(u"waiting for rate limit (cursor), resumes "_s), PealTest::tail(r.err).constData());
        QVERIFY2(r.err.contains(u"reset_reported=true"_s), PealTest::tail(r.err).constData());
        QVERIFY(!r.err.contains(u"retrying"_s));
        QCOMPARE(s.completed(), QList<int>{1});
        const QJsonObject usage = PealTest::json(s.summaryJson()).value(u"usage"_s).toObject();
        QCOMPARE(usage.value(u"failures"_s).toObject().value(u"rate_limit"_s).toInt(), 1);
        QVERIFY(!QFile::exists(s.stateDir() + u"/waiting.json"_s)); // gone once the wait ended
    }

    void anOverloadInAParallelBlockHoldsEveryStreamOnce()
    {
        // Three streams start together and the provider is overloaded for all three: that is
        // one limit (one notification, one backoff step of 3 s rather than 3, 6 and 12 s), and
        // every stream runs its plan call again once it passes.
        Scenario s("## Task 1 (parallel)\nT1: a.\n\n## Task 2 (parallel)\nT2: b.\n\n## Task 3 (parallel)\nT3: c.\n");
        QVERIFY(s.isValid());
        const QString sent = s.path(u"notified.jsonl"_s);
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--max-parallel"_s, u"3"_s, u"--rate-limit-backoff-sec"_s,
                              u"3"_s, u"--notify-commands"_s, u"tee -a "_s + sent, u"--notify-on"_s, u"rate_limit_wait"_s},
                             failingFirst(s, 3, u"HTTP 503 Service Unavailable"_s));
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3}));
        const QStringList calls = s.agentCalls();
        QCOMPARE(calls.count(u"plan:1"_s) + calls.count(u"plan:2"_s) + calls.count(u"plan:3"_s), 6);
        QCOMPARE(r.err.count(u"waiting for rate limit (cursor), resumes "_s), 3);
        QVERIFY2(!r.err.contains(QRegularExpression(u"wait_ms=([4-9]\\d{3}|\\d{5,})\\b"_s)), PealTest::tail(r.err).constData());
        QCOMPARE(eventsOf(notifications(sent)), QStringList{u"rate_limit_wait"_s});
        const QJsonObject usage = PealTest::json(s.summaryJson()).value(u"usage"_s).toObject();
        QCOMPARE(usage.value(u"failures"_s).toObject().value(u"overloaded"_s).toInt(), 3);
    }

    void aWaitShowsOnTheTerminalUntilItEnds()
    {
        // On a terminal (script(1) gives peal one): a line of its own for the wait, and the
        // live line says it first (an 80-column terminal must not cut it) while it lasts.
        const QString script = QStandardPaths::findExecutable(u"script"_s);
        QVERIFY2(!script.isEmpty(), "script(1) from bsdutils is needed");
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        const QString command = QStringList{PealTest::pealBinary(), u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(),
                                            u"--state-dir"_s, s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent(),
                                            u"--stet-path"_s, u"/nonexistent"_s}
                                    .join(u' ');
        QHash<QString, QString> env = failingFirst(s, 1, u"Error: 429 Too Many Requests. Please try again in 2s."_s);
        env.insert(u"TERM"_s, u"xterm"_s);
        env.insert(u"NO_COLOR"_s, u"1"_s);
        env.insert(u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog());
        const auto tty = PealTest::run(script, {u"-qec"_s, command, u"/dev/null"_s}, s.dir(), env, 60000);
        QCOMPARE(tty.exitCode, 0);
        QString shown = tty.out;
        shown.remove(QRegularExpression(u"\x1b\\[[0-9;]*[A-Za-z]"_s));
        const QString wait = u"waiting for rate limit \\(cursor\\), resumes \\d\\d:\\d\\d:\\d\\d"_s;
        QVERIFY2(shown.contains(QRegularExpression(u"  … task 1: "_s + wait + u"\r?\n"_s)), qPrintable(shown));
        QVERIFY2(shown.contains(QRegularExpression(u"peal \\d:\\d\\d · "_s + wait + u" · task 1 "_s)),
                 qPrintable(shown));
        // Once the wait is over the live line no longer says it.
        const qsizetype lastWait = shown.lastIndexOf(u"waiting for rate limit"_s);
        QVERIFY2(shown.indexOf(u"execute"_s, lastWait) > lastWait, qPrintable(shown));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"plan:1"_s, u"execute:1"_s}));
    }

    void withoutAResetTimeTheWaitBacksOff()
    {
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--rate-limit-backoff-sec"_s, u"1"_s},
                             failingFirst(s, 2, u"error: rate limit exceeded"_s));
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"plan:1"_s, u"plan:1"_s, u"execute:1"_s}));
        QCOMPARE(r.err.count(u"reset_reported=false"_s), 2);
        // 1 s, then 2 s, each with up to a quarter of jitter.
        QVERIFY2(r.err.contains(QRegularExpression(u"wait_ms=1[0-2]\\d\\d\\b"_s)), PealTest::tail(r.err).constData());
        QVERIFY2(r.err.contains(QRegularExpression(u"wait_ms=2[0-4]\\d\\d\\b"_s)), PealTest::tail(r.err).constData());
    }

    void extraPatternsMarkOutputAsRateLimited()
    {
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--rate-limit-patterns"_s, u"slow down,cowboy"_s,
                              u"--rate-limit-backoff-sec"_s, u"1"_s},
                             failingFirst(s, 1, u"the provider says: slow down"_s));
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(s.agentCalls().size(), 3);
    }

    void aLimitThatIsNotWaitedForFailsTheCall_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("stderrText");
        QTest::addColumn<QString>("said");
        QTest::newRow("on_rate_limit = fail") << QStringList{u"--on-rate-limit"_s, u"fail"_s}
                                              << u"Error: 429 Too Many Requests"_s
                                              << u"error: task 1, phase 1 (plan): cursor: rate limited"_s;
        QTest::newRow("a reset beyond the longest wait")
            << QStringList{u"--rate-limit-max-wait-sec"_s, u"60"_s} << u"usage limit reached, try again in 5 hours"_s
            << u"rate limit resets later than rate_limit_max_wait_sec, not waiting"_s;
    }

    void aLimitThatIsNotWaitedForFailsTheCall()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, stderrText);
        QFETCH(QString, said);
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        const auto r = s.run(QStringList{u"--stet-path"_s, u"/nonexistent"_s} + args, failingFirst(s, 1, stderrText));
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(s.agentCalls(), QStringList{u"plan:1"_s});
        QVERIFY2(r.err.contains(said), PealTest::tail(r.err).constData());
    }

    void ctrlCDuringAWaitStopsAtOnceAndTheRunResumes()
    {
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        QProcess peal;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const auto failing = failingFirst(s, 1, u"429 Too Many Requests: try again in 1 hour"_s);
        for (auto it = failing.begin(); it != failing.end(); ++it)
            env.insert(it.key(), it.value());
        env.insert(u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog());
        peal.setProcessEnvironment(env);
        peal.setStandardInputFile(QProcess::nullDevice());
        const QString sent = s.path(u"notified.jsonl"_s);
        peal.start(PealTest::pealBinary(), {u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                            s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent(), u"--stet-path"_s,
                                            u"/nonexistent"_s, u"--notify-commands"_s, u"tee -a "_s + sent});
        QVERIFY(peal.waitForStarted());
        const QString waiting = s.stateDir() + u"/waiting.json"_s;
        QVERIFY(QTest::qWaitFor([&] { return QFile::exists(waiting); }, 30000));
        const QJsonObject held = PealTest::json(PealTest::readFile(waiting)).value(u"waiting"_s).toArray().first().toObject();
        QCOMPARE(held.value(u"back_end"_s).toString(), u"cursor"_s);
        QCOMPARE(held.value(u"task"_s).toInt(), 1);
        QCOMPARE(held.value(u"phase"_s).toString(), u"plan"_s);
        // peal status says so while the run waits.
        const auto status = PealTest::runPeal({u"status"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(),
                                               u"--state-dir"_s, s.stateDir()});
        static const QRegularExpression line(uR"(waiting:   for rate limit \(cursor\), resumes (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(task 1, plan\))"_s);
        QVERIFY2(line.match(status.out).hasMatch(), qPrintable(status.out));
        // The notification of the wait.
        QVERIFY(QTest::qWaitFor([&] { return !notifications(sent).isEmpty(); }, 15000));
        const QJsonObject wait = notifications(sent).first();
        QCOMPARE(wait.value(u"event"_s).toString(), u"rate_limit_wait"_s);
        QCOMPARE(wait.value(u"task"_s).toInt(), 1);
        QCOMPARE(wait.value(u"phase"_s).toString(), u"plan"_s);
        QCOMPARE(wait.value(u"back_end"_s).toString(), u"cursor"_s);
        const QDateTime until = QDateTime::fromString(wait.value(u"until"_s).toString(), Qt::ISODate);
        QVERIFY2(until > QDateTime::currentDateTimeUtc().addSecs(3000), qPrintable(wait.value(u"until"_s).toString()));
        QVERIFY2(wait.value(u"reason"_s).toString().contains(u"rate limited"_s), qPrintable(wait.value(u"reason"_s).toString()));
        ::kill(pid_t(peal.processId()), SIGINT);
        QVERIFY(peal.waitForFinished(10000));
        QCOMPARE(peal.exitCode(), 130);
        QVERIFY(!QFile::exists(waiting));
        // The limit is gone: the same command resumes and completes.
        const auto again = s.run({u"--stet-path"_s, u"/nonexistent"_s});
        QVERIFY2(again.exitCode == 0, PealTest::tail(again.err).constData());
        QCOMPARE(s.completed(), QList<int>{1});
    }

    // ---- the stall watchdog ----

    void aSilentAgentIsKilledAndRetriedOnce()
    {
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--agent-idle-timeout-sec"_s, u"1"_s},
                             {{u"PEAL_FAKE_AGENT_HANG"_s, u"1"_s}, {u"PEAL_FAKE_AGENT_GRANDCHILD"_s, s.path(u"pids"_s)}});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err.count(u"agent stalled, killed"_s), 2);
        QVERIFY2(PealTest::lastLine(r.err).contains(u"task 1, phase 1 (plan): cursor: stalled (no output for 1 s)"_s),
                 PealTest::tail(r.err).constData());
        // The whole tree went: no grandchild survives.
        for (const QByteArray &pid : PealTest::readFile(s.path(u"pids"_s)).split('\n')) {
            if (!pid.trimmed().isEmpty())
                QTRY_VERIFY_WITH_TIMEOUT(::kill(pid_t(pid.trimmed().toInt()), 0) != 0, 5000);
        }
    }

    // ---- budgets ----

    void aCostBudgetCrossedInTask2StopsTheRunAndHoldsUntilRaised()
    {
        Scenario s(kThreeTasks);
        QVERIFY(s.isValid());
        const QString claude = PealTest::costingClaude(s, u"0.10"_s);
        const QString sent = s.path(u"notified.jsonl"_s);
        const QStringList common{u"--agent-plugin"_s, u"claude"_s, u"--agent-cmd"_s, claude, u"--stet-path"_s,
                                 u"/nonexistent"_s, u"--notify-commands"_s, u"tee -a "_s + sent};
        // Each task is two calls of $0.10: the budget is reached by task 2's plan call.
        const auto r = s.run(common + QStringList{u"--max-cost-usd"_s, u"0.3"_s});
        QCOMPARE(r.exitCode, 3);
        QCOMPARE(linesIn(s.path(u"calls"_s)), 3);
        QCOMPARE(s.completed(), QList<int>{1});
        QVERIFY2(PealTest::lastLine(r.err).contains(
                     u"task 2, phase 1 (plan): budget max_cost_usd = 0.3 reached: the agent calls of this plan cost "
                     "$0.3000 (360 tokens)"_s),
                 PealTest::tail(r.err).constData());
        QVERIFY(!QFile::exists(s.stateDir() + u"/tasks/3"_s)); // task 3 never started
        const QJsonObject last = PealTest::json(PealTest::readFile(s.stateDir() + u"/last_run.json"_s));
        QCOMPARE(last.value(u"outcome"_s).toString(), u"cap_reached"_s);
        QCOMPARE(last.value(u"usage"_s).toObject().value(u"failures"_s).toObject().value(u"budget"_s).toInt(), 1);
        // A command gets the events in the order they happened.
        const QList<QJsonObject> first = notifications(sent);
        QCOMPARE(eventsOf(first), (QStringList{u"task_done"_s, u"budget_stop"_s, u"task_failed"_s, u"run_done"_s}));
        const QJsonObject stop = first.at(1);
        QCOMPARE(stop.value(u"budget"_s).toString(), u"max_cost_usd"_s);
        QCOMPARE(stop.value(u"task"_s).toInt(), 2);
        // What the budget counts: every call so far, and task 2's one call.
        const QJsonObject spent = stop.value(u"spent"_s).toObject();
        QCOMPARE(spent.value(u"run"_s).toObject().value(u"tokens"_s).toInt(), 360);
        QVERIFY(qAbs(spent.value(u"run"_s).toObject().value(u"cost_usd"_s).toDouble() - 0.3) < 1e-9);
        QCOMPARE(spent.value(u"task"_s).toObject().value(u"tokens"_s).toInt(), 120);
        QCOMPARE(first.at(3).value(u"exit_code"_s).toInt(), 3);

        // The same limit: nothing starts.
        const auto same = s.run(common + QStringList{u"--max-cost-usd"_s, u"0.3"_s});
        QCOMPARE(same.exitCode, 3);
        QCOMPARE(linesIn(s.path(u"calls"_s)), 3);
        QVERIFY2(PealTest::lastLine(same.err).contains(u"budget max_cost_usd = 0.3 reached"_s), PealTest::tail(same.err).constData());
        const auto status = PealTest::runPeal({u"status"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                               s.stateDir(), u"--max-cost-usd"_s, u"0.3"_s});
        QVERIFY2(status.out.contains(u"spent:     $0.3000, 360 tokens by the agent calls of this state (budget reached: "
                                     "max_cost_usd = 0.3)"_s),
                 qPrintable(status.out));

        // Raised: tasks 2 and 3 complete, and the spending goes on adding up.
        const auto raised = s.run(common + QStringList{u"--max-cost-usd"_s, u"1"_s});
        QVERIFY2(raised.exitCode == 0, PealTest::tail(raised.err).constData());
        QCOMPARE(linesIn(s.path(u"calls"_s)), 7);
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3}));
        const QJsonObject spend = PealTest::json(PealTest::readFile(s.stateDir() + u"/spend.json"_s));
        QCOMPARE(spend.value(u"tokens"_s).toInt(), 7 * 120);
        QVERIFY(qAbs(spend.value(u"cost_usd"_s).toDouble() - 0.7) < 1e-9);
    }

    void aTaskTokenBudgetStopsTheTaskAndTheRun()
    {
        Scenario s(kThreeTasks);
        QVERIFY(s.isValid());
        const QString claude = PealTest::costingClaude(s, u"0.01"_s);
        // One call is 120 tokens: task 1's plan call reaches a budget of 100.
        const auto r = s.run({u"--agent-plugin"_s, u"claude"_s, u"--agent-cmd"_s, claude, u"--stet-path"_s,
                              u"/nonexistent"_s, u"--task-max-tokens"_s, u"100"_s, u"--continue-with-remaining-tasks"_s});
        QCOMPARE(r.exitCode, 3);
        QCOMPARE(linesIn(s.path(u"calls"_s)), 1);
        QVERIFY2(PealTest::lastLine(r.err).contains(u"budget task_max_tokens = 100 reached: the agent calls of task 1 cost"_s),
                 PealTest::tail(r.err).constData());
    }

    void aCostBudgetOnABackEndWithoutCostsSaysSo()
    {
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--max-cost-usd"_s, u"5"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(u"max_cost_usd is set, but the cursor back-end reports no cost: its calls count only "
                                "against max_tokens and task_max_tokens"_s),
                 PealTest::tail(r.err).constData());
    }

    // ---- notifications ----

    // agent_fallback with the stand-in agent behind two back-ends: `cursor` (agent_cmd) and
    // `command`, whose table runs the same program with a model of its own.
    static QString fallbackConfig(const Scenario &s, const QString &extra = {})
    {
        const QString agent = PealTest::demoAgent();
        const QString toml = u"agent_fallback = [\"command\"]\n"_s + extra
                             + u"\n[plugins.command]\nmodel = \"m2\"\n"
                               "argv = [\"%1\", \"--print\", \"--workspace\", \"{workspace}\", \"--model\", \"{model}\", \"{prompt}\"]\n"
                               "plan_argv = [\"%1\", \"--print\", \"--plan\", \"--workspace\", \"{workspace}\", \"{prompt}\"]\n"_s.arg(agent);
        PealTest::writeFile(s.path(u"peal.toml"_s), toml.toUtf8());
        return s.path(u"peal.toml"_s);
    }

    static QString agentOf(const Scenario &s, int task, const QString &record)
    {
        return PealTest::json(PealTest::readFile(s.stateDir() + u"/tasks/%1/%2.jsonl"_s.arg(task).arg(record)).split('\n').first())
            .value(u"agent"_s)
            .toString();
    }

    void aLimitForHoursMovesTheCallsToTheFallback()
    {
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        const QString sent = s.path(u"notified.jsonl"_s);
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--config"_s,
                              fallbackConfig(s, u"notify_commands = [[\"tee\", \"-a\", \"%1\"]]\n"_s.arg(sent))},
                             failingFirst(s, 1, u"Error: usage limit reached. Please try again in 2 hours."_s));
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), QList<int>{1});
        QVERIFY2(r.err.contains(u"cursor rate limited until "_s) && r.err.contains(u": its calls move to command"_s),
                 PealTest::tail(r.err).constData());
        QVERIFY(!r.err.contains(u"waiting for rate limit"_s));
        // The first plan call by cursor (limited), the rest by command, whose record says why.
        QCOMPARE(agentOf(s, 1, u"plan-1"_s), u"cursor"_s);
        QCOMPARE(agentOf(s, 1, u"plan-2"_s), u"command"_s);
        QCOMPARE(agentOf(s, 1, u"execute-1"_s), u"command"_s);
        const QJsonObject execute = PealTest::json(PealTest::readFile(s.stateDir() + u"/tasks/1/execute-1.jsonl"_s).split('\n').first());
        QVERIFY2(execute.value(u"instead_of"_s).toString().startsWith(u"cursor: rate_limit until "_s),
                 qPrintable(execute.value(u"instead_of"_s).toString()));
        // Its own model, from its table (the command line of execute carries it).
        QVERIFY(execute.value(u"arguments"_s).toArray().contains(u"m2"_s));
        // The summary counts the calls by back-end and says why they moved.
        const QJsonObject usage = PealTest::json(s.summaryJson()).value(u"usage"_s).toObject();
        QCOMPARE(usage.value(u"back_ends"_s).toObject(), (QJsonObject{{u"command"_s, 2}, {u"cursor"_s, 1}}));
        const QJsonObject moved = usage.value(u"fallbacks"_s).toArray().first().toObject();
        QCOMPARE(moved.value(u"from"_s).toString(), u"cursor"_s);
        QCOMPARE(moved.value(u"to"_s).toString(), u"command"_s);
        QCOMPARE(moved.value(u"class"_s).toString(), u"rate_limit"_s);
        QVERIFY(!moved.value(u"until"_s).toString().isEmpty());
        // Notified once, and the history says it.
        const QList<QJsonObject> notes = notifications(sent);
        QCOMPARE(eventsOf(notes).count(u"agent_fallback"_s), 1);
        const auto history = PealTest::runPeal({u"history"_s, u"--state-dir"_s, s.stateDir()});
        QVERIFY2(history.out.contains(u"by command 2, cursor 1"_s) && history.out.contains(u"cursor -> command (rate_limit"_s),
                 qPrintable(history.out));
        // The dry run says where the calls would move.
        const auto dry = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--config"_s, s.path(u"peal.toml"_s), u"--dry-run"_s});
        QCOMPARE(dry.exitCode, 0);
        QVERIFY2(dry.out.contains(u"fallback command (model m2) (after a limit past 3600 s"_s), qPrintable(dry.out));
    }

    void callsGoBackOnceTheLimitHasPassed()
    {
        // A reset 3 s away, beyond rate_limit_max_wait_sec = 1: task 1 runs on the fallback
        // (each call taking 2 s), task 2 on cursor again.
        Scenario s("## Task 1\nT1: first.\n\n## Task 2\nT2: second.\n");
        QVERIFY(s.isValid());
        QHash<QString, QString> env = failingFirst(s, 1, u"Error: usage limit reached. Please try again in 3 seconds."_s);
        env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"T1: first=2000"_s);
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--config"_s, fallbackConfig(s), u"--rate-limit-max-wait-sec"_s,
                              u"1"_s},
                             env);
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(agentOf(s, 1, u"plan-2"_s), u"command"_s);
        QCOMPARE(agentOf(s, 2, u"plan-1"_s), u"cursor"_s);
        QCOMPARE(agentOf(s, 2, u"execute-1"_s), u"cursor"_s);
        QVERIFY2(r.err.contains(u"cursor can be called again: calls go back to it"_s), PealTest::tail(r.err).constData());
    }

    void anAccountWithoutCreditMovesAtOnceAndAConfigErrorNamesTheKey()
    {
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--config"_s, fallbackConfig(s)},
                             failingFirst(s, 1, u"Your credit balance is too low to access the API."_s));
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY2(r.err.contains(u"cursor out of credit or quota for this run: its calls move to command"_s),
                 PealTest::tail(r.err).constData());
        // Without a fallback the same failure is the task's, named as billing.
        Scenario alone(kOneTask);
        const auto failed = alone.run({u"--stet-path"_s, u"/nonexistent"_s},
                                      failingFirst(alone, 5, u"Your credit balance is too low to access the API."_s));
        QCOMPARE(failed.exitCode, 1);
        QVERIFY2(failed.err.contains(u"out of credit or quota"_s), PealTest::tail(failed.err).constData());
        // An unknown back-end in the list: said before anything runs.
        const auto bad = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--agent-fallback"_s, u"claud"_s});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains(u"agent_fallback (set by --agent-fallback): "_s), PealTest::tail(bad.err).constData());
    }

    void notifyCommandsGetTheDocumentedJson()
    {
        Scenario s("## Task 1\nT1: first.\n\n## Task 2\nT2: second.\n");
        QVERIFY(s.isValid());
        const QString all = s.path(u"all.jsonl"_s);
        const QString runOnly = s.path(u"run.jsonl"_s);
        const QString toml = u"notify_commands = [[\"tee\", \"-a\", \"%1\"], \"false\", \"/nonexistent/notifier\"]\n"_s.arg(all);
        QVERIFY(PealTest::writeFile(s.path(u"peal.toml"_s), toml.toUtf8()));
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--config"_s, s.path(u"peal.toml"_s)},
                             {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T2: second"_s}, {u"PEAL_CONTINUE_WITH_REMAINING_TASKS"_s, u"true"_s}});
        QCOMPARE(r.exitCode, 2); // a failed task; the notifiers that fail cost warnings only
        QCOMPARE(r.err.count(u"notify command failed (ignored)"_s), 3 * 2);
        // One object per event, in the order of the events.
        QHash<QString, QJsonObject> sent;
        QStringList order;
        for (const QJsonObject &o : notifications(all)) {
            order << o.value(u"event"_s).toString();
            QVERIFY2(!sent.contains(o.value(u"event"_s).toString()), "an event notified twice");
            sent.insert(o.value(u"event"_s).toString(), o);
            for (const char *key : {"event", "time", "message", "plan_path", "repo_path", "paths"})
                QVERIFY2(o.contains(QLatin1String(key)), key);
            QCOMPARE(o.value(u"paths"_s).toObject().value(u"state_dir"_s).toString(), s.stateDir());
        }
        QCOMPARE(order, (QStringList{u"task_done"_s, u"task_failed"_s, u"run_done"_s}));
        const QJsonObject done = sent.value(u"task_done"_s);
        QCOMPARE(done.value(u"task"_s).toInt(), 1);
        QCOMPARE(done.value(u"message"_s).toString(), u"task 1 done"_s);
        QCOMPARE(done.value(u"totals"_s).toObject().value(u"agent_calls"_s).toInt(), 2);
        const QJsonObject failed = sent.value(u"task_failed"_s);
        QCOMPARE(failed.value(u"task"_s).toInt(), 2);
        QVERIFY2(failed.value(u"reason"_s).toString().contains(u"agent exited with code 1"_s),
                 qPrintable(failed.value(u"reason"_s).toString()));
        const QJsonObject end = sent.value(u"run_done"_s);
        QCOMPARE(end.value(u"exit_code"_s).toInt(), 2);
        QCOMPARE(end.value(u"outcome"_s).toString(), u"issues"_s);
        QCOMPARE(PealTest::ints(end.value(u"failed_tasks"_s)), QList<int>{2});
        QCOMPARE(end.value(u"paths"_s).toObject().value(u"summary"_s).toString(), s.stateDir() + u"/run_summary.json"_s);

        // notify_on filters; the environment names the event.
        Scenario other(kOneTask);
        QVERIFY(other.isValid());
        const QString script = other.path(u"notify.sh"_s);
        QVERIFY(PealTest::writeFile(script, "#!/bin/sh\necho \"$PEAL_NOTIFY_EVENT|$PEAL_NOTIFY_TASK|$PEAL_NOTIFY_MESSAGE\" >> '"
                                                + runOnly.toUtf8() + "'\ncat > /dev/null\n"));
        QFile::setPermissions(script, QFile::permissions(script) | QFile::ExeOwner);
        const auto filtered = other.run({u"--stet-path"_s, u"/nonexistent"_s, u"--notify-commands"_s, script,
                                         u"--notify-on"_s, u"run_done"_s});
        QCOMPARE(filtered.exitCode, 0);
        QCOMPARE(QString::fromUtf8(PealTest::readFile(runOnly)), u"run_done||peal run success (exit 0)\n"_s);

        // The starts of tasks and phases only when listed.
        QVERIFY(QFile::remove(runOnly));
        Scenario starts(kOneTask);
        const auto listed = starts.run({u"--stet-path"_s, u"/nonexistent"_s, u"--notify-commands"_s, script,
                                        u"--notify-on"_s, u"task_started,phase_started"_s});
        QCOMPARE(listed.exitCode, 0);
        QCOMPARE(QString::fromUtf8(PealTest::readFile(runOnly)),
                 u"task_started|1|task 1 started\nphase_started|1|task 1: phase plan started\n"
                 "phase_started|1|task 1: phase execute started\n"_s);
    }

    void aSlowNotifyCommandGetsTheEventsOneAtATimeInOrder()
    {
        // Each event waits for the command's previous one: no overlap, no reordering, even
        // when the command takes longer than the tasks.
        Scenario s("## Task 1\nT1: first.\n\n## Task 2\nT2: second.\n\n## Task 3\nT3: third.\n");
        QVERIFY(s.isValid());
        const QString log = s.path(u"slow.log"_s);
        const QString script = s.path(u"slow.sh"_s);
        QVERIFY(PealTest::writeFile(script, "#!/bin/sh\ncat > /dev/null\necho \"start $PEAL_NOTIFY_EVENT $PEAL_NOTIFY_TASK\" >> '"
                                                + log.toUtf8() + "'\nsleep 0.4\necho \"end $PEAL_NOTIFY_EVENT $PEAL_NOTIFY_TASK\" >> '"
                                                + log.toUtf8() + "'\n"));
        QFile::setPermissions(script, QFile::permissions(script) | QFile::ExeOwner);
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--notify-commands"_s, script});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QStringList expected;
        for (const QString &event : {u"task_done 1"_s, u"task_done 2"_s, u"task_done 3"_s, u"run_done "_s})
            expected << u"start "_s + event << u"end "_s + event;
        QCOMPARE(QString::fromUtf8(PealTest::readFile(log)).split(u'\n', Qt::SkipEmptyParts), expected);
    }

    void theShippedNotifyExamplesWork()
    {
        // share/peal/notify: the webhook posts the JSON to a URL (here the model server's
        // /hook), the desktop one calls notify-send (here a stand-in that logs its argv).
        Scenario s(kOneTask);
        ModelServer server;
        QVERIFY(s.isValid() && server.isRunning());
        const QString examples = PealTest::sourceDir() + u"/share/peal/notify/"_s;
        const QString bin = s.path(u"bin"_s);
        QVERIFY(PealTest::writeFile(bin + u"/notify-send"_s,
                                    "#!/bin/sh\nfor a in \"$@\"; do printf '%s|' \"$a\"; done >> '" + s.path(u"desktop"_s).toUtf8()
                                        + "'\necho >> '" + s.path(u"desktop"_s).toUtf8() + "'\n"));
        QFile::setPermissions(bin + u"/notify-send"_s, QFile::permissions(bin + u"/notify-send"_s) | QFile::ExeOwner);
        const QString toml = u"notify_commands = [[\"sh\", \"%1webhook.sh\", \"%2/hook\"], [\"sh\", \"%1desktop.sh\"]]\n"
                             "notify_on = [\"task_done\", \"run_done\"]\n"_s.arg(examples, server.url());
        QVERIFY(PealTest::writeFile(s.path(u"peal.toml"_s), toml.toUtf8()));
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--config"_s, s.path(u"peal.toml"_s)},
                             {{u"PATH"_s, bin + u':' + qEnvironmentVariable("PATH")}});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY2(!r.err.contains(u"notify command failed"_s), PealTest::tail(r.err).constData());
        QStringList posted;
        for (const QJsonObject &request : server.requests()) {
            if (request.value(u"api"_s) == u"hook"_s)
                posted << request.value(u"body"_s).toObject().value(u"event"_s).toString();
        }
        posted.sort();
        QCOMPARE(posted, (QStringList{u"run_done"_s, u"task_done"_s}));
        QStringList shown = QString::fromUtf8(PealTest::readFile(s.path(u"desktop"_s))).split(u'\n', Qt::SkipEmptyParts);
        shown.sort();
        QCOMPARE(shown, (QStringList{u"--app-name=peal|--urgency=normal|peal: run_done|peal run success (exit 0)|"_s,
                                     u"--app-name=peal|--urgency=normal|peal: task_done (task 1)|task 1 done|"_s}));
    }

    void aBadNotifyEventIsAConfigError()
    {
        Scenario s(kOneTask);
        QVERIFY(s.isValid());
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--notify-on"_s, u"task_done,lunch"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(PealTest::lastLine(r.err).contains(u"lunch"_s), PealTest::tail(r.err).constData());
        QCOMPARE(s.agentCalls(), QStringList());
    }
};

QTEST_GUILESS_MAIN(tst_Unattended)
#include "tst_unattended.moc"
