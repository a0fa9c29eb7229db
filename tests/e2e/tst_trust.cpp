// SPDX-License-Identifier: MIT
// Never lose or hide the user's work: the state file matched on the files it names and kept
// when a run starts fresh over it, the user's uncommitted changes kept out of peal's commits,
// plan headings that are not tasks reported - through the real binary and real repositories.
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

using PealTest::json;

namespace {

// The `.bak` files beside state.json.
QStringList backups(const Scenario &s)
{
    return QDir(s.stateDir()).entryList({u"state.json.*.bak"_s}, QDir::Files, QDir::Name);
}

// `peal run` with paths relative to the scenario directory, as a person types them.
PealTest::RunResult runWithPlan(const Scenario &s, const QString &plan, const QString &repo = u"repo"_s)
{
    return s.runRaw({u"run"_s, u"--plan"_s, plan, u"--repo"_s, repo, u"--state-dir"_s, u"state"_s,
                     u"--agent-cmd"_s, PealTest::demoAgent()});
}

const QByteArray kTwoTasks = "## Task 1\nT1: first\n\n## Task 2\nT2: second\n";
const QByteArray kTwoEdits = "## Task 1\nT1: first\nwrite one.txt: 1\n\n## Task 2\nT2: second\nwrite two.txt: 2\n";

QStringList errorLines(const QString &err)
{
    QStringList out;
    for (const QString &line : err.split(u'\n')) {
        if (line.startsWith(u"error: "))
            out.append(line);
    }
    return out;
}

// The files of a commit.
QStringList filesOf(const Scenario &s, const QString &commit)
{
    return PealTest::git(s.repo(), {u"show"_s, u"--name-only"_s, u"--format="_s, commit}).split(u'\n', Qt::SkipEmptyParts);
}

} // namespace

class tst_Trust : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- the state file names the files, not the spelling ----

    void resumesWhateverTheSpellingOfThePlanAndRepo_data()
    {
        QTest::addColumn<QString>("plan");
        QTest::addColumn<QString>("repo");
        QTest::newRow("dot slash") << u"./plan.md"_s << u"./repo"_s;
        QTest::newRow("absolute") << u"<abs>/plan.md"_s << u"<abs>/repo/"_s;
        QTest::newRow("symlink") << u"link.md"_s << u"repo-link"_s;
    }
    void resumesWhateverTheSpellingOfThePlanAndRepo()
    {
        QFETCH(QString, plan);
        QFETCH(QString, repo);
        Scenario s(kTwoTasks);
        QVERIFY(QFile::link(u"plan.md"_s, s.path(u"link.md"_s)));
        QVERIFY(QFile::link(u"repo"_s, s.path(u"repo-link"_s)));
        plan.replace(u"<abs>"_s, s.dir());
        repo.replace(u"<abs>"_s, s.dir());

        // The first run stops in task 2; its state records the paths as typed.
        const auto first = s.runRaw({u"run"_s, u"--plan"_s, u"plan.md"_s, u"--repo"_s, u"repo"_s,
                                     u"--state-dir"_s, u"state"_s, u"--agent-cmd"_s, PealTest::demoAgent()},
                                    {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T2"_s}});
        QCOMPARE(first.exitCode, 1);
        QCOMPARE(s.completed(), QList<int>{1});
        QFile::remove(s.agentLog());

        const auto again = runWithPlan(s, plan, repo);
        QCOMPARE(again.exitCode, 0);
        QVERIFY2(!again.err.contains(u"does not match"), PealTest::tail(again.err).constData());
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:2"_s, u"execute:2"_s})); // task 1 not again
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        // The file keeps the reference's fields and the values of the run that wrote it.
        const QJsonObject state = json(s.stateJson());
        QCOMPARE(state.value(u"plan_path"_s).toString(), u"plan.md"_s);
        QCOMPARE(state.value(u"repo_path"_s).toString(), u"repo"_s);
        QVERIFY(backups(s).isEmpty());
    }

    // ---- the user's uncommitted changes and commit_after_phase2 ----

    void uncommittedChangesStopARunThatCommits()
    {
        Scenario s(kTwoEdits);
        QVERIFY(PealTest::writeFile(s.repo() + u"/.env"_s, "SECRET=1\n"));
        const auto r = s.run({u"--commit-after-phase2"_s});
        QCOMPARE(r.exitCode, 1);
        const QStringList errors = errorLines(r.err);
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors.first().startsWith(u"error: the work tree %1 has uncommitted changes that peal did not "
                                           "make: .env ("_s.arg(s.repo())),
                 PealTest::tail(r.err).constData());
        QVERIFY(errors.first().contains(u"--allow-dirty"));
        QVERIFY(s.agentLogLines().isEmpty()); // nothing ran
        QCOMPARE(s.commits().size(), 1);
        QCOMPARE(PealTest::readFile(s.repo() + u"/.env"_s), QByteArray("SECRET=1\n"));
    }

    void theErrorNamesAtMostFivePaths()
    {
        Scenario s(kTwoEdits);
        for (int i = 1; i <= 7; ++i)
            QVERIFY(PealTest::writeFile(s.repo() + u"/dirty%1.txt"_s.arg(i), "x\n"));
        const auto r = s.run({u"--commit-after-phase2"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"make: dirty1.txt, dirty2.txt, dirty3.txt, dirty4.txt, dirty5.txt (and 2 more) ("_s),
                 PealTest::tail(r.err).constData());
    }

    void withoutCommitsADirtyTreeIsFine()
    {
        Scenario s(kTwoEdits);
        QVERIFY(PealTest::writeFile(s.repo() + u"/.env"_s, "SECRET=1\n"));
        const auto r = s.run();
        QCOMPARE(r.exitCode, 0);
        QVERIFY(!r.err.contains(u"uncommitted"));
    }

    void allowDirtyLeavesTheUsersChangesOutOfEveryCommit_data()
    {
        QTest::addColumn<bool>("byEnvironment");
        QTest::newRow("--allow-dirty") << false;
        QTest::newRow("PEAL_ALLOW_DIRTY") << true;
    }
    void allowDirtyLeavesTheUsersChangesOutOfEveryCommit()
    {
        QFETCH(bool, byEnvironment);
        Scenario s(kTwoEdits);
        QVERIFY(PealTest::writeFile(s.repo() + u"/.env"_s, "SECRET=1\n"));
        QVERIFY(PealTest::writeFile(s.repo() + u"/README.md"_s, "mine, staged\n"));
        PealTest::git(s.repo(), {u"add"_s, u"README.md"_s});
        QVERIFY(PealTest::writeFile(s.repo() + u"/with*star.txt"_s, "literal\n"));
        QStringList args{u"--commit-after-phase2"_s};
        QHash<QString, QString> env;
        if (byEnvironment)
            env.insert(u"PEAL_ALLOW_DIRTY"_s, u"true"_s);
        else
            args << u"--allow-dirty"_s;
        const auto r = s.run(args, env);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(u"warning: leaving 3 uncommitted path(s) that peal did not make out of its commits: "_s),
                 PealTest::tail(r.err).constData());
        QVERIFY(r.err.contains(byEnvironment ? u"set by PEAL_ALLOW_DIRTY"_s : u"set by --allow-dirty"_s));
        const QStringList commits = s.commits();
        QCOMPARE(commits.size(), 3);
        QCOMPARE(filesOf(s, u"HEAD~1"_s), QStringList{u"one.txt"_s});
        QCOMPARE(filesOf(s, u"HEAD"_s), QStringList{u"two.txt"_s});
        // The user's changes are where they were: untracked, and staged.
        const QString status = PealTest::git(s.repo(), {u"status"_s, u"--porcelain"_s});
        QVERIFY2(status.contains(u"?? .env"_s), qPrintable(status));
        QVERIFY2(QRegularExpression(u"(^|\\n)[AM]  README.md"_s).match(status).hasMatch(), qPrintable(status));
        QVERIFY(status.contains(u"with*star.txt"_s));
    }

    void anyNumberOfTheUsersPathsIsLeftOut()
    {
        // More excluded paths than fit on one command line (2,000 paths of 1 KB each, over
        // ARG_MAX's 2 MB): changed tracked files, and an untracked directory, left out as a whole.
        Scenario s(kTwoEdits);
        QString deep = s.repo() + u"/t"_s;
        for (int level = 0; level < 10; ++level)
            deep += u'/' + QString(100, QChar(u'a' + level));
        for (int i = 0; i < 2000; ++i)
            QVERIFY(PealTest::writeFile(deep + u"/file"_s + QString::number(i), "v1\n"));
        PealTest::git(s.repo(), {u"add"_s, u"-A"_s});
        PealTest::git(s.repo(), {u"commit"_s, u"-q"_s, u"-m"_s, u"many files"_s});
        for (int i = 0; i < 2000; ++i)
            QVERIFY(PealTest::writeFile(deep + u"/file"_s + QString::number(i), "mine\n"));
        QVERIFY(PealTest::writeFile(s.repo() + u"/generated/a/b.txt"_s, "untracked\n"));
        const auto r = s.run({u"--commit-after-phase2"_s, u"--allow-dirty"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err.right(2000)));
        QVERIFY2(r.err.contains(u"leaving 2001 uncommitted path(s)"_s), qPrintable(r.err.right(2000)));
        QCOMPARE(filesOf(s, u"HEAD"_s), QStringList{u"two.txt"_s});
        QCOMPARE(filesOf(s, u"HEAD~1"_s), QStringList{u"one.txt"_s});
        const QString status = PealTest::git(s.repo(), {u"status"_s, u"--porcelain"_s});
        QCOMPARE(status.count(u"\n M "_s) + (status.startsWith(u" M "_s) ? 1 : 0), 2000);
        QVERIFY(status.contains(u"?? generated/"_s));
    }

    void pealsOwnFilesNeverCountAsChanges()
    {
        Scenario s(kTwoEdits);
        // A state directory inside the repository, and the reviewer's directory.
        QVERIFY(PealTest::writeFile(s.repo() + u"/.review/session.json"_s, "{}"));
        const QString inside = s.repo() + u"/.peal"_s;
        const auto r = s.runRaw({u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                 inside, u"--agent-cmd"_s, PealTest::demoAgent(), u"--commit-after-phase2"_s,
                                 u"--stet-path"_s, PealTest::demoStet(), u"--on-stet-fail"_s, u"skip"_s});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY(!r.err.contains(u"uncommitted changes"));
        QVERIFY(QFile::exists(inside + u"/state.json"_s));
    }

    void aResumedRunKeepsWhatItsFailedTaskLeft()
    {
        Scenario s(kTwoEdits);
        // Task 2 writes two.txt, then fails: its edit stays in the tree.
        const auto first = s.run({u"--commit-after-phase2"_s},
                                 {{u"PEAL_FAKE_AGENT_SET_LINE_ON"_s, u"T2:=../outside:1:x"_s}});
        QCOMPARE(first.exitCode, 1);
        QVERIFY(QFile::exists(s.repo() + u"/two.txt"_s));
        QVERIFY(QFile::exists(s.stateDir() + u"/tree.json"_s));
        const auto again = s.run({u"--commit-after-phase2"_s});
        QVERIFY2(again.exitCode == 0, PealTest::tail(again.err).constData());
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        QCOMPARE(filesOf(s, u"HEAD"_s), QStringList{u"two.txt"_s});
    }

    void whatTheUserChangesAfterAFailedRunIsTheUsers()
    {
        Scenario s(kTwoEdits);
        const auto first = s.run({u"--commit-after-phase2"_s},
                                 {{u"PEAL_FAKE_AGENT_SET_LINE_ON"_s, u"T2:=../outside:1:x"_s}});
        QCOMPARE(first.exitCode, 1);
        // The user then edits the file task 2 left, and adds one.
        QVERIFY(PealTest::writeFile(s.repo() + u"/two.txt"_s, "edited by me\n"));
        QVERIFY(PealTest::writeFile(s.repo() + u"/mine.txt"_s, "mine\n"));
        const auto again = s.run({u"--commit-after-phase2"_s});
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains(u"uncommitted changes that peal did not make: mine.txt, two.txt ("_s),
                 PealTest::tail(again.err).constData());
    }

    void aKilledRunsLeftoversAreTakenWithAWarning()
    {
        Scenario s(kTwoEdits);
        QCOMPARE(s.run({u"--commit-after-phase2"_s}, {{u"PEAL_FAKE_AGENT_SET_LINE_ON"_s, u"T2:=../outside:1:x"_s}}).exitCode, 1);
        // As if peal had been killed: no snapshot of what the task left.
        QJsonObject record = json(PealTest::readFile(s.stateDir() + u"/tree.json"_s));
        QVERIFY(!record.value(u"snapshot"_s).toString().isEmpty());
        record.insert(u"snapshot"_s, QString());
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/tree.json"_s, QJsonDocument(record).toJson()));
        const auto again = s.run({u"--commit-after-phase2"_s});
        QVERIFY2(again.exitCode == 0, PealTest::tail(again.err).constData());
        QVERIFY2(again.err.contains(u"warning: taking 1 uncommitted path(s) as left by task 2, which was stopped before "
                                    "peal could record them: two.txt"_s),
                 PealTest::tail(again.err).constData());
    }

    void anotherPlansLeftoversAreNotTaken()
    {
        Scenario s(kTwoEdits);
        QCOMPARE(s.run({u"--commit-after-phase2"_s}, {{u"PEAL_FAKE_AGENT_SET_LINE_ON"_s, u"T2:=../outside:1:x"_s}}).exitCode, 1);
        QVERIFY(PealTest::writeFile(s.path(u"other.md"_s), kTwoEdits));
        const auto other = s.runRaw({u"run"_s, u"--plan"_s, s.path(u"other.md"_s), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                     s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent(), u"--commit-after-phase2"_s});
        QCOMPARE(other.exitCode, 1);
        QVERIFY2(other.err.contains(u"peal did not make: two.txt ("_s), PealTest::tail(other.err).constData());
    }

    void afterACommitOfTheUsersNothingIsAssumedToBePeals()
    {
        Scenario s(kTwoEdits);
        const auto first = s.run({u"--commit-after-phase2"_s},
                                 {{u"PEAL_FAKE_AGENT_SET_LINE_ON"_s, u"T2:=../outside:1:x"_s}});
        QCOMPARE(first.exitCode, 1);
        QVERIFY(PealTest::writeFile(s.repo() + u"/mine.txt"_s, "mine\n"));
        PealTest::git(s.repo(), {u"add"_s, u"mine.txt"_s});
        PealTest::git(s.repo(), {u"commit"_s, u"-q"_s, u"-m"_s, u"my own commit"_s});
        const auto again = s.run({u"--commit-after-phase2"_s});
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains(u"uncommitted changes that peal did not make: two.txt ("_s), PealTest::tail(again.err).constData());
    }

    void changesMadeAfterAFinishedRunAreTheUsers()
    {
        Scenario s(kTwoEdits);
        QCOMPARE(s.run({u"--commit-after-phase2"_s}).exitCode, 0);
        QVERIFY(PealTest::writeFile(s.planPath(), kTwoEdits + "\n## Task 3\nT3: third\nwrite three.txt: 3\n"));
        QVERIFY(PealTest::writeFile(s.repo() + u"/notes.txt"_s, "mine\n"));
        const auto again = s.run({u"--commit-after-phase2"_s});
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains(u"peal did not make: notes.txt ("_s), PealTest::tail(again.err).constData());
    }

    // ---- headings that look like tasks but are not ----

    void lookalikeHeadingsAreWarnedAboutInRunDryRunAndStatus()
    {
        Scenario s("## Task 1\nT1: first\n\n## Task 2: the title\nT2: second\n");
        const QString warning = u"warning: %1:4: '## Task 2: the title' is not a task heading: folded into task 1's "
                                "body (write '## Task 2' and put the title on the next line)"_s.arg(s.planPath());
        const auto dry = s.run({u"--dry-run"_s});
        QCOMPARE(dry.exitCode, 0);
        QVERIFY2(dry.err.contains(warning), PealTest::tail(dry.err).constData());
        const auto status = s.runRaw({u"status"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                      s.stateDir()});
        QCOMPARE(status.exitCode, 0);
        QVERIFY2(status.err.contains(warning), PealTest::tail(status.err).constData());
        // Also when no heading is left: the warnings say why.
        Scenario none("## Task 1: the title\nT1: first\n");
        const auto empty = none.runRaw({u"status"_s, u"--plan"_s, none.planPath(), u"--repo"_s, none.repo()});
        QCOMPARE(empty.exitCode, 1);
        QVERIFY2(empty.err.startsWith(u"warning: %1:1: '## Task 1: the title' is not a task heading"_s.arg(none.planPath())),
                 PealTest::tail(empty.err).constData());
        const auto run = s.run({u"--quiet"_s});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.err.count(warning), 1);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s})); // the reference's parse
    }

    void strictPlanStopsBeforeAnythingRuns()
    {
        Scenario s("## Task 1\nT1: first\n\n### Task 2\nT2: second\n\n## Task 1\nT1 again\n");
        const auto r = s.run({u"--strict-plan"_s, u"--stet-path"_s, PealTest::demoStet()});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err.count(u"warning: "_s + s.planPath()), 2);
        QVERIFY2(r.err.contains(u"error: %1 has 2 line(s) that look like task headings but are not (the first is "
                                "line 4) (see the warnings above; fix the lines or turn strict_plan off; set by "
                                "--strict-plan)"_s.arg(s.planPath())),
                 PealTest::tail(r.err).constData());
        QVERIFY(s.agentLogLines().isEmpty());
        QVERIFY(s.stetCalls().isEmpty()); // not even the review session started
        // Without it the run goes on with the reference's parse.
        QCOMPARE(s.run().exitCode, 0);
    }

    // ---- output that cannot be written is a failure ----

    void anUnwritableSummaryPathStopsTheRunBeforeAnythingRuns_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::newRow("default") << QStringList();
        QTest::newRow("quiet") << QStringList{u"--quiet"_s};
    }
    void anUnwritableSummaryPathStopsTheRunBeforeAnythingRuns()
    {
        QFETCH(QStringList, extra);
        Scenario s;
        QVERIFY(PealTest::writeFile(s.path(u"blocker"_s), "a file, not a directory"));
        const QString target = s.path(u"blocker/summary.json"_s);
        const auto r = s.run(QStringList{u"--run-summary-path"_s, target} + extra);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"error: the run summary cannot be written to %1 (%2 is not a directory)"_s
                                    .arg(target, s.path(u"blocker"_s))),
                 PealTest::tail(r.err).constData());
        QVERIFY(s.agentLogLines().isEmpty());
        // peal status says the same.
        const auto status = s.runRaw({u"status"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                      s.stateDir(), u"--run-summary-path"_s, target});
        QCOMPARE(status.exitCode, 1);
        QVERIFY2(status.err.contains(u"error: 'peal run' would stop: the run summary cannot be written to "_s),
                 PealTest::tail(status.err).constData());
    }

    void aSummaryThatFailsAtTheEndFailsTheRun()
    {
        // The task turns the summary's directory into a file: the write at the end fails.
        Scenario s("## Task 1\nT1: first\nwrite out: not a directory\n");
        const QString target = s.repo() + u"/out/summary.json"_s;
        const auto r = s.run({u"--run-summary-path"_s, target, u"--quiet"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"error: failed to "_s), PealTest::tail(r.err).constData());
        QVERIFY2(r.err.contains(s.repo() + u"/out"_s), PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), QList<int>{1}); // the work itself is recorded
        const QJsonObject last = json(PealTest::readFile(s.stateDir() + u"/last_run.json"_s));
        QCOMPARE(last.value(u"exit_code"_s).toInt(), 1);
    }

    void aLastRunRecordThatCannotBeWrittenFailsTheRun()
    {
        // The state directory lives in the repository and the task puts a directory where
        // last_run.json goes.
        Scenario s("## Task 1\nT1: first\nwrite .peal/last_run.json/x: blocked\n");
        const auto r = s.runRaw({u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                 s.repo() + u"/.peal"_s, u"--agent-cmd"_s, PealTest::demoAgent(), u"--quiet"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"error: failed to write "_s + s.repo() + u"/.peal/last_run.json"_s), PealTest::tail(r.err).constData());
    }

    // ---- errors name the task and say what happened in numbers ----

    void anAgentKilledByASignalIsSaidSo()
    {
        Scenario s;
        const QString agent = s.path(u"bin/agent"_s);
        QVERIFY(PealTest::writeFile(agent, "#!/bin/sh\nkill -KILL $$\n"));
        QVERIFY(QFile::setPermissions(agent, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const auto r = s.run({u"--agent-cmd"_s, agent});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"\nerror: task 1, phase 1 (plan): agent was killed by SIGKILL\n"_s), PealTest::tail(r.err).constData());
        QVERIFY(r.err.contains(u"phase exited with non-zero code phase=1 task_index=1 exit_code=\"killed by SIGKILL\""_s));
        QVERIFY(!r.err.contains(u"Some("_s));
        QVERIFY(!r.err.contains(u"None"_s));
    }

    // ---- an agent that cannot be used ----

    void anAgentThatIsNotExecutableIsToldApartFromAMissingOne()
    {
        Scenario s;
        const QString agent = s.path(u"bin/agent"_s);
        QVERIFY(PealTest::writeFile(agent, "#!/bin/sh\necho hi\n")); // no execute bit
        const auto r = s.run({u"--agent-cmd"_s, agent});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.endsWith(u"error: Cursor CLI command '%1' exists but is not executable (%1 has no execute "
                                "permission; make it executable (chmod +x) or set agent_cmd to the right program)\n"_s
                                    .arg(agent)),
                 PealTest::tail(r.err).constData());
        // Found on PATH, but not executable, is said so too.
        const auto onPath = s.run({u"--agent-cmd"_s, u"agent"_s}, {{u"PATH"_s, s.path(u"bin"_s) + u":/usr/bin:/bin"_s}});
        QCOMPARE(onPath.exitCode, 1);
        QVERIFY2(onPath.err.contains(u"error: Cursor CLI command 'agent' exists but is not executable ("_s + agent),
                 PealTest::tail(onPath.err).constData());
        // And nothing at all is the reference's message.
        const auto missing = s.run({u"--agent-cmd"_s, u"agent"_s}, {{u"PATH"_s, s.path(u"nothing"_s) + u":/usr/bin:/bin"_s}});
        QVERIFY2(missing.err.endsWith(u"error: Cursor CLI command 'agent' not found on PATH. Install it from "
                                      "https://docs.cursor.com/cli\n"_s),
                 PealTest::tail(missing.err).constData());
    }

    void anotherAgentPluginUsesItsOwnNameAndHint()
    {
        Scenario s;
        const auto r = s.run({u"--agent-plugin"_s, u"otheragent"_s, u"--plugin-dir"_s, QStringLiteral(PEAL_TEST_PLUGIN_DIR),
                              u"--agent-cmd"_s, u"other-agent-not-installed"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.endsWith(u"error: Other Agent command 'other-agent-not-installed' not found on PATH. Install "
                                "it with 'npm install -g other-agent'\n"_s),
                 PealTest::tail(r.err).constData());
        QVERIFY(!r.err.contains(u"Cursor"));
    }

    void aDryRunWorksWithoutTheAgentInstalled()
    {
        Scenario s;
        const auto r = s.run({u"--dry-run"_s, u"--agent-cmd"_s, u"not-installed-agent"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(u"warning: a run would stop here: Cursor CLI command 'not-installed-agent' not found "
                                "on PATH."_s),
                 PealTest::tail(r.err).constData());
        QVERIFY2(r.out.contains(u"plan     not-installed-agent --print --plan --workspace "_s), qPrintable(r.out));
    }

    // ---- running a finished task again ----

    void aCompletedTaskAskedForWithTaskIsSaidSoAndNothingRuns()
    {
        Scenario s(kTwoTasks);
        QCOMPARE(s.run().exitCode, 0);
        QFile::remove(s.agentLog());
        const QByteArray summary = s.summaryJson();
        const auto r = s.run({u"--task"_s, u"1"_s, u"--quiet"_s, u"--stet-path"_s, PealTest::demoStet()});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.err, u"warning: task 1 is already completed (%1/state.json); nothing to do. Run 'peal run --redo 1' "
                        "to run it again\n"_s.arg(s.stateDir()));
        QVERIFY(s.agentLogLines().isEmpty());
        QVERIFY(s.stetCalls().isEmpty()); // not even a review session
        QCOMPARE(s.summaryJson(), summary);
    }

    void redoRunsACompletedTaskAgain()
    {
        Scenario s(kTwoTasks);
        QCOMPARE(s.run().exitCode, 0);
        QFile::remove(s.agentLog());
        const auto r = s.run({u"--redo"_s, u"1"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        const auto both = s.run({u"--redo"_s, u"1"_s, u"--task"_s, u"2"_s});
        QCOMPARE(both.exitCode, 2);
        QVERIFY(both.err.contains(u"the argument '--redo <N>' cannot be used with '--task <N>'"));
    }

    void resetMarksTasksNotCompletedUnderTheLock()
    {
        Scenario s(kTwoTasks);
        QCOMPARE(s.run().exitCode, 0);
        const QStringList where{u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s, s.stateDir()};
        const auto one = s.runRaw(QStringList{u"reset"_s, u"--task"_s, u"1"_s} + where);
        QCOMPARE(one.exitCode, 0);
        QCOMPARE(one.out, u"task 1 is no longer completed in %1/state.json; 'peal run' will run it again\n"_s.arg(s.stateDir()));
        QCOMPARE(s.completed(), QList<int>{2});
        const auto again = s.runRaw(QStringList{u"reset"_s, u"--task"_s, u"1"_s} + where);
        QCOMPARE(again.exitCode, 0);
        QVERIFY(again.out.contains(u"task 1 is not completed"));
        QFile::remove(s.agentLog());
        QCOMPARE(s.run().exitCode, 0);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));

        const auto all = s.runRaw(QStringList{u"reset"_s, u"--all"_s} + where);
        QCOMPARE(all.exitCode, 0);
        QVERIFY2(all.out.startsWith(u"2 task(s) are no longer completed in "_s), qPrintable(all.out));
        QCOMPARE(s.completed(), QList<int>{});
        QCOMPARE(backups(s).size(), 1);
        QCOMPARE(json(PealTest::readFile(s.stateDir() + u'/' + backups(s).first())).value(u"completed_task_indices"_s).toArray().size(), 2);

        const auto neither = s.runRaw(QStringList{u"reset"_s} + where);
        QCOMPARE(neither.exitCode, 2);
        QVERIFY(neither.err.contains(u"one of '--task <N>' or '--all' is required"));
    }

    void resetLeavesAnotherPlansStateAlone()
    {
        Scenario s;
        const QByteArray other = R"({"plan_path":"other.md","repo_path":"/x","completed_task_indices":[1]})";
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s, other));
        const auto r = s.runRaw({u"reset"_s, u"--all"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(),
                                 u"--state-dir"_s, s.stateDir()});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(u"error: %1/state.json belongs to plan other.md and repo /x"_s.arg(s.stateDir())),
                 PealTest::tail(r.err).constData());
        QCOMPARE(s.stateJson(), other);
        QVERIFY(backups(s).isEmpty());
    }

    // ---- timeouts ----

    void aZeroTimeoutIsRejected()
    {
        Scenario s;
        const auto flag = s.run({u"--phase-timeout-sec"_s, u"0"_s});
        QCOMPARE(flag.exitCode, 1);
        QVERIFY2(flag.err.endsWith(u"error: Invalid phase_timeout_sec value 0 (expected at least 1 second) (set by "
                                   "--phase-timeout-sec)\n"_s),
                 PealTest::tail(flag.err).constData());
        const auto env = s.run({}, {{u"PEAL_POST_RUN_TIMEOUT_SEC"_s, u"0"_s}});
        QCOMPARE(env.exitCode, 1);
        QVERIFY2(env.err.contains(u"error: Invalid post_run_timeout_sec value 0 (expected at least 1 second) (set by "
                                  "PEAL_POST_RUN_TIMEOUT_SEC)"_s),
                 PealTest::tail(env.err).constData());
        QVERIFY(s.agentLogLines().isEmpty());
    }

    void theDryRunShowsTheTimeoutThatIsUsed()
    {
        Scenario s;
        const auto r = s.run({u"--dry-run"_s, u"--phase-timeout-sec"_s, u"99999999"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(u"timeout 2147483 s (99999999 s is clamped to the longest timeout, about 24.8 days) "
                                "per process"_s),
                 qPrintable(r.out));
        const auto plain = s.run({u"--dry-run"_s, u"--phase-timeout-sec"_s, u"60"_s});
        QVERIFY(plain.out.contains(u"timeout 60 s per process"_s));
    }

    // ---- log filters ----

    void logFiltersMustNameRealLevelsAndModules()
    {
        Scenario s;
        const auto flag = s.run({u"--log-level"_s, u"verbose"_s});
        QCOMPARE(flag.exitCode, 1);
        QVERIFY2(flag.err.contains(u"error: invalid log filter 'verbose': not a level or a module (set by --log-level; "
                                   "expected a level"_s),
                 PealTest::tail(flag.err).constData());
        const auto env = s.run({}, {{u"PEAL_LOG"_s, u"peal::nope=debug"_s}});
        QCOMPARE(env.exitCode, 1);
        QCOMPARE(env.err.count(u'\n'), 1);
        QVERIFY2(env.err.startsWith(u"error: invalid log filter 'peal::nope=debug': 'peal::nope' is not a module of "
                                    "peal (set by PEAL_LOG;"_s),
                 PealTest::tail(env.err).constData());
        QVERIFY(s.agentLogLines().isEmpty());
        QCOMPARE(s.run({}, {{u"PEAL_LOG"_s, u"warn,peal::runner=info"_s}}).exitCode, 0);
    }

    // ---- a state file that a run replaces is kept ----

    void invalidStateFileIsMovedAsideNotOverwritten()
    {
        Scenario s;
        const QByteArray old = "{ \"plan_path\": 7 }";
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s, old));
        const auto r = s.run();
        QCOMPARE(r.exitCode, 0);
        const QStringList kept = backups(s);
        QCOMPARE(kept.size(), 1);
        QCOMPARE(PealTest::readFile(s.stateDir() + u'/' + kept.first()), old);
        QVERIFY2(r.err.contains(u"warning: ignoring invalid state file "_s + s.stateDir() + u"/state.json: "_s),
                 PealTest::tail(r.err).constData());
        QVERIFY2(r.err.contains(u"; starting fresh; the old file is kept as "_s + s.stateDir() + u'/' + kept.first()),
                 PealTest::tail(r.err).constData());
        QCOMPARE(s.completed(), QList<int>{1});
    }

    void stateOfAnotherPlanIsMovedAsideAndBothPathsNamed()
    {
        Scenario s;
        const QByteArray old = R"({"plan_path":"other.md","repo_path":"/elsewhere","completed_task_indices":[1]})";
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s, old));
        const auto r = s.run();
        QCOMPARE(r.exitCode, 0);
        const QStringList kept = backups(s);
        QCOMPARE(kept.size(), 1);
        QCOMPARE(PealTest::readFile(s.stateDir() + u'/' + kept.first()), old);
        QVERIFY2(r.err.contains(u"warning: state file does not match current plan/repo paths; starting fresh "
                                "(recorded: plan other.md, repo /elsewhere; current: plan %1, repo %2); "
                                "the old file is kept as %3/%4"_s
                                    .arg(s.planPath(), s.repo(), s.stateDir(), kept.first())),
                 PealTest::tail(r.err).constData());
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
    }

    void dryRunSaysWhereTheOldFileWouldGoAndMovesNothing()
    {
        Scenario s;
        const QByteArray old = "not json at all";
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s, old));
        const auto r = s.run({u"--dry-run"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(u"a run would move it aside to state.json.<time>.bak"), PealTest::tail(r.err).constData());
        QVERIFY(backups(s).isEmpty());
        QCOMPARE(s.stateJson(), old);
    }
};

QTEST_GUILESS_MAIN(tst_Trust)
#include "tst_trust.moc"
