// SPDX-License-Identifier: MIT
// `peal demo`, the README's main command: the real engine over a real repository with the demo
// agent and reviewer, including a review that finds something in task 1 and its fix.
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_Demo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aRealAgentThatIsNotInstalledSaysHowToInstallIt()
    {
        QTemporaryDir temp;
        const auto r = PealTest::runPeal({u"demo"_s, u"--agent"_s, u"claude"_s, u"--dir"_s, temp.filePath(u"d"_s)}, {},
                                         {{u"PATH"_s, u"/nonexistent"_s}});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"install it with 'npm install -g @anthropic-ai/claude-code'"_s), PealTest::tail(r.err).constData());
        const auto copilot = PealTest::runPeal({u"demo"_s, u"--agent"_s, u"copilot"_s, u"--dir"_s, temp.filePath(u"c"_s)}, {},
                                               {{u"PATH"_s, u"/nonexistent"_s}});
        QCOMPARE(copilot.exitCode, 1);
        QVERIFY2(copilot.err.contains(u"install it with 'npm install -g @github/copilot'"_s), PealTest::tail(copilot.err).constData());
        const auto unknown = PealTest::runPeal({u"demo"_s, u"--agent"_s, u"aider"_s});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.contains(u"qwen"_s), PealTest::tail(unknown.err).constData()); // the choices
    }

    void demoRunsEveryPhaseAndReportsWhereThingsAre()
    {
        QTemporaryDir temp;
        const QString dir = temp.filePath(u"demo"_s);
        const auto r = PealTest::runPeal({u"demo"_s, u"--dir"_s, dir}, {}, {}, 180000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.startsWith(u"peal demo in %1: a 4-task plan"_s.arg(dir)), qPrintable(r.out));
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

    // On a terminal (a pseudo-terminal made by script(1)), a person gets one line per task, a
    // table and the log in a file; the whole demo fits in 20 lines.
    void onATerminalTheDemoIsShortAndTheLogGoesToAFile_data()
    {
        QTest::addColumn<QString>("term");
        QTest::newRow("xterm") << u"xterm"_s;
        QTest::newRow("dumb: no colour, no cursor control") << u"dumb"_s;
    }
    void onATerminalTheDemoIsShortAndTheLogGoesToAFile()
    {
        QFETCH(QString, term);
        const QString script = QStandardPaths::findExecutable(u"script"_s);
        if (script.isEmpty())
            QFAIL("script(1) from util-linux is needed");
        QTemporaryDir temp;
        const QString dir = temp.filePath(u"demo"_s);
        const auto r = PealTest::run(script, {u"-qfec"_s, PealTest::pealBinary() + u" demo --dir "_s + dir, u"/dev/null"_s},
                                     {}, {{u"TERM"_s, term}}, 180000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        const bool dumb = term == u"dumb";
        // Without the live line each of the 12 phases that start is a line too.
        QVERIFY2(r.out.count(u'\n') <= (dumb ? 20 + 12 : 20), qPrintable(r.out));
        QCOMPARE(r.out.contains(u"\x1b["_s), !dumb);
        // What a person reads, without the colours and the redrawn live line.
        QString shown = r.out;
        shown.remove(QRegularExpression(u"\x1b\\[[0-9;]*[A-Za-z]"_s));
        const QString mark = dumb ? u"+"_s : u"✓"_s;
        QVERIFY2(shown.contains(mark + u" task 1  done · "_s), qPrintable(shown));
        QVERIFY2(shown.contains(u"review: 1 found, 0 dismissed, 1 fixed, 0 left in 1 round · committed "_s), qPrintable(shown));
        QVERIFY(shown.contains(mark + u" task 2  done · "_s));
        QVERIFY(shown.contains(u"(with task 3)"_s));
        QVERIFY(shown.contains(u"  task  result "_s));
        QVERIFY(shown.contains(u"the log is in %1/.peal/peal.log"_s.arg(dir)));
        QVERIFY(!shown.contains(u" INFO "_s)); // the log lines are in the file
        QCOMPARE(shown.contains(u"    task 1 plan ..."_s), dumb); // without the live line, phases are lines
        const QByteArray log = PealTest::readFile(dir + u"/.peal/peal.log"_s);
        QVERIFY(log.contains("\"findings detected, starting address loop\""));
    }
};

QTEST_GUILESS_MAIN(tst_Demo)
#include "tst_demo.moc"
