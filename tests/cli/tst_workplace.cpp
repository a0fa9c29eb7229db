// SPDX-License-Identifier: MIT
// Commands that know where they are: ./peal.toml, else the state in ./.peal, names the plan
// and repository; `peal init` writes both files and never overwrites; `peal reset` takes
// several tasks and refuses one the plan does not have; a mistyped command or flag gets a
// "did you mean"; a run with nothing to do says so, and a resumed run counts what is done;
// the plan's heading warnings are said again at the end.
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {

const QByteArray kTwoTasks = "## Task 1\nT1: first\n\n## Task 2\nT2: second\n";

// A peal.toml in the scenario's directory that names its plan, repository and state.
void writeHereConfig(const Scenario &s)
{
    const QByteArray toml = "plan_path = \"plan.md\"\nrepo_path = \"repo\"\nstate_dir = \"state\"\nagent_cmd = \""
                            + PealTest::demoAgent().toUtf8() + "\"\nreviewer_plugin = \"none\"\n";
    QVERIFY(PealTest::writeFile(s.path(u"peal.toml"_s), toml));
}

// `peal <arguments>` on a pseudo-terminal, as a person reads it.
QString onTerminal(const QString &dir, const QStringList &arguments, QHash<QString, QString> env = {})
{
    env.insert(u"TERM"_s, u"xterm"_s);
    env.insert(u"NO_COLOR"_s, u"1"_s);
    const QString command = QStringList{PealTest::pealBinary()}.join(u' ') + u' ' + arguments.join(u' ');
    QString out = PealTest::run(QStandardPaths::findExecutable(u"script"_s), {u"-qec"_s, command, u"/dev/null"_s}, dir, env).out;
    out.remove(QRegularExpression(u"\x1b\\[[0-9;]*[A-Za-z]"_s));
    out.replace(u"\r\n"_s, u"\n"_s);
    out.replace(u'\r', u'\n');
    return out;
}

} // namespace

class tst_Workplace : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aPealTomlHereIsTheConfiguration()
    {
        Scenario s(kTwoTasks);
        writeHereConfig(s);
        const auto run = s.runRaw({u"run"_s}, {{u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog()}});
        QVERIFY2(run.exitCode == 0, PealTest::tail(run.err).constData());
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        const auto status = s.runRaw({u"status"_s});
        QVERIFY2(status.exitCode == 0, PealTest::tail(status.err).constData());
        QVERIFY2(status.out.contains(u"(2 of 2 tasks done)"_s), qPrintable(status.out));
        // peal logs reads the state directory the file names.
        const auto logs = s.runRaw({u"logs"_s, u"1"_s});
        QVERIFY2(logs.exitCode == 0, PealTest::tail(logs.err).constData());
        QVERIFY2(logs.out.contains(u"== plan (run "_s), qPrintable(logs.out));
        const auto reset = s.runRaw({u"reset"_s, u"--task"_s, u"1"_s, u"--task"_s, u"2"_s});
        QVERIFY2(reset.exitCode == 0, PealTest::tail(reset.err).constData());
        QCOMPARE(s.completed(), QList<int>());
    }

    void theStateHereNamesThePlanAndRepo()
    {
        Scenario s(kTwoTasks);
        // A first run with every path given, its state in ./.peal.
        const auto first = s.runRaw({u"run"_s, u"--plan"_s, u"plan.md"_s, u"--repo"_s, u"repo"_s, u"--agent-cmd"_s,
                                     PealTest::demoAgent(), u"--no-review"_s});
        QVERIFY2(first.exitCode == 0, PealTest::tail(first.err).constData());
        QVERIFY(QFile::exists(s.path(u".peal/state.json"_s)));
        const auto status = s.runRaw({u"status"_s});
        QVERIFY2(status.exitCode == 0, PealTest::tail(status.err).constData());
        QVERIFY2(status.out.contains(u"plan:      plan.md (2 tasks"_s), qPrintable(status.out));
        const auto reset = s.runRaw({u"reset"_s, u"--task"_s, u"2"_s});
        QVERIFY2(reset.exitCode == 0, PealTest::tail(reset.err).constData());
        QVERIFY(reset.out.contains(u"task 2 is no longer completed"_s));
    }

    void nowhereTheErrorSaysWhatToGive()
    {
        QTemporaryDir empty;
        const auto status = PealTest::runPeal({u"status"_s}, empty.path());
        QCOMPARE(status.exitCode, 1);
        QVERIFY2(status.err.contains(u"error: plan_path is required (via --plan, PEAL_PLAN_PATH, or config file)"_s),
                 qPrintable(status.err));
        QVERIFY(status.err.contains(u"give --plan and --repo"_s));
        QVERIFY(status.err.contains(u"peal init"_s));
    }

    void initWritesAConfigAndAPlanAndNeverOverwrites()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::initGitRepo(dir.path()));
        const auto init = PealTest::runPeal({u"init"_s}, dir.path());
        QVERIFY2(init.exitCode == 0, qPrintable(init.err));
        const QByteArray plan = PealTest::readFile(dir.filePath(u"plan.md"_s));
        QVERIFY(plan.contains("## Task 1\n"));
        // The written configuration is read as it is, and names the plan it wrote.
        QVERIFY(PealTest::commitAll(dir.path(), u"peal files"_s));
        const auto dry = PealTest::runPeal({u"run"_s, u"--dry-run"_s, u"--agent-cmd"_s, PealTest::demoAgent()}, dir.path());
        QVERIFY2(dry.exitCode == 0, qPrintable(dry.err));
        QVERIFY2(dry.out.contains(u"Segment 1: task 1"_s), qPrintable(dry.out));
        // Again: refused, nothing changed.
        QVERIFY(PealTest::writeFile(dir.filePath(u"plan.md"_s), "## Task 1\nmine\n"));
        const auto again = PealTest::runPeal({u"init"_s}, dir.path());
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains(u"error: peal.toml and plan.md already exist; nothing was written"_s), qPrintable(again.err));
        QCOMPARE(PealTest::readFile(dir.filePath(u"plan.md"_s)), QByteArray("## Task 1\nmine\n"));
    }

    void resetKnowsThePlansTasksAndItsOwnOptions()
    {
        Scenario s(kTwoTasks);
        writeHereConfig(s);
        QCOMPARE(s.runRaw({u"run"_s}).exitCode, 0);
        const auto unknown = s.runRaw({u"reset"_s, u"--task"_s, u"9"_s});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains(u"error: task 9 not in the plan plan.md (its tasks are 1, 2; nothing was changed)"_s),
                 qPrintable(unknown.err));
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        const auto help = PealTest::runPeal({u"reset"_s, u"--help"_s});
        QVERIFY(help.out.contains(u"--task <N>"_s));
        QVERIFY2(!help.out.contains(u"--agent-cmd"_s), qPrintable(help.out));
        QVERIFY(!help.out.contains(u"--max-parallel"_s));
    }

    void aMistypedCommandOrFlagGetsADidYouMean()
    {
        const auto command = PealTest::runPeal({u"stauts"_s});
        QCOMPARE(command.exitCode, 2);
        QVERIFY2(command.err.contains(u"error: unrecognized subcommand 'stauts'; did you mean 'status'?"_s), qPrintable(command.err));
        const auto flag = PealTest::runPeal({u"run"_s, u"--paralel"_s});
        QCOMPARE(flag.exitCode, 2);
        QVERIFY2(flag.err.contains(u"error: unexpected argument '--paralel' found; did you mean '--parallel'?"_s), qPrintable(flag.err));
        const auto far = PealTest::runPeal({u"run"_s, u"--zzzzzzzz"_s});
        QVERIFY2(far.err.contains(u"error: unexpected argument '--zzzzzzzz' found\n"_s), qPrintable(far.err));
    }

    void aTerminalSaysWhenThereIsNothingToDoAndCountsWhatIsDone()
    {
        QVERIFY2(!QStandardPaths::findExecutable(u"script"_s).isEmpty(), "script(1) from bsdutils is needed");
        Scenario s(kTwoTasks);
        writeHereConfig(s);
        // Task 2 fails; the run again counts task 1 as done while task 2 runs.
        QCOMPARE(s.runRaw({u"run"_s}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T2"_s}}).exitCode, 1);
        const QString resumed = onTerminal(s.dir(), {u"run"_s}, {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"400"_s}});
        QVERIFY2(resumed.contains(u"· 1/2 done"_s), qPrintable(resumed));
        QVERIFY(!resumed.contains(u"· 0/2 done"_s));
        const QString nothing = onTerminal(s.dir(), {u"run"_s});
        QVERIFY2(nothing.contains(u"nothing to do: all 2 tasks of the plan are done"_s), qPrintable(nothing));
    }

    void everyRunIsKeptInTheHistoryAndNamesItsCalls()
    {
        Scenario s(kTwoTasks);
        writeHereConfig(s);
        // Task 2 fails twice (once in each of two runs), then a third run finishes it.
        QCOMPARE(s.runRaw({u"run"_s}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T2"_s}}).exitCode, 1);
        QCOMPARE(s.runRaw({u"run"_s}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"T2"_s}}).exitCode, 1);
        QCOMPARE(s.runRaw({u"run"_s}).exitCode, 0);
        const auto history = s.runRaw({u"history"_s});
        QVERIFY2(history.exitCode == 0, qPrintable(history.err));
        const QStringList lines = history.out.split(u'\n', Qt::SkipEmptyParts).filter(QRegularExpression(u"^\\d{8}T"_s));
        QCOMPARE(lines.size(), 3);
        // Newest first: the run that finished task 2.
        QVERIFY2(lines[0].contains(u"success (exit 0)"_s) && lines[0].contains(u"done 2"_s), qPrintable(history.out));
        QVERIFY(lines[2].contains(u"failed (exit 1)"_s) && lines[2].contains(u"done 1 "_s));
        const auto json = s.runRaw({u"history"_s, u"--json"_s});
        const QList<QByteArray> records = json.out.toUtf8().trimmed().split('\n');
        QCOMPARE(records.size(), 3);
        const QJsonObject newest = PealTest::json(records.first());
        QCOMPARE(newest.value(u"completed_tasks"_s).toArray(), QJsonArray{2});
        QCOMPARE(newest.value(u"config"_s).toObject().value(u"agent_cmd"_s).toString(), PealTest::demoAgent());
        QVERIFY(!newest.value(u"run_id"_s).toString().isEmpty());
        // Each run keeps its journal of events beside its record.
        const QString journal = s.path(u"state/runs/%1.jsonl"_s.arg(newest.value(u"run_id"_s).toString()));
        const QList<QByteArray> events = PealTest::readFile(journal).trimmed().split('\n');
        QVERIFY2(events.size() >= 4, qPrintable(journal));
        // The run's picture first (its tasks, with their titles), then its start.
        QCOMPARE(PealTest::json(events.first()).value(u"kind"_s).toString(), u"run_plan"_s);
        QCOMPARE(PealTest::json(events.first()).value(u"seq"_s).toInt(), 1);
        QCOMPARE(PealTest::json(events.first()).value(u"tasks"_s).toArray().size(), 2);
        QCOMPARE(PealTest::json(events.at(1)).value(u"kind"_s).toString(), u"run_started"_s);
        QCOMPARE(PealTest::json(events.last()).value(u"kind"_s).toString(), u"run_ended"_s);
        QVERIFY(PealTest::readFile(journal).contains("\"kind\":\"task_finished\""));

        // peal logs tells the calls of the three runs apart by their run.
        const auto logs = s.runRaw({u"logs"_s, u"2"_s, u"--phase"_s, u"plan"_s});
        QCOMPARE(logs.out.count(u"== plan (run "_s), 3);
        QCOMPARE(logs.out.count(u", attempt 1) with"_s), 3);
        QVERIFY2(logs.out.contains(u"== plan (run %1, attempt 1)"_s.arg(newest.value(u"run_id"_s).toString())),
                 qPrintable(logs.out));
    }

    void aKilledRunIsInTheHistoryFromItsJournal()
    {
        Scenario s(kTwoTasks);
        QVERIFY(s.isValid());
        // Task 1 done, task 2's plan hanging: then kill -9, so no record is written.
        QProcess run;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"T2: second=60000"_s);
        env.insert(u"PEAL_FAKE_AGENT_STARTED"_s, s.path(u"started.txt"_s)); // "<mode> <pid> sleeping"
        run.setProcessEnvironment(env);
        run.start(PealTest::pealBinary(), {u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                           s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent(), u"--no-review"_s});
        QVERIFY(run.waitForStarted());
        QVERIFY(QTest::qWaitFor([&] {
            const QDir runs(s.stateDir() + u"/runs"_s);
            const QStringList journals = runs.entryList({u"*.jsonl"_s});
            return !journals.isEmpty() && PealTest::readFile(runs.filePath(journals.first())).contains("\"phase\":\"plan\",\"position\":2");
        }, 30000));
        // While it goes on, the history says so.
        auto history = PealTest::runPeal({u"history"_s, u"--state-dir"_s, s.stateDir()});
        QVERIFY2(history.out.contains(u"  running  "_s) && history.out.contains(u"done 1  failed -  2 call(s), 0 tokens"_s),
                 qPrintable(history.out));
        run.kill();
        QVERIFY(run.waitForFinished(30000));
        // The sleeping agent outlives a peal killed with SIGKILL: the test ends it.
        for (const QString &line : QString::fromUtf8(PealTest::readFile(s.path(u"started.txt"_s))).split(u'\n')) {
            if (line.endsWith(u" sleeping"_s))
                ::kill(pid_t(line.section(u' ', 1, 1).toLongLong()), SIGKILL);
        }
        history = PealTest::runPeal({u"history"_s, u"--state-dir"_s, s.stateDir()});
        QCOMPARE(history.exitCode, 0);
        QVERIFY2(history.out.contains(u"  killed  "_s) && history.out.contains(u"done 1  failed -"_s), qPrintable(history.out));
        QVERIFY2(history.out.contains(u"error: the run wrote no record: it was killed"_s), qPrintable(history.out));
        const auto json = PealTest::runPeal({u"history"_s, u"--json"_s, u"--state-dir"_s, s.stateDir()});
        const QJsonObject record = PealTest::json(json.out.toUtf8().trimmed());
        QCOMPARE(record.value(u"outcome"_s).toString(), u"killed"_s);
        QCOMPARE(record.value(u"exit_code"_s).toInt(), -1);
        QCOMPARE(record.value(u"usage"_s).toObject().value(u"agent_calls"_s).toInt(), 2);
    }

    void thePlansHeadingWarningsAreSaidAgainAtTheEnd()
    {
        Scenario s("## Task 1\nT1: first\n\n## Task 2: second\nT2: second\n");
        const auto r = s.run({u"--no-review"_s, u"--quiet"_s});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        const QStringList lines = r.err.split(u'\n', Qt::SkipEmptyParts);
        QVERIFY2(lines.size() >= 2, qPrintable(r.err));
        QVERIFY2(lines.first().contains(u":4: "_s), qPrintable(r.err));
        QVERIFY2(lines.last().contains(u"has 1 line(s) that look like task headings but were not run as tasks (line 4)"_s),
                 qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(tst_Workplace)
#include "tst_workplace.moc"
