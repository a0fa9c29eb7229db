// SPDX-License-Identifier: MIT
// peal driving the real Claude Code CLI (the pinned npm release scripts/test.sh installs)
// against the scripted model server: the model asks for the CLI's own Write tool, so the edits
// that peal commits are made by the real CLI.
#include "realcli.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::ModelServer;
using PealTest::Scenario;

namespace {

const QByteArray kTwoTasks = "## Task 1\nCreate the greeting.\n@write hello.txt Hello from task 1\n\n"
                             "## Task 2\nCreate the farewell.\n@write bye.txt Goodbye from task 2\n";

// `peal run` with the claude plugin, no reviewer, against `server`.
PealTest::RunResult runClaude(const Scenario &s, const ModelServer &server, QStringList extra = {})
{
    return s.run(QStringList{u"--agent-plugin"_s, u"claude"_s, u"--agent-cmd"_s, PealTest::agentCli(u"claude"_s),
                             u"--stet-path"_s, u"/nonexistent"_s}
                     + extra,
                 server.claudeEnvironment(), 180000);
}

QString fileAt(const Scenario &s, const QString &revision, const QString &path)
{
    return PealTest::git(s.repo(), {u"show"_s, revision + u':' + path});
}

} // namespace

class tst_Claude : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (PealTest::agentCli(u"claude"_s).isEmpty())
            QFAIL(qPrintable(u"Claude Code is not installed in "_s + PealTest::agentCliBinDir()
                             + u"; scripts/test.sh installs the pinned version (install_agent_clis)"_s));
    }

    void twoTasksAreEditedByTheRealCliAndCommitted()
    {
        Scenario s(kTwoTasks);
        ModelServer server;
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = runClaude(s, server, {u"--commit-after-phase2"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QStringList commits = s.commits();
        QCOMPARE(commits.size(), 3);
        QVERIFY(commits[0].startsWith(u"peal: task 2"_s));
        QVERIFY(commits[1].startsWith(u"peal: task 1"_s));
        QCOMPARE(fileAt(s, u"HEAD~1"_s, u"hello.txt"_s), u"Hello from task 1\n"_s);
        QCOMPARE(fileAt(s, u"HEAD"_s, u"bye.txt"_s), u"Goodbye from task 2\n"_s);
        // Two calls per task (plan, execute), each a tool turn and an answer; each ran in the repo.
        const QList<QJsonObject> requests = server.requests();
        QCOMPARE(requests.size(), 8);
        for (const QJsonObject &request : requests)
            QCOMPARE(QFileInfo(request.value(u"cwd"_s).toString()).canonicalFilePath(), QFileInfo(s.repo()).canonicalFilePath());
        QVERIFY2(r.err.contains(u"phase 2 events phase=2 task_index=2"_s), qPrintable(r.err));
    }

    void planModeDoesNotWrite()
    {
        // The model tries to write probe.txt in every phase whose prompt names it; only the plan
        // prompt does, and Claude Code's plan mode refuses the write.
        Scenario s("## Task 1\nTry it.\n@probe probe.txt written in plan mode\n@write real.txt written in execute\n");
        ModelServer server;
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = runClaude(s, server);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(!QFile::exists(s.repo() + u"/probe.txt"_s));
        QCOMPARE(QString::fromUtf8(PealTest::readFile(s.repo() + u"/real.txt"_s)), u"written in execute\n"_s);
        const QList<QJsonObject> requests = server.requests();
        QVERIFY(!requests.isEmpty());
        QVERIFY(requests[0].value(u"directives"_s).toArray().contains(u"probe.txt"_s));
        QVERIFY(requests[1].value(u"tool_result"_s).toBool()); // the refusal came back to the model
    }

    void failuresAreClassified_data()
    {
        QTest::addColumn<QStringList>("serverArgs");
        QTest::addColumn<QString>("message");
        QTest::newRow("429") << QStringList{u"--fail"_s, u"9"_s, u"--status"_s, u"429"_s}
                             << u"error: task 1, phase 1 (plan): claude: rate limited (429)"_s;
        QTest::newRow("500") << QStringList{u"--fail"_s, u"9"_s, u"--status"_s, u"500"_s}
                             << u"error: task 1, phase 1 (plan): claude: overloaded (500)"_s;
        QTest::newRow("malformed") << QStringList{u"--malformed"_s, u"9"_s}
                                   << u"error: task 1, phase 1 (plan): claude: failed"_s;
    }

    void failuresAreClassified()
    {
        QFETCH(QStringList, serverArgs);
        QFETCH(QString, message);
        Scenario s("## Task 1\nT1: do it.\n@write a.txt a\n");
        ModelServer server(serverArgs);
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = runClaude(s, server);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QCOMPARE(s.completed(), QList<int>{});
    }

    void aParallelBlockWithWorktrees()
    {
        Scenario s("## Task 1 (parallel)\nOne.\n@write one.txt 1\n\n## Task 2 (parallel)\nTwo.\n@write two.txt 2\n\n"
                   "## Task 3 (parallel)\nThree.\n@write three.txt 3\n");
        ModelServer server;
        QVERIFY(s.isValid() && server.isRunning());
        const auto r = runClaude(s, server, {u"--parallel"_s, u"--max-parallel"_s, u"3"_s, u"--isolation"_s,
                                             u"worktree"_s, u"--commit-after-phase2"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        for (const QString &file : {u"one.txt"_s, u"two.txt"_s, u"three.txt"_s})
            QVERIFY2(!fileAt(s, u"HEAD"_s, file).isEmpty(), qPrintable(file));
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3}));
        // Each task's calls ran in its own worktree, not in the checkout.
        for (const QJsonObject &request : server.requests())
            QVERIFY(request.value(u"cwd"_s).toString().contains(u"/worktrees/task-"_s));
    }
};

QTEST_GUILESS_MAIN(tst_Claude)
#include "tst_claude.moc"
