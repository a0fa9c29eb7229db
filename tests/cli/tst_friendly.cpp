// SPDX-License-Identifier: MIT
// The friendly command line: `peal status`, last_run.json, --quiet, the live progress line on
// a terminal, and the generated shell completions and man page - all through the real binary.
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

using PealTest::ints;

namespace {

const QByteArray kThreeTasks = "## Task 1\nT1: one\n\n## Task 2 (parallel)\nT2: two\n\n"
                               "## Task 3 (parallel)\nT3: three\n";

QStringList scenarioArgs(const Scenario &s, const QString &command)
{
    return {command, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s, s.stateDir()};
}

PealTest::RunResult status(const Scenario &s, const QStringList &extra = {})
{
    return s.runRaw(scenarioArgs(s, u"status"_s) + extra);
}

QJsonObject statusJson(const Scenario &s)
{
    const auto r = status(s, {u"--json"_s});
    return QJsonDocument::fromJson(r.out.toUtf8()).object();
}

QString taskStatus(const QJsonObject &status, int index)
{
    for (const QJsonValue &t : status.value(u"tasks"_s).toArray())
        if (t.toObject().value(u"index"_s).toInt() == index)
            return t.toObject().value(u"status"_s).toString();
    return u"<missing>"_s;
}

// Runs `bash -c script` and returns stdout (tests only).
QString bash(const QString &script)
{
    return PealTest::run(u"/bin/bash"_s, {u"-c"_s, script}).out;
}

} // namespace

class tst_Friendly : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- peal status ----

    void statusBeforeAnyRun()
    {
        Scenario s(kThreeTasks);
        const auto r = status(s);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(u"plan:      %1 (3 tasks, 2 segments)"_s.arg(s.planPath())), qPrintable(r.out));
        QVERIFY(r.out.contains(u"does not exist yet (no task completed)"));
        QVERIFY(r.out.contains(u"last run:  none recorded"));
        QVERIFY(r.out.contains(u"  2       pending              2 (parallel 2-3)"));
        QVERIFY(r.out.contains(u"next: 'peal run' would start fresh at task 1 (3 of 3 tasks left)"));
        QVERIFY(!QFile::exists(s.stateDir())); // status writes nothing
    }

    void statusAfterAFailedRun()
    {
        Scenario s(kThreeTasks);
        const auto run = s.run({}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T2"_s}});
        QCOMPARE(run.exitCode, 1);
        const auto r = status(s);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(u"(1 of 3 tasks done)"), qPrintable(r.out));
        QVERIFY(r.out.contains(u", exit 1 (failed): task 2, phase 1 (plan): agent exited with code 1"));
        QVERIFY(r.out.contains(u"  1       done "));
        QVERIFY(r.out.contains(u"  2       failed "));
        QVERIFY(r.out.contains(u"  3       pending "));
        QVERIFY(r.out.contains(u"next: 'peal run' would resume at task 2 (2 of 3 tasks left)"));

        const QJsonObject last = QJsonDocument::fromJson(
                                     PealTest::readFile(s.stateDir() + u"/last_run.json"_s)).object();
        QCOMPARE(last.value(u"outcome"_s).toString(), u"failed"_s);
        QCOMPARE(last.value(u"exit_code"_s).toInt(), 1);
        QCOMPARE(ints(last.value(u"failed_tasks"_s)), QList<int>{2});
        QVERIFY(last.value(u"error"_s).toString().startsWith(u"task 2, phase 1 (plan): agent exited with code 1"));

        const QJsonObject j = statusJson(s);
        QCOMPARE(j.value(u"state"_s).toString(), u"present"_s);
        QCOMPARE(ints(j.value(u"completed"_s)), QList<int>{1});
        QCOMPARE(ints(j.value(u"pending"_s)), (QList<int>{2, 3}));
        QCOMPARE(j.value(u"next_task"_s).toInt(), 2);
        QCOMPARE(taskStatus(j, 2), u"failed"_s);
        QCOMPARE(j.value(u"last_run"_s).toObject().value(u"outcome"_s).toString(), u"failed"_s);
    }

    void statusAfterAFinishedRunReadsTheSummary()
    {
        Scenario s(kThreeTasks);
        QCOMPARE(s.run().exitCode, 0);
        const auto r = status(s);
        QVERIFY2(r.out.contains(u"(3 of 3 tasks done)"), qPrintable(r.out));
        QVERIFY(r.out.contains(u"exit 0 (success)"));
        QVERIFY(r.out.contains(u"completed 1, 2, 3; failed none; findings left none"));
        QVERIFY(r.out.contains(u"next: every task is done; 'peal run' has nothing to do"));
        const QJsonObject j = statusJson(s);
        QVERIFY(j.value(u"next_task"_s).isNull());
        QCOMPARE(ints(j.value(u"summary"_s).toObject().value(u"tasks_completed"_s)), (QList<int>{1, 2, 3}));
    }

    void statusNamesAStateOfAnotherPlan()
    {
        Scenario s(kThreeTasks);
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s,
                                    "{\n  \"plan_path\": \"other.md\",\n  \"repo_path\": \"/elsewhere\",\n"
                                    "  \"completed_task_indices\": [1]\n}"));
        const auto r = status(s);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(u"it belongs to plan other.md and repo /elsewhere; a run would move it aside and start fresh"),
                 qPrintable(r.out));
        QVERIFY(r.out.contains(u"would start fresh at task 1"));
    }

    void statusOfAnUnreadableStateFileFailsLikeARun()
    {
        Scenario s(kThreeTasks);
        QVERIFY(QDir().mkpath(s.stateDir() + u"/state.json"_s)); // a directory where the file goes
        const auto r = status(s);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains(u"state:     %1/state.json: Failed to read state file"_s.arg(s.stateDir())), qPrintable(r.out));
        QVERIFY2(r.err.startsWith(u"error: 'peal run' would stop: Failed to read state file "_s), PealTest::tail(r.err).constData());
        QVERIFY2(r.out.contains(u"next: 'peal run' would stop before it starts: Failed to read state file"_s), qPrintable(r.out));
        QVERIFY(statusJson(s).value(u"next_task"_s).isNull());
        QCOMPARE(s.run().exitCode, 1); // as a run does
    }

    void statusShowsARunInProgress()
    {
        Scenario s(kThreeTasks);
        QProcess peal;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"PEAL_FAKE_AGENT_HANG"_s, u"1"_s);
        peal.setProcessEnvironment(env);
        peal.setStandardInputFile(QProcess::nullDevice());
        peal.start(PealTest::pealBinary(), scenarioArgs(s, u"run"_s)
                                               + QStringList{u"--agent-cmd"_s, PealTest::demoAgent()});
        QVERIFY(peal.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(s.stateDir() + u"/peal.lock"_s), 20000);
        // Once the hanging plan call of task 1 is in the run's journal, status names it.
        QTRY_VERIFY_WITH_TIMEOUT(!QDir(s.stateDir() + u"/runs"_s).entryList({u"*.jsonl"_s}).isEmpty()
                                     && PealTest::readFile(s.stateDir() + u"/runs/"_s
                                                           + QDir(s.stateDir() + u"/runs"_s).entryList({u"*.jsonl"_s}).first())
                                            .contains("\"kind\":\"phase_started\""),
                                 20000);
        const auto r = status(s);
        QVERIFY2(r.out.contains(u"next: a run is in progress (pid %1): task 1 in plan; "_s.arg(peal.processId())), qPrintable(r.out));
        QCOMPARE(statusJson(s).value(u"running_now"_s).toString(), u"task 1 in plan"_s);
        // `peal run` would be refused now: status says so and exits 1.
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(u"error: 'peal run' would stop: a run is in progress (pid %1) and holds "_s.arg(peal.processId())),
                 PealTest::tail(r.err).constData());
        // So is `peal reset`, which leaves the state file alone.
        const QByteArray before = s.stateJson();
        const auto reset = s.runRaw(scenarioArgs(s, u"reset"_s) + QStringList{u"--all"_s});
        QCOMPARE(reset.exitCode, 1);
        QVERIFY2(reset.err.contains(QString::number(peal.processId())), PealTest::tail(reset.err).constData());
        QCOMPARE(s.stateJson(), before);
        peal.terminate();
        QVERIFY(peal.waitForFinished(20000));
        QCOMPARE(peal.exitCode(), 143);
        const QJsonObject last = QJsonDocument::fromJson(
                                     PealTest::readFile(s.stateDir() + u"/last_run.json"_s)).object();
        QCOMPARE(last.value(u"outcome"_s).toString(), u"interrupted"_s);
        QCOMPARE(ints(last.value(u"failed_tasks"_s)), QList<int>{});
        QVERIFY(!status(s).out.contains(u"in progress"));
    }

    void statusErrorsAreOneLine()
    {
        Scenario s;
        QFile::remove(s.planPath());
        const auto r = status(s);
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err.count(u'\n'), 1);
        QVERIFY2(r.err.startsWith(u"error: Invalid or missing plan file. (%1: no such file; set by --plan)"_s.arg(s.planPath())),
                 PealTest::tail(r.err).constData());
        // What `peal run` checks first, status checks too.
        Scenario noRepo;
        QVERIFY(QDir(noRepo.repo()).removeRecursively());
        const auto missing = status(noRepo);
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(missing.err.startsWith(u"error: Repo path does not exist: "_s + noRepo.repo()), PealTest::tail(missing.err).constData());
        QVERIFY(missing.out.isEmpty());
        Scenario notGit;
        QVERIFY(QDir(notGit.repo() + u"/.git"_s).removeRecursively());
        const auto plain = status(notGit);
        QCOMPARE(plain.exitCode, 1);
        QVERIFY2(plain.err.startsWith(u"error: Target path is not a git repository: "_s + notGit.repo()),
                 PealTest::tail(plain.err).constData());
        const auto bad = s.runRaw({u"status"_s, u"--nope"_s});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains(u"peal status --help"));
    }

    // ---- peal run --dry-run ----

    void dryRunPrintsTheScheduleAndRunsNothing()
    {
        Scenario s(kThreeTasks);
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s,
                                    (u"{\n  \"plan_path\": \"%1\",\n  \"repo_path\": \"%2\",\n"
                                     "  \"completed_task_indices\": [\n    2\n  ]\n}"_s.arg(s.planPath(), s.repo())).toUtf8()));
        const QByteArray stateBefore = s.stateJson();
        const QByteArray excludeBefore = PealTest::readFile(s.repo() + u"/.git/info/exclude"_s);
        const auto r = s.run({u"--dry-run"_s, u"--stet-path"_s, PealTest::demoStet(), u"--max-parallel"_s, u"2"_s,
                              u"--commit-after-phase2"_s, u"--model"_s, u"fast model"_s},
                             {{u"PEAL_FAKE_STET_LOG"_s, s.stetLog()}});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY2(r.out.startsWith(u"Dry run: nothing is started."), qPrintable(r.out));
        QVERIFY(r.out.contains(u"state    %1/state.json: resuming; completed [2]"_s.arg(s.stateDir())));
        QVERIFY(r.out.contains(u"  plan     %1 --print --plan --workspace %2 --output-format text --model 'fast model' <prompt>"_s
                                   .arg(PealTest::demoAgent(), s.repo())));
        QVERIFY(r.out.contains(u"  address  %1 run --output=json; when it finds something, up to 5 rounds of:"_s
                                   .arg(PealTest::demoStet())));
        QVERIFY(r.out.contains(u"Before the first task:\n  %1 start\n"_s.arg(PealTest::demoStet())));
        QVERIFY(r.out.contains(u"Segment 1: task 1 (T1: one): plan, execute, commit, address\n"));
        QVERIFY(r.out.contains(u"Segment 2: parallel block of tasks 2, 3 - one task at a time (only one task is pending)\n"
                               "  completed, skipped: task 2\n  task 3 (T3: three): plan, execute, commit, address\n"));
        QVERIFY(r.out.contains(u"  %1 finish\n"_s.arg(PealTest::demoStet())));
        // Nothing ran and nothing was written.
        QVERIFY(s.agentLogLines().isEmpty());
        QVERIFY(s.stetCalls().isEmpty());
        QCOMPARE(s.stateJson(), stateBefore);
        QVERIFY(!QFile::exists(s.stateDir() + u"/peal.lock"_s));
        QVERIFY(!QFile::exists(s.stateDir() + u"/last_run.json"_s));
        QCOMPARE(PealTest::readFile(s.repo() + u"/.git/info/exclude"_s), excludeBefore);
        QVERIFY(!r.out.contains(u"T1: one\n")); // task text appears only as a title, never as a prompt
    }

    void dryRunOfAConcurrentBlock()
    {
        Scenario s(kThreeTasks);
        const auto r = s.run({u"--dry-run"_s, u"--max-parallel"_s, u"2"_s, u"--commit-after-phase2"_s,
                              u"--phases"_s, u"plan,execute"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(u"Segment 2: parallel block of tasks 2, 3 - up to 2 tasks at once\n"
                                "  task 2 (T2: two): plan, execute\n  task 3 (T3: three): plan, execute\n"
                                "  then one commit: git commit -m 'peal: task 2 - tasks 2, 3'\n"),
                 qPrintable(r.out));
        QVERIFY(r.out.contains(u"review   off: address is not in phases"));
        QVERIFY(s.agentLogLines().isEmpty());
    }

    void dryRunOfAPlanToNormalize()
    {
        Scenario s("Build a thing:\n- part one\n- part two\n");
        const auto r = s.run({u"--dry-run"_s, u"--normalize"_s, u"--normalize-retry-count"_s, u"2"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(u"so 'peal run' would first ask the agent to normalise it:\n  %1 --print --plan"_s
                                    .arg(PealTest::demoAgent())),
                 qPrintable(r.out));
        QVERIFY(r.out.contains(u"(up to 3 attempts)"));
        QVERIFY(s.agentLogLines().isEmpty());
    }

    void dryRunReportsErrorsLikeARun()
    {
        Scenario s;
        QFile::remove(s.planPath());
        const auto r = s.run({u"--dry-run"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.trimmed().section(u'\n', -1).startsWith(u"error: Invalid or missing plan file."));
        QVERIFY(r.out.isEmpty());
    }

    // ---- --quiet and the progress line ----

    void quietPrintsNothingOnSuccessAndOneLineOnFailure()
    {
        Scenario s(kThreeTasks);
        const auto ok = s.run({u"--quiet"_s, u"--no-review"_s});
        QCOMPARE(ok.exitCode, 0);
        QCOMPARE(ok.err, QString());
        Scenario f(kThreeTasks);
        const auto failed = f.run({u"--quiet"_s, u"--no-review"_s}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T1"_s}});
        QCOMPARE(failed.exitCode, 1);
        QVERIFY2(failed.err.startsWith(u"error: task 1, phase 1 (plan): agent exited with code 1 (stderr: "), PealTest::tail(failed.err).constData());
        QCOMPARE(failed.err.count(u'\n'), 1);
    }

    void progressLineOnlyOnATerminal()
    {
        Scenario s(kThreeTasks);
        // Not a terminal: plain log lines, no cursor control.
        const auto plain = s.run({u"--max-parallel"_s, u"2"_s});
        QCOMPARE(plain.exitCode, 0);
        QVERIFY(!plain.err.contains(u"\x1b[2K"));
        QVERIFY(plain.err.contains(u"phase 2: task 3/3"));

        // On a pseudo-terminal (script(1) gives peal one): a live line that is cleared at the end.
        const QString script = QStandardPaths::findExecutable(u"script"_s);
        QVERIFY2(!script.isEmpty(), "script(1) from bsdutils is needed");
        Scenario t(kThreeTasks);
        const QString command = QStringList{PealTest::pealBinary(), u"run"_s, u"--plan"_s, t.planPath(),
                                            u"--repo"_s, t.repo(), u"--state-dir"_s, t.stateDir(),
                                            u"--agent-cmd"_s, PealTest::demoAgent(), u"--max-parallel"_s,
                                            u"2"_s, u"--log-level"_s, u"warn"_s}
                                    .join(u' ');
        const auto tty = PealTest::run(script, {u"-qec"_s, command, u"/dev/null"_s}, t.dir(),
                                       {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"300"_s}, {u"TERM"_s, u"xterm"_s}});
        QCOMPARE(tty.exitCode, 0);
        QVERIFY2(tty.out.contains(u"\r\x1b[2K"), qPrintable(tty.out));
        QVERIFY(tty.out.contains(u"task 1 (1/3) plan"));
        QVERIFY(tty.out.contains(u"2 running: 2 "));
        QVERIFY(tty.out.contains(u"3/3 done"));
        QVERIFY(!tty.out.contains(u"4/3 done"));
        QVERIFY(tty.out.trimmed().endsWith(u"\x1b[2K") || tty.out.endsWith(u"\r\x1b[2K"));
        // With --log-level the log lines are shown; nothing else was asked for.
        QVERIFY(!tty.out.contains(u"  task  result "));
    }

    void aFailedTaskOnATerminalSaysWhyInItsLineAndTheTable()
    {
        const QString script = QStandardPaths::findExecutable(u"script"_s);
        QVERIFY2(!script.isEmpty(), "script(1) from bsdutils is needed");
        Scenario t(kThreeTasks);
        const QString command = QStringList{PealTest::pealBinary(), u"run"_s, u"--plan"_s, t.planPath(),
                                            u"--repo"_s, t.repo(), u"--state-dir"_s, t.stateDir(),
                                            u"--agent-cmd"_s, PealTest::demoAgent(), u"--continue-with-remaining-tasks"_s}
                                    .join(u' ');
        const auto tty = PealTest::run(script, {u"-qec"_s, command, u"/dev/null"_s}, t.dir(),
                                       {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T1"_s}, {u"TERM"_s, u"xterm"_s},
                                        {u"NO_COLOR"_s, u"1"_s}});
        QCOMPARE(tty.exitCode, 2);
        QString shown = tty.out;
        shown.remove(QRegularExpression(u"\x1b\\[[0-9;]*[A-Za-z]"_s));
        QVERIFY2(shown.contains(u"  x task 1, phase 1 (plan): agent exited with code 1 (stderr: peal-demo-agent: failing "
                                "as asked (plan mode)) (after "_s),
                 qPrintable(shown));
        // No stet here: each task line and the table say the task was not reviewed.
        QVERIFY2(shown.contains(u"  + task 2  done, not reviewed · "_s), qPrintable(shown));
        QVERIFY2(shown.contains(u"  1     failed  "_s), qPrintable(shown));
        QVERIFY(shown.contains(u"  2     done, not reviewed  "_s));
        QVERIFY(shown.contains(u"warning: no review: "_s));
        QVERIFY(shown.contains(u"warning: finished with issues (exit 2): failed: task 1"_s));
        QVERIFY(!shown.contains(u" INFO "_s));
        QVERIFY(QFile::exists(t.stateDir() + u"/peal.log"_s));
    }

    // ---- completion and man page ----

    void bashCompletionCompletesCommandsOptionsAndValues()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(u"peal.bash"_s);
        const auto r = PealTest::runPeal({u"completion"_s, u"bash"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(PealTest::writeFile(file, r.out.toUtf8()));
        const auto complete = [&](const QString &words, int cword) {
            return bash(u"source '%1'; COMP_WORDS=(%2); COMP_CWORD=%3; _peal; echo \"${COMPREPLY[*]}\""_s
                            .arg(file, words)
                            .arg(cword))
                .trimmed();
        };
        QCOMPARE(complete(u"peal st"_s, 1), u"status"_s);
        QCOMPARE(complete(u"peal run --on-stet \"\""_s, 2), u"--on-stet-fail"_s);
        QCOMPARE(complete(u"peal run --on-stet-fail \"\""_s, 3), u"fail retry_once skip"_s);
        QCOMPARE(complete(u"peal run --isolation w"_s, 3), u"worktree"_s);
        QCOMPARE(complete(u"peal status --js"_s, 2), u"--json"_s);
        QCOMPARE(complete(u"peal completion \"\""_s, 2), u"bash zsh"_s);
        QCOMPARE(complete(u"peal run --model \"\""_s, 3), QString());
    }

    void zshCompletionIsValidZsh()
    {
        const QString zsh = QStandardPaths::findExecutable(u"zsh"_s);
        QVERIFY2(!zsh.isEmpty(), "zsh is installed by scripts/test.sh");
        QTemporaryDir dir;
        const auto r = PealTest::runPeal({u"completion"_s, u"zsh"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith(u"#compdef peal\n"));
        QVERIFY(PealTest::writeFile(dir.filePath(u"_peal"_s), r.out.toUtf8()));
        const auto check = PealTest::run(zsh, {u"-n"_s, dir.filePath(u"_peal"_s)});
        QVERIFY2(check.exitCode == 0, PealTest::tail(check.err).constData());
        QVERIFY(r.out.contains(u"'--on-stet-fail[fail, retry_once or skip when stet fails \\[default\\: fail\\]]:policy:(fail retry_once skip)'"));
    }

    void completionNeedsAKnownShell()
    {
        const auto r = PealTest::runPeal({u"completion"_s, u"fish"_s});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.startsWith(u"error: invalid shell 'fish' (expected bash or zsh)"));
    }

    void manPageDocumentsEveryOptionAndVariable()
    {
        const auto r = PealTest::runPeal({u"manpage"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(u".TH PEAL 1 "));
        const auto help = PealTest::runPeal({u"run"_s, u"--help"_s});
        static const QRegularExpression flag(u"^  (--[a-z0-9-]+)"_s, QRegularExpression::MultilineOption);
        int flags = 0;
        for (auto it = flag.globalMatch(help.out); it.hasNext(); ++flags) {
            QString roffFlag = it.next().captured(1);
            roffFlag.replace(u'-', u"\\-"_s);
            QVERIFY2(r.out.contains(u"\\fB"_s + roffFlag + u"\\fR"_s), qPrintable(roffFlag));
        }
        QVERIFY(flags > 30);
        for (const char *var : {"PEAL_PLAN_PATH", "PEAL_PHASES", "PEAL_LOG", "PEAL_PLUGIN_PATH", "NO_COLOR"})
            QVERIFY2(r.out.contains(u".B "_s + QLatin1String(var) + u'\n'), var);
    }
};

QTEST_GUILESS_MAIN(tst_Friendly)
#include "tst_friendly.moc"
