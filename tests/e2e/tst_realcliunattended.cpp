// SPDX-License-Identifier: MIT
// Long unattended runs with the real agent CLIs against the scripted model server: a 429 waited
// out and the phase run again, a stalled CLI killed and retried, a cost budget crossed with the
// cost the CLI itself reports. The same behaviours with the fake agent: tst_unattended.
#include "realcli.h"
#include "testsupport.h"

#include <QDateTime>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using PealTest::ModelServer;
using PealTest::Scenario;

namespace {

const QByteArray kOneTask = "## Task 1\nT1: do it.\n@write a.txt from task 1\n";
// The stall watchdog's silence in these tests: long enough that a CLI starting on a busy machine
// (the suite runs three tests at a time) is never taken for a stalled one.
const QString kIdleSec = QStringLiteral("10");
const QByteArray kThreeTasks = "## Task 1\nT1: first.\n\n## Task 2\nT2: second.\n\n## Task 3\nT3: third.\n";

// The "end" line of a task's call record (tasks/<task>/<name>.jsonl).
QJsonObject recordEnd(const Scenario &s, int task, const QString &name)
{
    const QList<QByteArray> lines = PealTest::readFile(s.stateDir() + u"/tasks/%1/%2.jsonl"_s.arg(task).arg(name)).trimmed().split('\n');
    return PealTest::json(lines.last());
}

// `peal run` with a real CLI against `server`, no reviewer.
PealTest::RunResult runReal(const QString &backEnd, const Scenario &s, const ModelServer &server, QStringList extra = {})
{
    QStringList args{u"--agent-plugin"_s, backEnd, u"--agent-cmd"_s, PealTest::agentCli(backEnd), u"--stet-path"_s,
                     u"/nonexistent"_s};
    if (backEnd == u"gemini")
        args << u"--model"_s << u"gemini-2.5-pro"_s;
    return s.run(args + extra, server.environment(), 240000);
}

} // namespace

class tst_RealCliUnattended : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void realClisWaitOutA429AndRunThePhaseAgain_data()
    {
        // Claude Code passes the provider's message on ("Please try again in 1s."): its reset
        // time is used. Codex reports only "last status: 429": backoff. Gemini CLI retries a
        // 429 itself, honouring retry-after, before it reports one (docs/unattended.md): a
        // short limit never reaches peal, so it has no row here.
        QTest::addColumn<QString>("backEnd");
        QTest::addColumn<bool>("retryAfter");
        QTest::addColumn<bool>("resetReported");
        QTest::newRow("claude retry-after") << u"claude"_s << true << true;
        QTest::newRow("claude backoff") << u"claude"_s << false << false;
        QTest::newRow("codex retry-after") << u"codex"_s << true << false;
    }

    void realClisWaitOutA429AndRunThePhaseAgain()
    {
        QFETCH(QString, backEnd);
        QFETCH(bool, retryAfter);
        QFETCH(bool, resetReported);
        QVERIFY2(!PealTest::agentCli(backEnd).isEmpty(), "the agent CLIs are not installed (scripts/test.sh)");
        Scenario s(kOneTask);
        QStringList serverArgs{u"--fail"_s, u"2"_s, u"--status"_s, u"429"_s};
        if (retryAfter)
            serverArgs << u"--retry-after"_s << u"1"_s;
        ModelServer server(serverArgs);
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = runReal(backEnd, s, server, {u"--rate-limit-backoff-sec"_s, u"1"_s});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY2(r.err.count(u"waiting for rate limit (%1), resumes "_s.arg(backEnd)) == 2, PealTest::tail(r.err).constData());
        QVERIFY2(r.err.count(u"reset_reported=true"_s) == (resetReported ? 2 : 0), PealTest::tail(r.err).constData());
        QVERIFY(!r.err.contains(u"retrying"_s));
        // Two rejected requests, then plan and execute with a tool turn and an answer each.
        QCOMPARE(server.requests().size(), 6);
        QCOMPARE(recordEnd(s, 1, u"plan-1"_s).value(u"failure"_s).toString(), u"rate_limit"_s);
        QCOMPARE(recordEnd(s, 1, u"plan-3"_s).value(u"failure"_s).toString(), QString());
        QCOMPARE(QString::fromUtf8(PealTest::readFile(s.repo() + u"/a.txt"_s)), u"from task 1\n"_s);
    }

    void realClaudeHeldOpenByTheServerIsKilledAndRetried()
    {
        QVERIFY2(!PealTest::agentCli(u"claude"_s).isEmpty(), "the agent CLIs are not installed (scripts/test.sh)");
        Scenario s(kOneTask);
        ModelServer server({u"--hang"_s, u"1"_s});
        QVERIFY(s.isValid() && server.isRunning());
        // The limit leaves room for the CLI's own start: Node.js loading Claude Code on a loaded
        // machine (the suite runs two tests at a time under ASan) says nothing for seconds.
        const auto r = runReal(u"claude"_s, s, server, {u"--agent-idle-timeout-sec"_s, kIdleSec});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(r.err.count(u"agent stalled, killed"_s), 1);
        QCOMPARE(recordEnd(s, 1, u"plan-1"_s).value(u"failure"_s).toString(), u"stalled"_s);
        QCOMPARE(QString::fromUtf8(PealTest::readFile(s.repo() + u"/a.txt"_s)), u"from task 1\n"_s);
        const QJsonObject usage = PealTest::json(s.summaryJson()).value(u"usage"_s).toObject();
        QCOMPARE(usage.value(u"failures"_s).toObject().value(u"stalled"_s).toInt(), 1);
    }

    // A stall in the middle of a task: the server holds the request that follows the execute
    // call's write (request 4: plan, its answer, execute's write, then this). The watchdog ends
    // the call, and the retry continues the CLI's own conversation with a short prompt: its
    // request carries the earlier turns (the tool result) and the prompt saying it was stopped.
    void realClisContinueAStalledConversation_data()
    {
        QTest::addColumn<QString>("backEnd");
        QTest::addColumn<bool>("resume");
        QTest::newRow("claude") << u"claude"_s << true;
        QTest::newRow("codex") << u"codex"_s << true;
        QTest::newRow("gemini") << u"gemini"_s << true;
        QTest::newRow("opencode") << u"opencode"_s << true;
        QTest::newRow("copilot") << u"copilot"_s << true; // a session peal named (--session-id)
        QTest::newRow("qwen") << u"qwen"_s << true;
        QTest::newRow("claude, resume_sessions = false") << u"claude"_s << false;
    }

    void realClisContinueAStalledConversation()
    {
        QFETCH(QString, backEnd);
        QFETCH(bool, resume);
        QVERIFY2(!PealTest::agentCli(backEnd).isEmpty(), "the agent CLIs are not installed (scripts/test.sh)");
        Scenario s(kOneTask);
        ModelServer server({u"--hang-at"_s, u"4"_s});
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = runReal(backEnd, s, server,
                               {u"--agent-idle-timeout-sec"_s, kIdleSec, u"--resume-sessions"_s, resume ? u"true"_s : u"false"_s});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(r.err.count(u"agent stalled, killed"_s), 1);
        QCOMPARE(QString::fromUtf8(PealTest::readFile(s.repo() + u"/a.txt"_s)), u"from task 1\n"_s);
        QJsonObject retry;
        for (const QJsonObject &request : server.requests()) {
            if (request.value(u"request"_s).toInt() == 5)
                retry = request;
        }
        QVERIFY2(!retry.isEmpty(), "no fifth request");
        const QList<QByteArray> second = PealTest::readFile(s.stateDir() + u"/tasks/1/execute-2.jsonl"_s).split('\n');
        const QJsonObject header = PealTest::json(second.first());
        if (!resume) {
            // Started over: the whole prompt alone.
            QCOMPARE(retry.value(u"tool_results"_s).toInt(), 0);
            QVERIFY(!header.contains(u"resumes"_s));
            return;
        }
        QVERIFY2(retry.value(u"tool_results"_s).toInt() >= 1, qPrintable(QString::fromUtf8(QJsonDocument(retry).toJson())));
        QVERIFY2(retry.value(u"last_user"_s).toString().startsWith(u"Your previous turn on this task was interrupted"_s),
                 qPrintable(retry.value(u"last_user"_s).toString()));
        QCOMPARE(retry.value(u"directives"_s).toArray(), QJsonArray{u"a.txt"_s}); // the first prompt is still there
        // The record says which conversation the call continued, and why.
        const QString session = recordEnd(s, 1, u"execute-1"_s).value(u"session"_s).toString();
        QVERIFY(!session.isEmpty());
        QCOMPARE(header.value(u"resumes"_s).toObject().value(u"session"_s).toString(), session);
        QVERIFY(header.value(u"resumes"_s).toObject().value(u"after"_s).toString().startsWith(u"it wrote nothing for %1 s"_s.arg(kIdleSec)));
        QVERIFY(header.value(u"prompt"_s).toString().startsWith(u"Your previous turn"_s));
        QCOMPARE(recordEnd(s, 1, u"execute-2"_s).value(u"status"_s).toString(), u"succeeded"_s);
        const auto logs = s.runRaw({u"logs"_s, u"1"_s, u"--phase"_s, u"execute"_s, u"--state-dir"_s, s.stateDir()});
        QVERIFY2(logs.out.contains(u"resumes session %1 (it wrote nothing for %2 s"_s.arg(session, kIdleSec)), qPrintable(logs.out));
        QVERIFY(r.err.contains(u"continuing the agent's conversation"_s));
    }

    // A usage limit two hours away on Claude Code (every Anthropic request answered 429 with
    // retry-after 7200) and agent_fallback = ["codex"]: the task completes on Codex, with the
    // model of its own table.
    void realClaudeLimitedForHoursFinishesOnCodex()
    {
        QVERIFY2(!PealTest::agentCli(u"claude"_s).isEmpty() && !PealTest::agentCli(u"codex"_s).isEmpty(),
                 "the agent CLIs are not installed (scripts/test.sh)");
        Scenario s(kOneTask);
        ModelServer server({u"--only-api"_s, u"anthropic"_s, u"--fail"_s, u"100"_s, u"--status"_s, u"429"_s,
                            u"--retry-after"_s, u"7200"_s});
        QVERIFY(s.isValid() && server.isRunning());
        const QString sent = s.path(u"notified.jsonl"_s);
        QVERIFY(PealTest::writeFile(s.path(u"peal.toml"_s),
                                    u"agent_fallback = [\"codex\"]\nnotify_commands = [[\"tee\", \"-a\", \"%1\"]]\n"
                                    "notify_on = [\"agent_fallback\"]\n\n[plugins.codex]\nmodel = \"gpt-5-codex\"\n"_s.arg(sent)
                                        .toUtf8()));
        const auto r = runReal(u"claude"_s, s, server, {u"--config"_s, s.path(u"peal.toml"_s)});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(QString::fromUtf8(PealTest::readFile(s.repo() + u"/a.txt"_s)), u"from task 1\n"_s);
        QVERIFY2(r.err.contains(u"claude rate limited until "_s) && r.err.contains(u": its calls move to codex"_s),
                 PealTest::tail(r.err).constData());
        QVERIFY(!r.err.contains(u"waiting for rate limit"_s));
        QCOMPARE(recordEnd(s, 1, u"plan-1"_s).value(u"failure"_s).toString(), u"rate_limit"_s);
        // Every OpenAI request (Codex's) asked for the fallback's own model.
        int codexRequests = 0;
        for (const QJsonObject &request : server.requests()) {
            if (request.value(u"api"_s).toString() == u"openai"_s) {
                ++codexRequests;
                QCOMPARE(request.value(u"model"_s).toString(), u"gpt-5-codex"_s);
            }
        }
        QCOMPARE(codexRequests, 4); // plan and execute, a tool turn and an answer each
        const QJsonObject usage = PealTest::json(s.summaryJson()).value(u"usage"_s).toObject();
        QCOMPARE(usage.value(u"back_ends"_s).toObject().value(u"codex"_s).toInt(), 2);
        const QJsonObject moved = usage.value(u"fallbacks"_s).toArray().first().toObject();
        QCOMPARE(moved.value(u"from"_s).toString(), u"claude"_s);
        QCOMPARE(moved.value(u"to"_s).toString(), u"codex"_s);
        // About two hours from the failure (the reset the CLI reported, not a backoff).
        const QDateTime until = QDateTime::fromString(moved.value(u"until"_s).toString(), Qt::ISODate);
        QVERIFY2(until.isValid() && QDateTime::currentDateTimeUtc().secsTo(until) > 7000, qPrintable(moved.value(u"until"_s).toString()));
        QCOMPARE(PealTest::json(PealTest::readFile(sent).trimmed().split('\n').first()).value(u"event"_s).toString(),
                 u"agent_fallback"_s);
    }

    // Ctrl-C while Claude Code's execute call waits on the model (request 4 held): the next
    // run resumes the task at execute, and that call continues the conversation the stopped one
    // had; `--redo 1` starts the task over instead.
    void realClaudeContinuesAfterCtrlC_data()
    {
        QTest::addColumn<bool>("redo");
        QTest::newRow("the same command") << false;
        QTest::newRow("--redo 1") << true;
    }

    void realClaudeContinuesAfterCtrlC()
    {
        QFETCH(bool, redo);
        QVERIFY2(!PealTest::agentCli(u"claude"_s).isEmpty(), "the agent CLIs are not installed (scripts/test.sh)");
        Scenario s(kOneTask);
        ModelServer server({u"--hang-at"_s, u"4"_s});
        QVERIFY(s.isValid() && server.isRunning());
        const QStringList args{u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s, s.stateDir(),
                               u"--agent-plugin"_s, u"claude"_s, u"--agent-cmd"_s, PealTest::agentCli(u"claude"_s),
                               u"--stet-path"_s, u"/nonexistent"_s};
        QProcess first;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const auto serverEnv = server.environment();
        for (auto it = serverEnv.cbegin(); it != serverEnv.cend(); ++it)
            env.insert(it.key(), it.value());
        first.setProcessEnvironment(env);
        first.setWorkingDirectory(s.dir());
        first.start(PealTest::pealBinary(), args);
        QVERIFY(first.waitForStarted());
        // Stopped while the next request waits on the model, once peal has recorded the tool call
        // and the CLI has saved the turn that ran it (its session file).
        const QString projects = serverEnv.value(u"HOME"_s) + u"/.claude/projects"_s;
        QVERIFY(QTest::qWaitFor([&] {
            const QByteArray record = PealTest::readFile(s.stateDir() + u"/tasks/1/execute-1.jsonl"_s);
            if (server.requests().size() < 4 || !record.contains("\"kind\":\"tool_call\""))
                return false;
            const QString session = PealTest::json(record.split('\n').value(1)).value(u"text"_s).toString();
            QDirIterator it(projects, {session + u".jsonl"_s}, QDir::Files, QDirIterator::Subdirectories);
            return !session.isEmpty() && it.hasNext() && PealTest::readFile(it.next()).contains("tool_result");
        }, 120000));
        ::kill(pid_t(first.processId()), SIGINT);
        QVERIFY(first.waitForFinished(60000));
        QCOMPARE(first.exitCode(), 130);
        const auto again = s.runRaw(redo ? args + QStringList{u"--redo"_s, u"1"_s} : args, serverEnv, 240000);
        QVERIFY2(again.exitCode == 0, PealTest::tail(again.err).constData());
        QCOMPARE(QString::fromUtf8(PealTest::readFile(s.repo() + u"/a.txt"_s)), u"from task 1\n"_s);
        QJsonObject next;
        for (const QJsonObject &request : server.requests()) {
            if (request.value(u"request"_s).toInt() == 5)
                next = request;
        }
        QVERIFY(!next.isEmpty());
        if (redo) {
            // The task from its first phase, a new conversation.
            QCOMPARE(next.value(u"tool_results"_s).toInt(), 0);
            QVERIFY(!again.err.contains(u"continuing the agent's conversation"_s));
            return;
        }
        QVERIFY2(next.value(u"tool_results"_s).toInt() >= 1, qPrintable(QString::fromUtf8(QJsonDocument(next).toJson())));
        QVERIFY(next.value(u"last_user"_s).toString().startsWith(u"Your previous turn on this task was interrupted"_s));
        const QJsonObject header = PealTest::json(PealTest::readFile(s.stateDir() + u"/tasks/1/execute-2.jsonl"_s).split('\n').first());
        QCOMPARE(header.value(u"resumes"_s).toObject().value(u"after"_s).toString(), u"peal was stopped"_s);
        QVERIFY(!QFile::exists(s.stateDir() + u"/tasks/1/plan-2.jsonl"_s)); // the plan was not paid for again
    }

    void realClaudeCrossesACostBudgetInTask2()
    {
        // The cost is what Claude Code itself reports for the scripted server's usage.
        QVERIFY2(!PealTest::agentCli(u"claude"_s).isEmpty(), "the agent CLIs are not installed (scripts/test.sh)");
        Scenario s(kThreeTasks);
        ModelServer server;
        QVERIFY(s.isValid() && server.isRunning());
        const auto first = runReal(u"claude"_s, s, server, {u"--task"_s, u"1"_s});
        QVERIFY2(first.exitCode == 0, PealTest::tail(first.err).constData());
        const double task1 = PealTest::json(PealTest::readFile(s.stateDir() + u"/spend.json"_s)).value(u"cost_usd"_s).toDouble();
        QVERIFY2(task1 > 0, PealTest::readFile(s.stateDir() + u"/spend.json"_s).constData());
        // Half a task more than task 1: task 2 (which costs what task 1 did) crosses it.
        const QString limit = QString::number(task1 * 1.5, 'f', 6);
        const auto r = runReal(u"claude"_s, s, server, {u"--max-cost-usd"_s, limit});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(PealTest::lastLine(r.err).contains(QRegularExpression(
                     u"task 2, phase [12] \\((plan|execute)\\): budget max_cost_usd = [0-9.]+ reached: the agent calls of "
                     "this plan cost \\$[0-9.]+ \\(\\d+ tokens\\)"_s)),
                 PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), QList<int>{1});
        QVERIFY(!QFile::exists(s.stateDir() + u"/tasks/3"_s)); // task 3 never started
        // Raised: the same command goes on from task 2.
        const auto raised = runReal(u"claude"_s, s, server, {u"--max-cost-usd"_s, QString::number(task1 * 10, 'f', 6)});
        QVERIFY2(raised.exitCode == 0, PealTest::tail(raised.err).constData());
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3}));
    }
};

QTEST_GUILESS_MAIN(tst_RealCliUnattended)
#include "tst_realcliunattended.moc"
