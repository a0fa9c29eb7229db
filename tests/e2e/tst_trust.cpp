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

namespace {

QJsonObject json(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

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
        QVERIFY2(!again.err.contains(u"does not match"), qPrintable(again.err));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:2"_s, u"execute:2"_s})); // task 1 not again
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        // The file keeps the reference's fields and the values of the run that wrote it.
        const QJsonObject state = json(s.stateJson());
        QCOMPARE(state.value(u"plan_path"_s).toString(), u"plan.md"_s);
        QCOMPARE(state.value(u"repo_path"_s).toString(), u"repo"_s);
        QVERIFY(backups(s).isEmpty());
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
                 qPrintable(r.err));
        QVERIFY2(r.err.contains(u"; starting fresh; the old file is kept as "_s + s.stateDir() + u'/' + kept.first()),
                 qPrintable(r.err));
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
                 qPrintable(r.err));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
    }

    void dryRunSaysWhereTheOldFileWouldGoAndMovesNothing()
    {
        Scenario s;
        const QByteArray old = "not json at all";
        QVERIFY(PealTest::writeFile(s.stateDir() + u"/state.json"_s, old));
        const auto r = s.run({u"--dry-run"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(u"a run would move it aside to state.json.<time>.bak"), qPrintable(r.err));
        QVERIFY(backups(s).isEmpty());
        QCOMPARE(s.stateJson(), old);
    }
};

QTEST_GUILESS_MAIN(tst_Trust)
#include "tst_trust.moc"
