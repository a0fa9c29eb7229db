// SPDX-License-Identifier: MIT
// peal driving the real agent CLIs - Claude Code, Codex, Gemini CLI, OpenCode, Copilot CLI and
// Qwen Code, the pinned npm releases
// scripts/test.sh installs - against the scripted model server: the model asks for each CLI's
// own file-writing tool, so the edits that peal commits are made by the real CLI.
#include "realcli.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::ModelServer;
using PealTest::Scenario;

namespace {

const QByteArray kTwoTasks = "## Task 1\nCreate the greeting.\n@write hello.txt Hello from task 1\n\n"
                             "## Task 2\nCreate the farewell.\n@write bye.txt Goodbye from task 2\n";

const QStringList kAll{u"claude"_s, u"codex"_s, u"gemini"_s, u"opencode"_s, u"copilot"_s, u"qwen"_s};

// The API each one's CLI talks to the model server, and the model names it is given: OpenCode's
// are its provider's ("scripted/..."), and the server sees the name without the provider.
const QHash<QString, QString> kApiOf{{u"claude"_s, u"anthropic"_s}, {u"codex"_s, u"openai"_s}, {u"gemini"_s, u"gemini"_s},
                                     {u"opencode"_s, u"chat"_s}, {u"copilot"_s, u"chat"_s}, {u"qwen"_s, u"chat"_s}};
const QHash<QString, QString> kPlanModel{{u"claude"_s, u"claude-haiku-4-5"_s}, {u"codex"_s, u"gpt-5-mini"_s},
                                         {u"gemini"_s, u"gemini-2.5-flash"_s}, {u"opencode"_s, u"scripted/scripted-small"_s},
                                         {u"copilot"_s, u"scripted-small"_s}, {u"qwen"_s, u"scripted-small"_s}};
const QHash<QString, QString> kExecuteModel{{u"claude"_s, u"claude-sonnet-4-5"_s}, {u"codex"_s, u"gpt-5"_s},
                                            {u"gemini"_s, u"gemini-2.5-pro"_s}, {u"opencode"_s, u"scripted/scripted-large"_s},
                                            {u"copilot"_s, u"scripted-large"_s}, {u"qwen"_s, u"scripted-large"_s}};
// The back-ends whose CLI reports a cost (OpenCode from its provider's prices).
const QStringList kReportCost{u"claude"_s, u"opencode"_s};

QString modelSeen(const QString &model)
{
    return model.section(u'/', -1);
}

// The back-ends under test: all, or the ones PEAL_TEST_BACKENDS lists (CTest runs one each, in
// parallel with the rest of the suite).
QStringList backEnds()
{
    const QString only = qEnvironmentVariable("PEAL_TEST_BACKENDS");
    return only.isEmpty() ? kAll : only.split(u',', Qt::SkipEmptyParts);
}

const QStringList kBackEnds = backEnds();

// `peal run` with the back-end's plugin and its real CLI, no reviewer, against `server`.
PealTest::RunResult runWith(const QString &backEnd, const Scenario &s, const ModelServer &server, QStringList extra = {})
{
    QStringList args{u"--agent-plugin"_s, backEnd, u"--agent-cmd"_s, PealTest::agentCli(backEnd), u"--stet-path"_s,
                     u"/nonexistent"_s};
    if (backEnd == u"gemini")
        args << u"--model"_s << u"gemini-2.5-pro"_s; // no model router call
    return s.run(args + extra, server.environment(), 240000);
}

QString fileAt(const Scenario &s, const QString &revision, const QString &path)
{
    return PealTest::git(s.repo(), {u"show"_s, revision + u':' + path});
}

void addBackEnds()
{
    QTest::addColumn<QString>("backEnd");
    for (const QString &b : kBackEnds)
        QTest::newRow(qPrintable(b)) << b;
}

} // namespace

class tst_Agents : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        for (const QString &b : kBackEnds) {
            if (PealTest::agentCli(b).isEmpty())
                QFAIL(qPrintable(u"the %1 CLI is not installed in %2; scripts/test.sh installs the pinned versions "
                                 "(install_agent_clis in scripts/common.sh)"_s.arg(b, PealTest::agentCliBinDir())));
        }
    }

    void planModeDoesNotWrite_data() { addBackEnds(); }
    void planModeDoesNotWrite()
    {
        // The model tries to write probe.txt in every phase whose prompt names it; only the plan
        // prompt does, and the CLI's read-only mode refuses the write.
        QFETCH(QString, backEnd);
        Scenario s("## Task 1\nTry it.\n@probe probe.txt written in plan mode\n@write real.txt written in execute\n");
        ModelServer server;
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = runWith(backEnd, s, server);
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY(!QFile::exists(s.repo() + u"/probe.txt"_s));
        QCOMPARE(QString::fromUtf8(PealTest::readFile(s.repo() + u"/real.txt"_s)), u"written in execute\n"_s);
        const QList<QJsonObject> requests = server.requests();
        QVERIFY(requests.size() >= 2);
        QVERIFY(requests[0].value(u"directives"_s).toArray().contains(u"probe.txt"_s));
    }

    void failuresAreClassified_data()
    {
        QTest::addColumn<QString>("backEnd");
        QTest::addColumn<QStringList>("serverArgs");
        QTest::addColumn<QString>("message");
        for (const QString &b : kBackEnds) {
            // Gemini CLI retries a 429 itself for minutes (docs/decisions.md 44), Qwen Code seven
            // times over about 70 s; their reports of one are read by the unit tests
            // (tst_agentstreams, tst_chatclistreams). Qwen Code does not retry a 400: its answer
            // "[API Error: 400 ...]", with exit code 0, is a failure all the same.
            if (b == u"qwen")
                QTest::addRow("%s 400", qPrintable(b)) << b << QStringList{u"--fail"_s, u"99"_s, u"--status"_s, u"400"_s}
                                                       << u"error: task 1, phase 1 (plan): qwen: failed (400) ([API Error: 400"_s;
            if (b != u"gemini" && b != u"qwen")
                QTest::addRow("%s 429", qPrintable(b)) << b << QStringList{u"--fail"_s, u"99"_s, u"--status"_s, u"429"_s}
                                                       << u"error: task 1, phase 1 (plan): %1: rate limited"_s.arg(b);
            // Gemini CLI retries a 5xx ten times with a backoff from 5 s (and falls back to a
            // flash model), Qwen Code seven times with a backoff from 1.5 s, before they report
            // one: minutes, not for this suite. Their reports are read by tst_agentstreams
            // (docs/agents.md).
            if (b != u"gemini" && b != u"qwen")
                QTest::addRow("%s 500", qPrintable(b)) << b << QStringList{u"--fail"_s, u"99"_s, u"--status"_s, u"500"_s}
                                                       << u"error: task 1, phase 1 (plan): %1: overloaded"_s.arg(b);
            // OpenCode retries a broken stream five times with a backoff from 2 s (about a
            // minute, whatever retry-after-ms says); its error line is read by tst_chatclistreams.
            if (b != u"opencode")
                QTest::addRow("%s malformed", qPrintable(b)) << b << QStringList{u"--malformed"_s, u"99"_s}
                                                             << u"error: task 1, phase 1 (plan): %1: "_s.arg(b);
        }
    }

    void failuresAreClassified()
    {
        QFETCH(QString, backEnd);
        QFETCH(QStringList, serverArgs);
        QFETCH(QString, message);
        Scenario s("## Task 1\nT1: do it.\n@write a.txt a\n");
        ModelServer server(serverArgs);
        QVERIFY(s.isValid() && server.isRunning());
        // Failing, not waiting for the limit to lift (tst_unattended waits).
        const auto r = runWith(backEnd, s, server, {u"--on-rate-limit"_s, u"fail"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(message), PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), QList<int>{});
    }

    void twoTasksPlannedByOneBackEndAreExecutedByAnotherAndCommitted_data() { addBackEnds(); }
    void twoTasksPlannedByOneBackEndAreExecutedByAnotherAndCommitted()
    {
        // The back-end under test executes; the next one of the six plans, with a model of its
        // own. Every call is recorded with its back-end, and the usage adds up.
        QFETCH(QString, backEnd);
        const QString planner = kAll.value((kAll.indexOf(backEnd) + 1) % kAll.size());
        QVERIFY2(!PealTest::agentCli(planner).isEmpty(), qPrintable(planner + u" is not installed"_s));
        Scenario s(kTwoTasks);
        ModelServer server;
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = s.run({u"--agent-plugin"_s, backEnd, u"--agent-cmd"_s, PealTest::agentCli(backEnd), u"--plan-agent"_s,
                              planner, u"--plan-model"_s, kPlanModel.value(planner), u"--execute-model"_s,
                              kExecuteModel.value(backEnd), u"--stet-path"_s, u"/nonexistent"_s, u"--commit-after-phase2"_s},
                             server.environment(), 240000);
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        // The real CLI's edits, committed task by task.
        const QStringList commits = s.commits();
        QCOMPARE(commits.size(), 3);
        QVERIFY(commits[0].startsWith(u"peal: task 2"_s));
        QVERIFY(commits[1].startsWith(u"peal: task 1"_s));
        QCOMPARE(fileAt(s, u"HEAD~1"_s, u"hello.txt"_s), u"Hello from task 1\n"_s);
        QCOMPARE(fileAt(s, u"HEAD"_s, u"bye.txt"_s), u"Goodbye from task 2\n"_s);
        // Two calls per task (plan, execute), each a tool turn and an answer, in the checkout.
        for (const QJsonObject &request : server.requests()) {
            const QString cwd = request.value(u"cwd"_s).toString();
            if (!cwd.isEmpty())
                QCOMPARE(QFileInfo(cwd).canonicalFilePath(), QFileInfo(s.repo()).canonicalFilePath());
        }
        QVERIFY2(r.err.contains(u"phase 2 events phase=2 task_index=2"_s), PealTest::tail(r.err).constData());
        // The run's journal tells what the CLI did and said, for the dashboard's "agents at work".
        const QDir runs(s.stateDir() + u"/runs"_s);
        const QStringList journals = runs.entryList({u"*.jsonl"_s});
        QCOMPARE(journals.size(), 1);
        QByteArray tool, said;
        for (const QByteArray &line : PealTest::readFile(runs.filePath(journals.first())).split('\n')) {
            if (line.contains("\"kind\":\"agent_activity\""))
                (line.contains("\"said\":true") ? said : tool) += line + '\n';
        }
        QVERIFY2(tool.contains("hello.txt"), tool.constData());
        QVERIFY2(!said.isEmpty(), tool.constData());
        QStringList apis;
        for (const QJsonObject &request : server.requests())
            apis << request.value(u"api"_s).toString();
        const QString p = kApiOf.value(planner);
        const QString e = kApiOf.value(backEnd);
        QCOMPARE(apis, (QStringList{p, p, e, e, p, p, e, e}));
        QCOMPARE(server.requests().value(2).value(u"model"_s).toString(), modelSeen(kExecuteModel.value(backEnd)));
        QCOMPARE(server.requests().value(0).value(u"model"_s).toString(), modelSeen(kPlanModel.value(planner)));
        const auto header = [&](const QString &file) {
            return QJsonDocument::fromJson(PealTest::readFile(s.stateDir() + u"/tasks/1/"_s + file).split('\n').first()).object();
        };
        QCOMPARE(header(u"plan-1.jsonl"_s).value(u"agent"_s).toString(), planner);
        QCOMPARE(header(u"execute-1.jsonl"_s).value(u"agent"_s).toString(), backEnd);
        // The back-end under test counted its own call's tokens (the server's: 100 in, 20 out,
        // 30 cached per request, two requests) and, where it reports one, its cost.
        const QJsonObject end = QJsonDocument::fromJson(PealTest::readFile(s.stateDir() + u"/tasks/1/execute-1.jsonl"_s)
                                                            .trimmed().split('\n').last()).object();
        QVERIFY2(end.value(u"input_tokens"_s).toInt() >= 140, qPrintable(QString::fromUtf8(QJsonDocument(end).toJson())));
        QCOMPARE(end.value(u"output_tokens"_s).toInt(), 40);
        // The server reports cached tokens on the OpenAI APIs only.
        const bool cached = kApiOf.value(backEnd) == u"openai" || kApiOf.value(backEnd) == u"chat";
        QCOMPARE(end.value(u"cache_read_tokens"_s).toInt(), cached ? 60 : 0);
        QCOMPARE(end.contains(u"cost_usd"_s), kReportCost.contains(backEnd));
        const QJsonObject usage = PealTest::json(s.summaryJson()).value(u"usage"_s).toObject();
        QCOMPARE(usage.value(u"agent_calls"_s).toInt(), 4);
        QVERIFY(usage.value(u"input_tokens"_s).toInt() > 0);
        // Only Claude Code and OpenCode report a cost.
        QCOMPARE(usage.contains(u"cost_usd"_s), kReportCost.contains(backEnd) || kReportCost.contains(planner));
        QCOMPARE(usage.value(u"tasks"_s).toObject().value(u"1"_s).toObject().value(u"agent_calls"_s).toInt(), 2);
        const auto status = PealTest::runPeal({u"status"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                               s.stateDir()});
        QVERIFY2(status.out.contains(u"usage:     4 agent call(s)"_s), qPrintable(status.out));
    }

    void theDemoRunsTheRealCli_data() { addBackEnds(); }
    void theDemoRunsTheRealCli()
    {
        // `peal demo --agent <cli>`: the real CLI edits the demo repository, no account needed.
        QFETCH(QString, backEnd);
        QTemporaryDir temp;
        const QString dir = temp.filePath(u"demo"_s);
        const QHash<QString, QString> path{{u"PATH"_s, PealTest::agentCliBinDir() + u':' + qEnvironmentVariable("PATH")}};
        const auto r = PealTest::runPeal({u"demo"_s, u"--agent"_s, backEnd, u"--dir"_s, dir}, {}, path, 240000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY(r.out.contains(u"run with the real %1"_s.arg(backEnd)));
        QCOMPARE(QString::fromUtf8(PealTest::readFile(dir + u"/repo/greeting.txt"_s)), u"Hello from peal and a real agent!\n"_s);
        QVERIFY(QFile::exists(dir + u"/repo/NOTES.md"_s));
        QCOMPARE(PealTest::git(dir + u"/repo"_s, {u"status"_s, u"--porcelain"_s}), QString()); // all committed
        // The demo's model server is gone with the demo.
        const auto left = PealTest::run(u"pgrep"_s, {u"-f"_s, u"peal-model-server --port-file "_s + dir});
        QCOMPARE(left.exitCode, 1);
    }

    void aParallelBlockWithWorktrees_data() { addBackEnds(); }
    void aParallelBlockWithWorktrees()
    {
        QFETCH(QString, backEnd);
        Scenario s("## Task 1 (parallel)\nOne.\n@write one.txt 1\n\n## Task 2 (parallel)\nTwo.\n@write two.txt 2\n");
        ModelServer server;
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = runWith(backEnd, s, server, {u"--parallel"_s, u"--max-parallel"_s, u"2"_s, u"--isolation"_s,
                                                    u"worktree"_s, u"--commit-after-phase2"_s});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        for (const QString &file : {u"one.txt"_s, u"two.txt"_s})
            QVERIFY2(!fileAt(s, u"HEAD"_s, file).isEmpty(), qPrintable(file));
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        // Each task's calls ran in its own worktree, not in the checkout: as the CLIs told the
        // model (Gemini CLI does not say), and as peal recorded them.
        for (const QJsonObject &request : server.requests()) {
            const QString cwd = request.value(u"cwd"_s).toString();
            if (!cwd.isEmpty())
                QVERIFY2(cwd.contains(u"/worktrees/task-"_s), qPrintable(cwd));
        }
        QSet<QString> worktrees;
        for (int task = 1; task <= 2; ++task) {
            const QString workspace = PealTest::json(PealTest::readFile(s.stateDir() + u"/tasks/%1/execute-1.jsonl"_s.arg(task))
                                                         .split('\n').first())
                                          .value(u"workspace"_s)
                                          .toString();
            QVERIFY2(workspace.contains(u"/worktrees/task-%1"_s.arg(task)), qPrintable(workspace));
            worktrees.insert(workspace);
        }
        QCOMPARE(worktrees.size(), 2);
    }

    void aDiamondGraphInWorktreesWithClaudeCode()
    {
        // A graph plan (1 -> 2, 3 -> 4) with the real Claude Code: each task in its own worktree
        // as soon as its waits are done, each committed on its own.
        if (!kBackEnds.contains(u"claude"_s))
            QSKIP("Claude Code is not among PEAL_TEST_BACKENDS for this run");
        Scenario s("## Task 1\nThe model.\n@write model.txt model\n\n## Task 2 (after 1)\nThe CLI.\n@write cli.txt cli\n\n"
                   "## Task 3 (after 1)\nThe endpoint.\n@write http.txt http\n\n## Task 4 (after 2, 3)\nThe docs.\n"
                   "@write docs.txt docs\n");
        ModelServer server;
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = runWith(u"claude"_s, s, server, {u"--parallel"_s, u"--max-parallel"_s, u"4"_s, u"--isolation"_s,
                                                         u"worktree"_s, u"--commit-after-phase2"_s});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4}));
        const QStringList files{u"model.txt"_s, u"cli.txt"_s, u"http.txt"_s, u"docs.txt"_s};
        for (int task = 1; task <= 4; ++task) {
            const QString sha = PealTest::git(s.repo(), {u"log"_s, u"--format=%H"_s, u"--grep=^peal: task %1 "_s.arg(task)}).trimmed();
            QVERIFY2(!sha.isEmpty(), qPrintable(u"no commit of task %1"_s.arg(task)));
            const QString changed = PealTest::git(s.repo(), {u"show"_s, u"--name-only"_s, u"--format="_s, sha}).trimmed();
            QCOMPARE(changed, files[task - 1]);
        }
        // Tasks 2-4 worked in worktrees; task 4's held the files of 2 and 3 (it was made after them).
        QVERIFY(!fileAt(s, u"HEAD"_s, u"docs.txt"_s).isEmpty());
    }

    void aTwelveTaskGraphWithClaudeCode()
    {
        // The benchmark's graph (bench/run.sh graph): up to three waits per task, four at once.
        if (!kBackEnds.contains(u"claude"_s))
            QSKIP("Claude Code is not among PEAL_TEST_BACKENDS for this run");
        const QList<QPair<int, QString>> tasks{{1, {}}, {2, u"1"_s}, {3, u"1"_s}, {4, u"1"_s}, {5, u"2"_s}, {6, u"2, 3"_s},
                                              {7, u"4"_s}, {8, u"5"_s}, {9, u"6, 7"_s}, {10, u"7"_s}, {11, u"8, 9"_s},
                                              {12, u"10"_s}};
        QByteArray plan;
        for (const auto &[n, waits] : tasks)
            plan += u"## Task %1%2\nStep %1.\n@write f%1.txt %1\n\n"_s
                        .arg(n)
                        .arg(waits.isEmpty() ? QString() : u" (after %1)"_s.arg(waits))
                        .toUtf8();
        Scenario s(plan);
        ModelServer server;
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = runWith(u"claude"_s, s, server, {u"--parallel"_s, u"--max-parallel"_s, u"4"_s, u"--isolation"_s,
                                                         u"worktree"_s, u"--commit-after-phase2"_s});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(s.completed().size(), 12);
        QCOMPARE(PealTest::git(s.repo(), {u"log"_s, u"--format=%s"_s}).count(u"peal: task "_s), 12);
        for (int n = 1; n <= 12; ++n)
            QVERIFY2(!fileAt(s, u"HEAD"_s, u"f%1.txt"_s.arg(n)).isEmpty(), qPrintable(u"f%1.txt"_s.arg(n)));
    }
};

QTEST_GUILESS_MAIN(tst_Agents)
#include "tst_agents.moc"
