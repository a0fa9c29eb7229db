// SPDX-License-Identifier: MIT
// What a person sees of a review: the task line's count (found, dismissed, fixed, left), the
// findings a failed review left, every round and finding's fate in `peal logs N`, the prompts
// with `--prompt`, and a run without a reviewer that says so on every output unless
// `--no-review` asked for it.
#include "testsupport.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {


const QString kA = PealTest::stetFinding(u"a1111111"_s, u"unused import"_s);
const QString kB = PealTest::stetFinding(u"b2222222"_s, u"off by one"_s);

QString list(const QStringList &findings)
{
    return PealTest::findingList(findings);
}

QStringList runArgs(const Scenario &s, const QStringList &extra = {})
{
    return QStringList{PealTest::pealBinary(), u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(),
                       u"--state-dir"_s, s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent(), u"--stet-path"_s,
                       PealTest::demoStet(), u"--commit-after-phase2"_s}
           + extra;
}

QHash<QString, QString> scripted(const Scenario &s, const QStringList &steps, QHash<QString, QString> env = {})
{
    PealTest::writeFile(s.path(u"script.json"_s), (u'[' + steps.join(u',') + u']').toUtf8());
    env.insert(u"PEAL_FAKE_STET_MODE"_s, u"script"_s);
    env.insert(u"PEAL_FAKE_STET_SCRIPT"_s, s.path(u"script.json"_s));
    env.insert(u"PEAL_FAKE_STET_LOG"_s, s.stetLog());
    env.insert(u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog());
    return env;
}

// `peal run` on a pseudo-terminal (script(1)), as a person sees it: colours and the redrawn
// live line removed.
PealTest::RunResult onTerminal(const Scenario &s, const QStringList &arguments, QHash<QString, QString> env)
{
    const QString script = QStandardPaths::findExecutable(u"script"_s);
    env.insert(u"TERM"_s, u"xterm"_s);
    env.insert(u"NO_COLOR"_s, u"1"_s);
    PealTest::RunResult r = PealTest::run(script, {u"-qec"_s, arguments.join(u' '), u"/dev/null"_s}, s.dir(), env);
    r.out.remove(QRegularExpression(u"\x1b\\[[0-9;]*[A-Za-z]"_s));
    r.out.replace(u"\r\n"_s, u"\n"_s);
    r.out.replace(u'\r', u'\n'); // the live line is redrawn after a carriage return
    return r;
}

} // namespace

class tst_ReviewView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void theTaskLineCountsTheFindings()
    {
        QVERIFY2(!QStandardPaths::findExecutable(u"script"_s).isEmpty(), "script(1) from bsdutils is needed");
        Scenario s;
        // Two found; triage dismisses b2222222; the round fixes a1111111.
        const auto r = onTerminal(s, runArgs(s),
                                  scripted(s, {list({kA, kB}), list({kA}), u"[]"_s},
                                           {{u"PEAL_FAKE_AGENT_TRIAGE_ANSWER"_s, u"Only finding a1111111 needs a fix."_s}}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out));
        QVERIFY2(r.out.contains(u"task 1  done · "_s), qPrintable(r.out));
        QVERIFY2(r.out.contains(u"review: 2 found, 1 dismissed, 1 fixed, 0 left in 1 round"_s), qPrintable(r.out));

        // peal logs shows each finding's fate, and the prompts only when asked.
        const auto logs = PealTest::runPeal({u"logs"_s, u"1"_s, u"--state-dir"_s, s.stateDir()}, s.dir());
        QCOMPARE(logs.exitCode, 0);
        QVERIFY2(logs.out.contains(u"== review: 1 round(s), resolved (clean); open findings 2 -> 0 =="_s), qPrintable(logs.out));
        QVERIFY2(logs.out.contains(u"   src/x.c:3: off by one - dismissed (false_positive) in round 1"_s), qPrintable(logs.out));
        QVERIFY2(logs.out.contains(u"   src/x.c:3: unused import - fixed in round 1"_s), qPrintable(logs.out));
        QVERIFY(logs.out.contains(u"characters (--prompt shows it)"_s));
        QVERIFY(!logs.out.contains(u"Create a plan for implementing this task:"_s));
        const auto prompts = PealTest::runPeal({u"logs"_s, u"1"_s, u"--prompt"_s, u"--state-dir"_s, s.stateDir()}, s.dir());
        QVERIFY2(prompts.out.contains(u"   prompt:\n     Create a plan for implementing this task:"_s), qPrintable(prompts.out));
        QVERIFY(prompts.out.contains(u"Address the following stet review findings."_s));
        // The records are the user's alone.
        const QString record = s.stateDir() + u"/tasks/1/plan-1.jsonl"_s;
        QCOMPARE(QFile::permissions(record) & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
    }

    void aFailedReviewListsWhatIsLeft()
    {
        Scenario s;
        const auto r = onTerminal(s, runArgs(s, {u"--max-address-rounds"_s, u"1"_s}),
                                  scripted(s, {list({kA, kB})}, {{u"PEAL_FAKE_AGENT_TRIAGE_ANSWER"_s, u"maybe fix something"_s}}));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains(u"2 stet findings remain after 1 address round(s)"_s), qPrintable(r.out));
        // Each line printed whole (the live line is redrawn between them).
        QVERIFY2(r.out.contains(u"\n      left: src/x.c:3: unused import\n"_s), qPrintable(r.out));
        QVERIFY(r.out.contains(u"\n      left: src/x.c:3: off by one\n"_s));
        QVERIFY(r.out.indexOf(u"left: src/x.c:3: unused import"_s) < r.out.indexOf(u"left: src/x.c:3: off by one"_s));
        QVERIFY(r.out.contains(u"\n      every round and finding: peal logs 1\n"_s));
        const auto logs = PealTest::runPeal({u"logs"_s, u"1"_s, u"--state-dir"_s, s.stateDir()}, s.dir());
        QVERIFY2(logs.out.contains(u"   src/x.c:3: unused import - left"_s), qPrintable(logs.out));
    }

    void noReviewerIsAWarningUnlessChosen()
    {
        Scenario s;
        // A stet that is not there: the run goes on, and says that nothing is reviewed.
        const auto missing = s.run({u"--stet-path"_s, s.path(u"nonexistent/stet"_s), u"--quiet"_s}, {{u"PATH"_s, u"/usr/bin:/bin"_s}});
        QVERIFY2(missing.exitCode == 0, PealTest::tail(missing.err).constData());
        QVERIFY2(missing.err.contains(u"warning: no review: "_s), qPrintable(missing.err));
        QVERIFY(missing.err.contains(u"pass --no-review to run without reviews on purpose"_s));

        Scenario t;
        const auto chosen = t.run({u"--no-review"_s, u"--quiet"_s});
        QVERIFY2(chosen.exitCode == 0, PealTest::tail(chosen.err).constData());
        QVERIFY2(!chosen.err.contains(u"no review"_s), qPrintable(chosen.err));
        QCOMPARE(t.stetCalls(), QStringList());

        // On a terminal the task line says it was not reviewed.
        Scenario u;
        const auto line = onTerminal(u, QStringList{PealTest::pealBinary(), u"run"_s, u"--plan"_s, u.planPath(), u"--repo"_s,
                                                   u.repo(), u"--state-dir"_s, u.stateDir(), u"--agent-cmd"_s,
                                                   PealTest::demoAgent(), u"--no-review"_s},
                                     {});
        QVERIFY2(line.out.contains(u"task 1  done, not reviewed · "_s), qPrintable(line.out));

        const auto both = t.run({u"--no-review"_s, u"--reviewer-plugin"_s, u"stet"_s});
        QCOMPARE(both.exitCode, 2); // a usage error
        QVERIFY2(both.err.contains(u"'--no-review' cannot be used with '--reviewer-plugin <ID>'"_s), qPrintable(both.err));
    }
};

QTEST_GUILESS_MAIN(tst_ReviewView)
#include "tst_reviewview.moc"
