// SPDX-License-Identifier: MIT
// `peal demo`, the README's main command: the real engine over a real repository with the demo
// agent and reviewer, including a review that finds something in task 1 and its fix.
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_Demo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void demoRunsEveryPhaseAndReportsWhereThingsAre()
    {
        QTemporaryDir temp;
        const QString dir = temp.filePath(u"demo"_s);
        const auto r = PealTest::runPeal({u"demo"_s, u"--dir"_s, dir}, {}, {}, 180000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY(r.out.contains(u"  repository: %1/repo\n"_s.arg(dir)));
        QVERIFY(r.out.contains(u"Result: exit code 0 (every task done)"));

        const QJsonObject state = QJsonDocument::fromJson(PealTest::readFile(dir + u"/.peal/state.json"_s)).object();
        QCOMPARE(state.value(u"completed_task_indices"_s).toArray(), (QJsonArray{1, 2, 3, 4}));
        const QJsonObject summary =
            QJsonDocument::fromJson(PealTest::readFile(dir + u"/.peal/run_summary.json"_s)).object();
        QCOMPARE(summary.value(u"exit_code"_s).toInt(), 0);
        QCOMPARE(summary.value(u"tasks_with_remaining_findings"_s).toArray(), QJsonArray());

        // The agent's edits are real and committed; task 1 was reviewed, fixed and re-reviewed.
        const QString repo = dir + u"/repo"_s;
        QVERIFY(PealTest::readFile(repo + u"/greeting.txt"_s).startsWith("Hello from peal!"));
        QVERIFY(PealTest::readFile(repo + u"/README.md"_s).contains("The greeting lives in greeting.txt."));
        QVERIFY(QFile::exists(repo + u"/CHANGELOG.md"_s));
        const QString log = PealTest::git(repo, {u"log"_s, u"--format=%s"_s});
        QVERIFY2(log.contains(u"peal: task 1"), qPrintable(log));
        QVERIFY(log.contains(u"peal: task 4"));
        QVERIFY2(r.err.contains(u"findings detected, starting address loop"), qPrintable(r.err.right(3000)));
        QCOMPARE(PealTest::git(repo, {u"status"_s, u"--porcelain"_s}).trimmed(), QString()); // clean tree

        // Run again as the demo suggests: it resumes and has nothing left to do.
        const auto again = PealTest::runPeal({u"demo"_s, u"--dir"_s, dir});
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.startsWith(u"error: --dir %1 is not empty"_s.arg(dir)));
    }
};

QTEST_GUILESS_MAIN(tst_Demo)
#include "tst_demo.moc"
