// SPDX-License-Identifier: MIT
// `peal run` end to end: the real binary against real git repositories with the demo agent (or
// system tools where the reference used them), comparing exit codes, state.json,
// run_summary.json and the agent calls (reference §13.5 main, §13.10 runner, §13.6 phase).
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

using PealTest::json;
using PealTest::ints;
using PealTest::lastLine;

namespace {

const QByteArray threeTasks = "## Task 1\nT1: first\n\n## Task 2\nT2: second\n\n## Task 3\nT3: third\n";

} // namespace

class tst_Run : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- main (reference §13.5) ----

    void failsWhenPlanFileMissing()
    {
        Scenario s;
        QVERIFY(s.isValid());
        QFile::remove(s.planPath());
        const auto r = s.run();
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(lastLine(r.err).startsWith(u"error: Invalid or missing plan file."), PealTest::tail(r.err).constData());
    }

    void failsWhenPlanHasNoTasksAndWritesNoSummary()
    {
        Scenario s("# Just a title\n\nNo tasks here.\n");
        QVERIFY(s.isValid());
        const auto r = s.run();
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"error: Invalid or missing plan file. ("), PealTest::tail(r.err).constData());
        QVERIFY(r.err.contains(u"no task headings"));
        QVERIFY(s.summaryJson().isEmpty());
        QVERIFY(s.agentLogLines().isEmpty());
    }

    void canonicalButMalformedHeadingsAreNotNormalized()
    {
        Scenario s("## Task 1 - titled\nbody\n");
        const auto r = s.run({u"--normalize"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains(u"Invalid or missing plan file."));
        QVERIFY(s.agentLogLines().isEmpty()); // no normalisation call
    }

    void failsWhenAgentNotFound()
    {
        Scenario s;
        const auto r = s.run({u"--agent-cmd"_s, u"no-such-agent-peal-test"_s});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), u"error: Cursor CLI command 'no-such-agent-peal-test' not found on PATH. "
                                  "Install it from https://docs.cursor.com/cli"_s);
    }

    void failsWhenRepoNotDirectory()
    {
        Scenario s;
        const auto r = s.runRaw({u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.planPath(),
                                 u"--agent-cmd"_s, PealTest::demoAgent()});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains(u"Target path is not a directory: "));
    }

    void succeedsWithEchoAsAgent()
    {
        // The reference's smoke test: `echo` stands in for the agent.
        Scenario s;
        const auto r = s.run({u"--agent-cmd"_s, u"echo"_s, u"--stet-path"_s, u"/nonexistent"_s});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject summary = json(s.summaryJson());
        QCOMPARE(ints(summary.value(u"tasks_completed")), QList<int>{1});
        QCOMPARE(summary.value(u"exit_code").toInt(), 0);
        QCOMPARE(summary.value(u"plan_path").toString(), s.planPath());
        QCOMPARE(summary.value(u"repo_path").toString(), s.repo());
        QVERIFY(summary.value(u"completed_at").toString().endsWith(u"+00:00"));
        QCOMPARE(s.completed(), QList<int>{1});
    }

    void summaryPathOverride()
    {
        Scenario s;
        const QString path = s.path(u"out/custom-summary.json"_s);
        const auto r = s.run({u"--run-summary-path"_s, path});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QFile::exists(path));
        QVERIFY(s.summaryJson().isEmpty());
        QCOMPARE(ints(json(PealTest::readFile(path)).value(u"tasks_completed")), QList<int>{1});
    }

    void canonicalPlanWithNormalizeFlagSkipsNormalization()
    {
        Scenario s;
        const auto r = s.run({u"--normalize"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
    }

    void nonCanonicalPlanIsNormalizedThroughTheAgent()
    {
        Scenario s("Things to do:\n- T1: make the first file\n- T2: make the second file\n");
        const auto r = s.run({u"--normalize"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.agentCalls(), (QStringList{u"normalize"_s, u"plan:1"_s, u"execute:1"_s,
                                              u"plan:2"_s, u"execute:2"_s}));
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        // Normalisation uses the phase-1 argv layout.
        const QJsonArray argv = json(s.agentLogLines().first()).value(u"argv").toArray();
        QCOMPARE(argv.at(0).toString(), u"--print"_s);
        QCOMPARE(argv.at(1).toString(), u"--plan"_s);
        QVERIFY(argv.last().toString().contains(u"---DOC---"));
    }

    void normalizeParseFailureReportsSnippet()
    {
        Scenario s("loose notes, not a plan\n");
        const auto r = s.run({u"--normalize"_s},
                             {{u"PEAL_FAKE_AGENT_NORMALIZE_OUTPUT"_s, u"Sorry, I cannot do that."_s}});
        QCOMPARE(r.exitCode, 1);
        // One error line; the snippet is in the log.
        QVERIFY2(r.err.contains(u"error: Normalized plan output could not be parsed (no canonical tasks found) "
                                "(the agent's answer begins 'Sorry, I cannot do that.'; more in the log)\n"),
                 PealTest::tail(r.err).constData());
        QVERIFY(r.err.contains(u"normalized output that did not parse snippet=\"Sorry, I cannot do that.\""));
        QCOMPARE(s.agentCalls(), QStringList{u"normalize"_s});
    }

    void normalizeRetrySucceedsOnSecondAttempt()
    {
        Scenario s("notes:\n- T1: one thing\n");
        const auto r = s.run({u"--normalize"_s, u"--normalize-retry-count"_s, u"1"_s},
                             {{u"PEAL_FAKE_AGENT_NORMALIZE_FIRST_OUTPUT"_s, u"garbage"_s},
                              {u"PEAL_FAKE_AGENT_COUNTER"_s, s.path(u"counter"_s)}});
        QCOMPARE(r.exitCode, 0);
        // Exactly 4 agent invocations: 2 normalisations, phase 1, phase 2.
        QCOMPARE(s.agentCalls(), (QStringList{u"normalize"_s, u"normalize"_s, u"plan:1"_s, u"execute:1"_s}));
        QVERIFY(r.err.contains(u"normalized output did not parse, retrying normalization"));
    }

    void normalizeAgentFailureMessage()
    {
        Scenario s("notes:\n- T1: x\n");
        const auto r = s.run({u"--normalize"_s}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"---DOC---"_s},
                                                  {u"PEAL_FAKE_AGENT_EXIT_CODE"_s, u"7"_s}});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"Plan normalization failed: agent exited with code 7: "
                                "peal-demo-agent: failing as asked"),
                 PealTest::tail(r.err).constData());
    }

    void customNormalizationTemplate()
    {
        Scenario s("- T1: templated\n");
        QVERIFY(PealTest::writeFile(s.path(u"tmpl.txt"_s), "Make a plan:\n---DOC---\n{{DOC}}\n---DOC---\nthanks"));
        const auto r = s.run({u"--normalize"_s}, {{u"PEAL_NORMALIZE_PROMPT_PATH"_s, s.path(u"tmpl.txt"_s)}});
        QCOMPARE(r.exitCode, 0);
        const QString prompt = json(s.agentLogLines().first()).value(u"argv").toArray().last().toString();
        QCOMPARE(prompt, u"Make a plan:\n---DOC---\n- T1: templated\n\n---DOC---\nthanks"_s);
    }

    void succeedsWithConfigFile()
    {
        Scenario s;
        const QByteArray toml = "plan_path = \"" + s.planPath().toUtf8() + "\"\nrepo_path = \"" + s.repo().toUtf8()
                                + "\"\nagent_cmd = \"" + PealTest::demoAgent().toUtf8() + "\"\nstate_dir = \""
                                + s.stateDir().toUtf8() + "\"\n";
        QVERIFY(PealTest::writeFile(s.path(u"peal.toml"_s), toml));
        const auto r = s.runRaw({u"run"_s, u"--config"_s, s.path(u"peal.toml"_s)});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.completed(), QList<int>{1});
    }

    void taskFlagRunsSingleTask()
    {
        Scenario s(threeTasks);
        const auto r = s.run({u"--task"_s, u"2"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.completed(), QList<int>{2});
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:2"_s, u"execute:2"_s}));
        // Doing it again does nothing and still exits 0.
        const auto again = s.run({u"--task"_s, u"2"_s});
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(s.agentCalls().size(), 2);
    }

    void fromTaskRunsTail()
    {
        Scenario s(threeTasks);
        const auto r = s.run({u"--from-task"_s, u"2"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.completed(), (QList<int>{2, 3}));
    }

    void taskNotFound()
    {
        Scenario s(threeTasks);
        const auto r = s.run({u"--task"_s, u"9"_s});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), u"error: Task 9 not found in plan (available: [1, 2, 3])"_s);
    }

    void failsWithoutPlanOrRepo()
    {
        Scenario s;
        const auto r = s.runRaw({u"run"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains(u"plan_path is required"));
    }

    void postRunCommands()
    {
        Scenario s;
        const auto failing = s.run({u"--post-run-commands"_s, u"false"_s});
        QCOMPARE(failing.exitCode, 0);
        QVERIFY(failing.err.contains(u"post-run command failed (best-effort)"));
        QVERIFY(QFile::exists(s.stateDir() + u"/run_summary.json"_s));

        Scenario echo;
        const auto ok = echo.run({u"--post-run-commands"_s, u"echo hello, touch made-by-post-run"_s});
        QCOMPARE(ok.exitCode, 0);
        QVERIFY(ok.err.contains(u"post-run command succeeded"));
        QVERIFY(ok.err.contains(u"hello"));
        QVERIFY(QFile::exists(echo.repo() + u"/made-by-post-run"_s)); // cwd is the repo

        Scenario missing;
        const auto spawn = missing.run({u"--post-run-commands"_s, u"no-such-program-peal"_s});
        QCOMPARE(spawn.exitCode, 0);
        QVERIFY(spawn.err.contains(u"post-run command spawn failed (best-effort)"));
    }

    // ---- runner and phases (reference §13.10, §13.6) ----

    void runsBothPhasesForAllTasksInOrder()
    {
        Scenario s("## Task 30\nT30: c\n## Task 10\nT10: a\n## Task 20\nT20: b\n");
        const auto r = s.run();
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:10"_s, u"execute:10"_s, u"plan:20"_s,
                                              u"execute:20"_s, u"plan:30"_s, u"execute:30"_s}));
        QCOMPARE(s.completed(), (QList<int>{10, 20, 30}));
        QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_completed")), (QList<int>{10, 20, 30}));
        const QByteArray state = s.stateJson();
        QVERIFY(state.startsWith("{\n  \"plan_path\": "));
        QVERIFY(state.endsWith("\n}"));
    }

    void argvLayoutsAndWorkingDirectory()
    {
        Scenario s;
        const auto r = s.run({u"--model"_s, u"m-1"_s, u"--sandbox"_s, u"enabled"_s});
        QCOMPARE(r.exitCode, 0);
        const QList<QByteArray> lines = s.agentLogLines();
        QCOMPARE(lines.size(), 2);
        const QJsonObject plan = json(lines[0]);
        const QJsonObject exec = json(lines[1]);
        QStringList planArgv;
        for (const QJsonValue &v : plan.value(u"argv").toArray())
            planArgv.append(v.toString());
        QCOMPARE(planArgv.mid(0, 8), (QStringList{u"--print"_s, u"--plan"_s, u"--workspace"_s, s.repo(),
                                                  u"--output-format"_s, u"text"_s, u"--model"_s, u"m-1"_s}));
        QCOMPARE(planArgv.size(), 9);
        QCOMPARE(planArgv.last(), u"Create a plan for implementing this task:\n\n---TASK---\nT1: do it.\n---TASK---"_s);
        QStringList execArgv;
        for (const QJsonValue &v : exec.value(u"argv").toArray())
            execArgv.append(v.toString());
        QCOMPARE(execArgv.mid(0, 7), (QStringList{u"--print"_s, u"--workspace"_s, s.repo(), u"--sandbox"_s,
                                                  u"enabled"_s, u"--model"_s, u"m-1"_s}));
        QVERIFY(execArgv.last().startsWith(u"Execute the following plan. Do not re-plan; only implement and test.\n\n---PLAN---\n"));
        // Phase 2 receives phase 1's answer verbatim.
        QVERIFY(execArgv.last().contains(u"Plan: T1: do it.\n1. append peal-demo.log: done: T1: do it.\n"));
        QCOMPARE(QDir(plan.value(u"cwd").toString()).canonicalPath(), QDir(s.repo()).canonicalPath());
        // The demo agent made its edit in the repository.
        QVERIFY(QFile::exists(s.repo() + u"/peal-demo.log"_s));
    }

    void noModelMeansNoModelFlag()
    {
        Scenario s;
        QCOMPARE(s.run().exitCode, 0);
        for (const QByteArray &line : s.agentLogLines()) {
            QVERIFY(!line.contains("\"--model\""));
            QVERIFY(!line.contains("\"auto\""));
        }
    }

    void promptsNeverInPealLogs()
    {
        Scenario s("## Task 1\nT1: SECRET-PROMPT-CONTENT\n");
        const QString logFile = s.path(u"logs/peal.jsonl"_s);
        const auto r = s.run({u"--log-file"_s, logFile, u"--log-level"_s, u"trace"_s});
        QCOMPARE(r.exitCode, 0);
        const QByteArray log = PealTest::readFile(logFile);
        QVERIFY(!log.isEmpty());
        QVERIFY(log.contains("<prompt len="));
        QVERIFY(!log.contains("SECRET-PROMPT-CONTENT"));
        QVERIFY(!r.err.contains(u"SECRET-PROMPT-CONTENT"));
        // The file gets every level, one JSON object per line.
        bool sawDebug = false;
        for (const QByteArray &line : log.split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject o = json(line);
            QVERIFY(o.contains(u"timestamp"));
            QVERIFY(o.value(u"fields").toObject().contains(u"message"));
            sawDebug = sawDebug || o.value(u"level").toString() == u"DEBUG";
        }
        QVERIFY(sawDebug);
    }

    void logLevelFiltersStderr()
    {
        Scenario s;
        const auto quiet = s.run({u"--log-level"_s, u"warn"_s});
        QCOMPARE(quiet.exitCode, 0);
        QVERIFY(!quiet.err.contains(u"INFO"));
        Scenario t;
        const auto debug = t.run({}, {{u"PEAL_LOG"_s, u"debug"_s}});
        QVERIFY(debug.err.contains(u"DEBUG phase 1 argv"));
        QVERIFY(!debug.err.contains(u"\x1b["_s)); // no colour when stderr is not a terminal
    }

    void phase1NonZeroExitFailsFast()
    {
        Scenario s(threeTasks);
        const auto r = s.run({u"--agent-cmd"_s, u"false"_s});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), u"error: task 1, phase 1 (plan): agent exited with code 1"_s);
        QCOMPARE(s.completed(), QList<int>{}); // state saved, nothing completed
        QVERIFY(s.summaryJson().isEmpty());
    }

    void phase2NonZeroExit()
    {
        Scenario s;
        const auto r = s.run({}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"Execute the following plan"_s},
                                  {u"PEAL_FAKE_AGENT_STDERR"_s, u"disk on fire"_s}});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(lastLine(r.err).startsWith(u"error: task 1, phase 2 (execute): agent exited with code 1 (stderr: "), PealTest::tail(r.err).constData());
        QVERIFY(lastLine(r.err).contains(u"disk on fire")); // our hint
    }

    void phase2FailsToStart()
    {
        Scenario s;
        // A copy of the demo agent that deletes itself at the end of its first call (phase 1).
        QVERIFY(QDir().mkpath(s.path(u"bin"_s)));
        const QString agent = s.path(u"bin/agent"_s);
        QVERIFY(QFile::copy(PealTest::demoAgent(), agent));
        const auto r = s.run({u"--agent-cmd"_s, agent, u"--phase-retry-count"_s, u"2"_s},
                             {{u"PEAL_FAKE_AGENT_VANISH_AFTER"_s, u"1"_s},
                              {u"PEAL_FAKE_AGENT_COUNTER"_s, s.path(u"counter"_s)}});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(lastLine(r.err).startsWith(u"error: task 1, phase 2 (execute): agent failed to start: "), PealTest::tail(r.err).constData());
        QVERIFY(!QFile::exists(agent));
        QCOMPARE(s.agentCalls(), QStringList{u"plan:1"_s});
        // A spawn failure is never retried (spec §5.2).
        QVERIFY(!r.err.contains(u"phase 2 failed, retrying"));
        QCOMPARE(s.completed(), QList<int>{});
    }

    void phase2StdoutCarriesTheExecuteInstruction()
    {
        // The reference's echo stub: the agent prints its argv, so phase 2's stdout is its prompt.
        Scenario s;
        const QString agent = s.path(u"echo-agent"_s);
        QVERIFY(PealTest::writeFile(agent, u"#!/bin/sh\nif [ \"$2\" = --plan ]; then f=plan; else f=execute; fi\n"
                                            "printf '%s\\n' \"$*\" | tee \"%1/$f.out\"\n"_s.arg(s.dir()).toUtf8()));
        QVERIFY(QFile::setPermissions(agent, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const auto r = s.run({u"--agent-cmd"_s, agent});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        const QByteArray execute = PealTest::readFile(s.path(u"execute.out"_s));
        QVERIFY(execute.contains("Execute the following plan. Do not re-plan; only implement and test.\n\n---PLAN---\n"));
        // Phase 2 received phase 1's output, which is its own prompt echoed.
        QVERIFY(execute.contains("Create a plan for implementing this task:"));
        // What peal captured as phase 2's stdout is exactly that.
        QVERIFY2(r.err.contains(u"task complete task_index=1 plan_text_len=%1 phase2_stdout_len=%2 "_s
                                    .arg(PealTest::readFile(s.path(u"plan.out"_s)).size())
                                    .arg(execute.size())),
                 PealTest::tail(r.err).constData());
    }

    void phaseTimeout()
    {
        Scenario s;
        const auto r = s.run({u"--phase-timeout-sec"_s, u"1"_s}, {{u"PEAL_FAKE_AGENT_HANG"_s, u"1"_s}});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), u"error: task 1, phase 1 (plan): agent timed out after 1 s"_s);
    }

    void phaseFailsToStart()
    {
        Scenario s;
        // Executable bit, but not a program the kernel can run.
        const QString broken = s.path(u"broken-agent"_s);
        QVERIFY(PealTest::writeFile(broken, QByteArray("\x7f""ELFnot really", 13)));
        QVERIFY(QFile::setPermissions(broken, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const auto r = s.run({u"--agent-cmd"_s, broken});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(lastLine(r.err).startsWith(u"error: task 1, phase 1 (plan): agent failed to start: "), PealTest::tail(r.err).constData());
    }

    void retriesPhasesOnFailure()
    {
        Scenario s;
        const auto r = s.run({u"--phase-retry-count"_s, u"2"_s},
                             {{u"PEAL_FAKE_AGENT_FAIL_FIRST"_s, u"2"_s},
                              {u"PEAL_FAKE_AGENT_COUNTER"_s, s.path(u"counter"_s)}});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"plan:1"_s, u"plan:1"_s, u"execute:1"_s}));
        QVERIFY(r.err.contains(u"phase 1 failed, retrying"));
        // Without enough retries the task fails after 1 + n attempts.
        Scenario t;
        const auto fail = t.run({u"--phase-retry-count"_s, u"1"_s},
                                {{u"PEAL_FAKE_AGENT_FAIL_FIRST"_s, u"5"_s},
                                 {u"PEAL_FAKE_AGENT_COUNTER"_s, t.path(u"counter"_s)}});
        QCOMPARE(fail.exitCode, 1);
        QCOMPARE(t.agentCalls().size(), 2);
    }

    void planTextValidationRetriesOnceThenFails()
    {
        Scenario s;
        const auto r = s.run({u"--validate-plan-text"_s, u"--min-plan-text-len"_s, u"1000"_s},
                             {{u"PEAL_FAKE_AGENT_PLAN_TEXT"_s, u"x"_s}});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), u"error: task 1, phase 1 (plan): the agent returned an empty or invalid plan: plan text length "
                                  "1 below minimum 1000"_s);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"plan:1"_s}));
        Scenario ok;
        QCOMPARE(ok.run({u"--validate-plan-text"_s, u"--min-plan-text-len"_s, u"10"_s}).exitCode, 0);
        QCOMPARE(ok.agentCalls().size(), 2);
    }

    void stateDirIsCreated()
    {
        Scenario s;
        QVERIFY(!QDir(s.stateDir()).exists());
        QCOMPARE(s.run().exitCode, 0);
        QVERIFY(QFile::exists(s.stateDir() + u"/state.json"_s));
    }

    void failureKeepsOnlyCompletedTasksThenResumes()
    {
        Scenario s("## Task 10\nT10: a\n## Task 20\nT20: b\n## Task 30\nT30: c\n");
        const auto r = s.run({}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T30"_s}});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(s.completed(), (QList<int>{10, 20}));
        // Resume: only task 30 runs.
        QFile::remove(s.agentLog());
        const auto again = s.run();
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:30"_s, u"execute:30"_s}));
        QCOMPARE(s.completed(), (QList<int>{10, 20, 30}));
        QVERIFY(again.err.contains(u"resumed from existing state"));
        QVERIFY(again.err.contains(u"skipping already-completed task"));
        // The summary lists only what ran this time.
        QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_completed")), QList<int>{30});
    }

    void allCompletedRunsNothing()
    {
        Scenario s(threeTasks);
        QCOMPARE(s.run().exitCode, 0);
        QFile::remove(s.agentLog());
        const auto again = s.run();
        QCOMPARE(again.exitCode, 0);
        QVERIFY(s.agentLogLines().isEmpty());
        QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_completed")), QList<int>{});
    }

    void invalidStateFileWarnsAndStartsFresh()
    {
        Scenario s;
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s, "{ not json"));
        const auto r = s.run();
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains(u"warning: ignoring invalid state file "_s + s.stateDir() + u"/state.json: "_s));
        QCOMPARE(s.completed(), QList<int>{1});
    }

    void mismatchedStateWarnsAndStartsFresh()
    {
        Scenario s;
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s,
                                    R"({"plan_path":"other.md","repo_path":"/x","completed_task_indices":[1]})"));
        const auto r = s.run();
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains(u"warning: state file does not match current plan/repo paths; starting fresh"));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
        QCOMPARE(json(s.stateJson()).value(u"plan_path").toString(), s.planPath());
    }

    void unreadableStateFails()
    {
        Scenario s;
        QVERIFY(QDir().mkpath(s.stateDir() + u"/state.json"_s)); // a directory where the file goes
        const auto r = s.run();
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"state file"), PealTest::tail(r.err).constData());
    }

    void stateWriteFailureFailsTheTask()
    {
        Scenario s;
        QVERIFY(PealTest::writeFile(s.stateDir(), "a file, not a directory"));
        const auto r = s.run();
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(lastLine(r.err).startsWith(u"error: Failed to write state file "), PealTest::tail(r.err).constData());
    }

    void mixedPlanRunsEverySegment()
    {
        Scenario s("## Task 1\nT1: a\n## Task 2 (parallel)\nT2: b\n## Task 3 (parallel)\nT3: c\n## Task 4\nT4: d\n");
        const auto r = s.run({u"--max-parallel"_s, u"1"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4}));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"plan:2"_s, u"execute:2"_s,
                                              u"plan:3"_s, u"execute:3"_s, u"plan:4"_s, u"execute:4"_s}));
        QVERIFY(r.err.contains(u"parallel block (sequential fallback)"));
    }

    void resumeWithinParallelBlockRunsPendingOnly()
    {
        Scenario s("## Task 1\nT1: a\n## Task 2 (parallel)\nT2: b\n## Task 3 (parallel)\nT3: c\n## Task 4\nT4: d\n");
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s,
                                    QString(u"{\"plan_path\":\""_s + s.planPath() + u"\",\"repo_path\":\""_s
                                            + s.repo() + u"\",\"completed_task_indices\":[1,2]}"_s)
                                        .toUtf8()));
        const auto r = s.run();
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:3"_s, u"execute:3"_s, u"plan:4"_s, u"execute:4"_s}));
        QCOMPARE(s.completed(), (QList<int>{1, 2, 3, 4}));
    }

    void failureInSequentialFallbackStopsEvenWithContinue()
    {
        Scenario s("## Task 1 (parallel)\nT1: a\n## Task 2 (parallel)\nT2: b\n## Task 3 (parallel)\nT3: c\n");
        const auto r = s.run({u"--max-parallel"_s, u"1"_s, u"--continue-with-remaining-tasks"_s},
                             {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T1"_s}});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), u"error: task 1, phase 1 (plan): agent exited with code 1 (stderr: peal-demo-agent: failing as asked (plan mode))"_s);
        QCOMPARE(s.completed(), QList<int>{});
        QCOMPARE(s.agentCalls(), QStringList{u"plan:1"_s});
    }

    void continueWithRemainingTasksExitsTwo()
    {
        Scenario s(threeTasks);
        const auto r = s.run({u"--continue-with-remaining-tasks"_s}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T2"_s}});
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(s.completed(), (QList<int>{1, 3}));
        const QJsonObject summary = json(s.summaryJson());
        QCOMPARE(ints(summary.value(u"tasks_completed")), (QList<int>{1, 3}));
        QCOMPARE(ints(summary.value(u"tasks_failed")), QList<int>{2});
        QCOMPARE(summary.value(u"exit_code").toInt(), 2);
        QVERIFY2(r.err.contains(u"warning: task 2, phase 1 (plan): agent exited with code 1 (stderr: peal-demo-agent: "
                                "failing as asked (plan mode)); continuing with the remaining tasks\n"),
                 PealTest::tail(r.err).constData());
        QVERIFY(r.err.contains(u"warning: finished with issues (exit 2): failed: task 2\n"));
        // --quiet keeps both lines, and only them.
        Scenario q(threeTasks);
        const auto quiet = q.run({u"--continue-with-remaining-tasks"_s, u"--quiet"_s, u"--no-review"_s},
                                 {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T2"_s}});
        QCOMPARE(quiet.exitCode, 2);
        QCOMPARE(quiet.err.count(u'\n'), 2);
        QVERIFY(quiet.err.startsWith(u"warning: task 2, phase 1 (plan): agent exited with code 1"));
    }

    void consecutiveFailureCapStopsTheRun_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("cap");
        QTest::newRow("cap 2 with continue") << QStringList{u"--continue-with-remaining-tasks"_s,
                                                            u"--max-consecutive-task-failures"_s, u"2"_s}
                                             << 2 << 2;
        QTest::newRow("cap 1 without continue") << QStringList{u"--max-consecutive-task-failures"_s, u"1"_s} << 1 << 1;
        QTest::newRow("cap 0 stops at once") << QStringList{u"--max-consecutive-task-failures"_s, u"0"_s} << 1 << 0;
    }
    void consecutiveFailureCapStopsTheRun()
    {
        QFETCH(QStringList, args);
        QFETCH(int, count);
        QFETCH(int, cap);
        Scenario s(threeTasks);
        const auto r = s.run(args, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"Create a plan"_s}});
        QCOMPARE(r.exitCode, 3);
        QCOMPARE(lastLine(r.err), u"error: Run stopped: %1 consecutive task failure(s) reached cap %2."_s.arg(count).arg(cap));
        QCOMPARE(s.completed(), QList<int>{});
        QVERIFY(s.summaryJson().isEmpty());
    }

    void capCounterResetsOnSuccess()
    {
        Scenario s("## Task 1\nT1\n## Task 2\nT2\n## Task 3\nT3\n## Task 4\nT4\n");
        // Failures at 1 and 3 are not consecutive: cap 2 is never reached.
        const auto r = s.run({u"--continue-with-remaining-tasks"_s, u"--max-consecutive-task-failures"_s, u"2"_s},
                             {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"FAILME"_s}});
        QCOMPARE(r.exitCode, 0);
        Scenario t("## Task 1\nT1 FAILME\n## Task 2\nT2\n## Task 3\nT3 FAILME\n## Task 4\nT4\n");
        const auto r2 = t.run({u"--continue-with-remaining-tasks"_s, u"--max-consecutive-task-failures"_s, u"2"_s},
                              {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"FAILME"_s}});
        QCOMPARE(r2.exitCode, 2);
        QCOMPARE(t.completed(), (QList<int>{2, 4}));
    }

    void commitAfterPhase2()
    {
        Scenario s("## Task 1\nT1: greet\nwrite hello.txt: hi\n## Task 2\nT2: nothing new\n");
        const auto r = s.run({u"--commit-after-phase2"_s});
        QCOMPARE(r.exitCode, 0);
        const QStringList commits = s.commits();
        QCOMPARE(commits.size(), 3);
        QCOMPARE(commits[1], u"peal: task 1 - Plan: T1: greet"_s);
        QVERIFY(commits[0].startsWith(u"peal: task 2"));
        QCOMPARE(PealTest::git(s.repo(), {u"status"_s, u"--porcelain"_s}), QString());
    }

    void commitWithCleanTreeIsANoOp()
    {
        Scenario s;
        // The agent changes nothing: plan text has no directive and execute applies nothing.
        const auto r = s.run({u"--commit-after-phase2"_s},
                             {{u"PEAL_FAKE_AGENT_PLAN_TEXT"_s, u"nothing to change"_s}});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains(u"nothing to commit after phase 2 (working tree clean)"));
        QCOMPARE(s.commits().size(), 1);
    }

    void commitFailureFailsTheTask()
    {
        Scenario s("## Task 1\nT1\nwrite a.txt: x\n");
        // A pre-commit hook that rejects every commit.
        QVERIFY(PealTest::writeFile(s.repo() + u"/.git/hooks/pre-commit"_s, "#!/bin/sh\necho hook says no >&2\nexit 1\n"));
        QVERIFY(QFile::setPermissions(s.repo() + u"/.git/hooks/pre-commit"_s,
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const auto r = s.run({u"--commit-after-phase2"_s});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), u"error: task 1: commit after phase 2 failed: git commit failed: hook says no"_s);
        QCOMPARE(s.completed(), QList<int>{});
    }

    void boundedCaptureOfHugeOutput()
    {
        Scenario s;
        // 64 MiB on stdout of phase 2: the task succeeds; only the head is kept.
        const auto r = s.run({}, {{u"PEAL_FAKE_AGENT_PRINT_BYTES"_s, u"67108864"_s}});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.completed(), QList<int>{1});
    }

    void invalidUtf8FromAgentIsTolerated()
    {
        Scenario s;
        const auto r = s.run({u"--commit-after-phase2"_s}, {{u"PEAL_FAKE_AGENT_INVALID_UTF8"_s, u"1"_s}});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(s.commits().first().startsWith(u"peal: task 1 - Plan: T1: do it."));
    }

    void emptyStateDirIsTheCurrentDirectory()
    {
        // `--state-dir ""`: the reference's create_dir_all("") is a no-op and its files land in
        // the current directory; so do ours, worktrees included.
        Scenario s("## Task 1\nT1: first\n\n## Task 2 (parallel)\nwrite file2.txt: 2\n\n"
                   "## Task 3 (parallel)\nwrite file3.txt: 3\n");
        const QString work = s.path(u"work"_s);
        QVERIFY(QDir().mkpath(work));
        const auto r = s.runRaw({u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s, QString(),
                                 u"--agent-cmd"_s, PealTest::demoAgent(), u"--max-parallel"_s, u"2"_s,
                                 u"--isolation"_s, u"worktree"_s},
                                {}, 120000, work);
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        const QJsonObject state = json(PealTest::readFile(work + u"/state.json"_s));
        QCOMPARE(ints(state.value(u"completed_task_indices")), (QList<int>{1, 2, 3}));
        QCOMPARE(json(PealTest::readFile(work + u"/run_summary.json"_s)).value(u"exit_code").toInt(), 0);
        QCOMPARE(json(PealTest::readFile(work + u"/last_run.json"_s)).value(u"outcome").toString(), u"success"_s);
        QVERIFY(!QFile::exists(s.stateDir()));
        int isolated = 0;
        for (const QByteArray &line : s.agentLogLines()) {
            const QJsonArray argv = json(line).value(u"argv").toArray();
            const QString workspace = argv.at(argv.toVariantList().indexOf(u"--workspace"_s) + 1).toString();
            for (int i = 2; i <= 3; ++i) {
                if (argv.last().toString().contains(u"file%1.txt"_s.arg(i))) {
                    QCOMPARE(workspace, QDir(work).absoluteFilePath(u"worktrees/task-%1"_s.arg(i)));
                    ++isolated;
                }
            }
        }
        QCOMPARE(isolated, 4);
        for (int i = 2; i <= 3; ++i)
            QCOMPARE(PealTest::readFile(s.repo() + u"/file%1.txt"_s.arg(i)), QByteArray::number(i) + '\n');
        // A second run resumes from the same files.
        const auto again = s.runRaw({u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir="_s,
                                     u"--agent-cmd"_s, PealTest::demoAgent()},
                                    {}, 120000, work);
        QCOMPARE(again.exitCode, 0);
        QVERIFY(again.err.contains(u"resumed from existing state"));
    }

    void relativePathsFromTheWorkingDirectory()
    {
        // Paths relative to the process cwd; the workspace is passed exactly as given.
        Scenario s;
        const auto r = s.runRaw({u"run"_s, u"--plan"_s, u"plan.md"_s, u"--repo"_s, u"repo"_s,
                                 u"--agent-cmd"_s, PealTest::demoAgent()});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QFile::exists(s.path(u".peal/state.json"_s)));
        const QJsonArray argv = json(s.agentLogLines().first()).value(u"argv").toArray();
        QCOMPARE(argv.at(3).toString(), u"repo"_s);
        QCOMPARE(json(PealTest::readFile(s.path(u".peal/state.json"_s))).value(u"repo_path").toString(), u"repo"_s);
    }
};

QTEST_GUILESS_MAIN(tst_Run)
#include "tst_run.moc"
