// SPDX-License-Identifier: MIT
// Every agent call of a task is recorded under <state_dir>/tasks/<N>/ and `peal logs` shows it;
// the run's usage goes to run_summary.json and last_run.json as new fields.
#include "testsupport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {

QList<QJsonObject> linesOf(const QString &path)
{
    QList<QJsonObject> out;
    for (const QByteArray &line : PealTest::readFile(path).split('\n')) {
        if (!line.isEmpty())
            out << QJsonDocument::fromJson(line).object();
    }
    return out;
}

} // namespace

class tst_Logs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyCallIsRecordedAndShown()
    {
        Scenario s("## Task 1\nT1: greet.\n\n## Task 2\nT2: part.\n");
        QVERIFY(s.isValid());
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s});
        QCOMPARE(r.exitCode, 0);
        const QString dir = s.stateDir() + u"/tasks/1"_s;
        QCOMPARE(QDir(dir).entryList(QDir::Files, QDir::Name),
                 (QStringList{u"execute-1.jsonl"_s, u"plan-1.jsonl"_s}));
        const QList<QJsonObject> plan = linesOf(dir + u"/plan-1.jsonl"_s);
        QVERIFY(plan.size() >= 2);
        QCOMPARE(plan.first().value(u"kind"_s).toString(), u"call"_s);
        QCOMPARE(plan.first().value(u"agent"_s).toString(), u"cursor"_s);
        QVERIFY(plan.first().value(u"prompt"_s).toString().contains(u"T1: greet."_s)); // the user's own state dir
        QCOMPARE(plan.last().value(u"kind"_s).toString(), u"end"_s);
        QCOMPARE(plan.last().value(u"status"_s).toString(), u"succeeded"_s);
        QCOMPARE(plan.last().value(u"exit_code"_s).toInt(), 0);
        QVERIFY(!plan.last().value(u"stdout_tail"_s).toString().isEmpty());
        // Prompts never reach the log.
        QVERIFY(!r.err.contains(u"T1: greet."_s));

        const auto shown = PealTest::runPeal({u"logs"_s, u"1"_s, u"--state-dir"_s, s.stateDir()});
        QCOMPARE(shown.exitCode, 0);
        // Each call names its run (a record of an earlier peal names none: "(attempt 1)").
        QVERIFY2(shown.out.contains(QRegularExpression(u"== plan \\(run \\d{8}T\\d{6}Z-\\d+, attempt 1\\) with cursor"_s)),
                 qPrintable(shown.out));
        QVERIFY(shown.out.contains(QRegularExpression(u"== execute \\(run \\d{8}T\\d{6}Z-\\d+, attempt 1\\) with cursor"_s)));
        QVERIFY(shown.out.indexOf(u"== plan"_s) < shown.out.indexOf(u"== execute"_s));
        const auto json = PealTest::runPeal({u"logs"_s, u"1"_s, u"--json"_s, u"--phase"_s, u"execute"_s, u"--state-dir"_s, s.stateDir()});
        QCOMPARE(json.exitCode, 0);
        const QStringList lines = json.out.split(u'\n', Qt::SkipEmptyParts);
        QVERIFY(lines.size() >= 2);
        for (const QString &line : lines)
            QCOMPARE(QJsonDocument::fromJson(line.toUtf8()).object().value(u"mode"_s).toString().isEmpty(),
                     QJsonDocument::fromJson(line.toUtf8()).object().value(u"kind"_s) != u"call"_s);
        const auto raw = PealTest::runPeal({u"logs"_s, u"2"_s, u"--raw"_s, u"--state-dir"_s, s.stateDir()});
        QVERIFY(raw.out.contains(u"== plan-1: the agent's output"_s));
        // The tail kept in the record's end line: what the agent printed.
        const QString printed = linesOf(s.stateDir() + u"/tasks/2/plan-1.jsonl"_s).last().value(u"stdout_tail"_s).toString();
        QVERIFY(!printed.isEmpty());
        QVERIFY2(raw.out.contains(printed) && !raw.out.contains(u"not written yet"_s), qPrintable(raw.out));
        const auto list = PealTest::runPeal({u"logs"_s, u"--state-dir"_s, s.stateDir()});
        QCOMPARE(list.out, u"task 1: plan-1, execute-1\ntask 2: plan-1, execute-1\n"_s);

        // --follow prints the same and ends once the task's calls have ended (bounded).
        const auto followed = PealTest::runPeal({u"logs"_s, u"1"_s, u"--follow"_s, u"--state-dir"_s, s.stateDir()}, {}, {}, 20000);
        QCOMPARE(followed.exitCode, 0);
        QCOMPARE(followed.out, shown.out);

        // A task run again gets new records; the old ones stay.
        QCOMPARE(s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--redo"_s, u"1"_s}).exitCode, 0);
        QVERIFY(QFile::exists(dir + u"/plan-2.jsonl"_s));
        QVERIFY(QFile::exists(dir + u"/plan-1.jsonl"_s));
    }

    void followShowsACallAsItIsWritten()
    {
        // Before the task's first call, --follow waits for its records and prints each line
        // once it is whole, then ends a few seconds after the call's end line.
        QTemporaryDir state;
        QProcess follow;
        follow.start(PealTest::pealBinary(), {u"logs"_s, u"3"_s, u"--follow"_s, u"--state-dir"_s, state.path()});
        QVERIFY(follow.waitForStarted(10000));
        QByteArray out;
        const auto shows = [&](const QByteArray &text) {
            return QTest::qWaitFor([&] {
                out += follow.readAllStandardOutput();
                return out.contains(text);
            }, 20000);
        };
        const QString dir = state.filePath(u"tasks/3"_s);
        QVERIFY(QDir().mkpath(dir));
        QFile record(dir + u"/plan-1.jsonl"_s);
        QVERIFY(record.open(QIODevice::WriteOnly | QIODevice::Unbuffered));
        record.write(R"({"kind":"call","mode":"plan","attempt":1,"agent":"cursor","started":"2026-01-01T00:00:00.000Z","program":"agent","workspace":"/w","prompt":"p"})"
                     "\n{\"kind\":\"text\",\"text\":\"hel");
        QVERIFY2(shows("== plan (attempt 1) with cursor"), out.constData());
        QVERIFY(!out.contains("hel")); // half a line is not printed
        record.write("lo\"}\n");
        QVERIFY2(shows("says: hello"), out.constData());
        QCOMPARE(follow.state(), QProcess::Running); // the call has not ended
        record.write(R"({"kind":"end","status":"succeeded","duration_ms":1500,"input_tokens":3,"output_tokens":4})" "\n");
        QVERIFY2(shows("ended: succeeded in 1.5 s"), out.constData());
        QVERIFY(follow.waitForFinished(20000));
        QCOMPARE(follow.exitCode(), 0);
    }

    void statusWatchFollowsARunToItsEnd()
    {
        Scenario s("## Task 1\nT1: first.\n\n## Task 2\nT2: second.\n");
        QVERIFY(s.isValid());
        // Nothing runs: said so, and done.
        const auto idle = PealTest::runPeal({u"status"_s, u"--watch"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(),
                                             u"--state-dir"_s, s.stateDir()});
        QCOMPARE(idle.exitCode, 0);
        QVERIFY2(idle.out.contains(u"no run is in progress"_s), qPrintable(idle.out));

        QProcess run;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"400"_s);
        run.setProcessEnvironment(env);
        run.setWorkingDirectory(s.dir());
        run.start(PealTest::pealBinary(), {u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                           s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent(), u"--no-review"_s});
        QVERIFY(run.waitForStarted());
        QVERIFY(QTest::qWaitFor([&] { return QFile::exists(s.stateDir() + u"/peal.lock"_s); }, 20000));
        // Not a terminal: one line per event, until the run ends.
        const auto watched = PealTest::runPeal({u"status"_s, u"--watch"_s, u"--plan"_s, s.planPath(), u"--repo"_s,
                                                s.repo(), u"--state-dir"_s, s.stateDir()},
                                               s.dir(), {}, 60000);
        QVERIFY(run.waitForFinished(30000));
        QCOMPARE(run.exitCode(), 0);
        QCOMPARE(watched.exitCode, 0);
        QVERIFY2(watched.out.contains(u"task 2: execute\n"_s), qPrintable(watched.out));
        QVERIFY(watched.out.contains(u"task 2 done\n"_s));
        QVERIFY2(watched.out.trimmed().endsWith(u"run ended: exit 0"_s), qPrintable(watched.out));
    }

    void usageIsAddedToTheSummariesAsNewFields()
    {
        Scenario s("## Task 1\nT1: greet.\n");
        QVERIFY(s.isValid());
        QCOMPARE(s.run({u"--stet-path"_s, u"/nonexistent"_s}).exitCode, 0);
        const QJsonObject summary = PealTest::json(s.summaryJson());
        // The reference's fields first and unchanged, then ours.
        QCOMPARE(summary.keys().size(), 8);
        QCOMPARE(PealTest::ints(summary.value(u"tasks_completed"_s)), QList<int>{1});
        const QJsonObject usage = summary.value(u"usage"_s).toObject();
        QCOMPARE(usage.value(u"agent_calls"_s).toInt(), 2);
        QCOMPARE(usage.value(u"tasks"_s).toObject().value(u"1"_s).toObject().value(u"agent_calls"_s).toInt(), 2);
        QVERIFY(!usage.contains(u"cost_usd"_s)); // the demo agent reports none
        QVERIFY(s.summaryJson().indexOf("\"completed_at\"") < s.summaryJson().indexOf("\"usage\""));
        const QJsonObject last = PealTest::json(PealTest::readFile(s.stateDir() + u"/last_run.json"_s));
        QCOMPARE(last.value(u"usage"_s).toObject().value(u"agent_calls"_s).toInt(), 2);
    }

    void nothingRecordedIsAClearError()
    {
        QTemporaryDir dir;
        const auto r = PealTest::runPeal({u"logs"_s, u"3"_s, u"--state-dir"_s, dir.path()});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(u"error: no agent call of task 3 is recorded in "_s), PealTest::tail(r.err).constData());
        QCOMPARE(PealTest::runPeal({u"logs"_s, u"x"_s}).exitCode, 2);
        QCOMPARE(PealTest::runPeal({u"logs"_s, u"--follow"_s}).exitCode, 2);
        QCOMPARE(PealTest::runPeal({u"logs"_s, u"1"_s, u"--phase"_s, u"review"_s}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(tst_Logs)
#include "tst_logs.moc"
