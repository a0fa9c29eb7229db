// SPDX-License-Identifier: MIT
// The dashboard in a real browser: Debian's chromium, driven by playwright-core from npm
// (tests/browser/dashboard.cjs), opens `peal serve`'s page before a run starts; the run (a slow
// stand-in agent, a reviewer with findings) goes on; the page shows every task going from
// pending to running to done, the agents at work, the review's findings with their fates and
// the totals; a second page opened after the run shows the same from the journal. The
// screenshots it takes are those in docs/dashboard.md (PEAL_SCREENSHOT_DIR keeps them).
#include "testsupport.h"

#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {

constexpr int kWaitMs = 150000;

QString nodeModules()
{
    return QStringLiteral(PEAL_BUILD_DIR "/agent-clis/node_modules");
}

QList<QJsonObject> lines(const QByteArray &output)
{
    QList<QJsonObject> out;
    for (const QByteArray &line : output.split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (!o.isEmpty())
            out << o;
    }
    return out;
}

} // namespace

class tst_DashboardBrowser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void thePageFollowsARunAndReplaysIt()
    {
        const QString node = QStandardPaths::findExecutable(u"node"_s);
        const QString chromium = QStandardPaths::findExecutable(u"chromium"_s);
        QVERIFY2(!node.isEmpty(), "node is needed (scripts/test.sh installs it)");
        QVERIFY2(!chromium.isEmpty(), "Debian's chromium is needed (scripts/test.sh installs it)");
        QVERIFY2(QFileInfo::exists(nodeModules() + u"/playwright-core/package.json"_s),
                 "playwright-core from npm is needed (scripts/test.sh installs it)");

        Scenario s("## Task 1\nAdd the parser.\n\n## Task 2\nDocument the parser.\n\n## Task 3\nTest the parser.\n");
        QVERIFY(s.isValid());
        QProcess serve;
        QByteArray served;
        serve.setProcessChannelMode(QProcess::MergedChannels);
        connect(&serve, &QProcess::readyRead, this, [&] { served += serve.readAll(); });
        serve.start(PealTest::pealBinary(), {u"serve"_s, u"--port"_s, u"0"_s, u"--state-dir"_s, s.stateDir()});
        static const QRegularExpression urlPattern(u"http://127\\.0\\.0\\.1:\\d+/"_s);
        QRegularExpressionMatch url;
        QVERIFY(QTest::qWaitFor([&] { return (url = urlPattern.match(QString::fromUtf8(served))).hasMatch(); }, 30000));

        QTemporaryDir shotsDir;
        const QString shots = qEnvironmentVariableIsSet("PEAL_SCREENSHOT_DIR") ? qEnvironmentVariable("PEAL_SCREENSHOT_DIR")
                                                                                : shotsDir.path();
        QProcess browser;
        QByteArray report;
        connect(&browser, &QProcess::readyReadStandardOutput, this, [&] { report += browser.readAllStandardOutput(); });
        browser.start(node, {QStringLiteral(PEAL_SOURCE_DIR "/tests/browser/dashboard.cjs"), url.captured(0), nodeModules(),
                             chromium, shots});
        QVERIFY2(QTest::qWaitFor([&] { return report.contains("\"step\":\"ready\"") || browser.state() == QProcess::NotRunning; },
                                 60000),
                 browser.readAllStandardError().constData());
        QVERIFY2(report.contains("\"step\":\"ready\""), QByteArray(report + browser.readAllStandardError()).constData());

        // The run starts once the page is open: task 1's review finds two, dismisses one, fixes one.
        const QString a = PealTest::stetFinding(u"a1111111"_s, u"unused import"_s);
        const QString b = PealTest::stetFinding(u"b2222222"_s, u"off by one"_s);
        PealTest::writeFile(s.path(u"script.json"_s),
                            (u'[' + QStringList{PealTest::findingList({a, b}), PealTest::findingList({a}), u"[]"_s}.join(u',') + u']')
                                .toUtf8());
        const auto run = s.runRaw({u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(),
                                   u"--state-dir"_s, s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent(), u"--stet-path"_s,
                                   PealTest::demoStet(), u"--commit-after-phase2"_s},
                                  {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"700"_s},
                                   {u"PEAL_FAKE_STET_MODE"_s, u"script"_s},
                                   {u"PEAL_FAKE_STET_SCRIPT"_s, s.path(u"script.json"_s)},
                                   {u"PEAL_FAKE_AGENT_TRIAGE_ANSWER"_s, u"Only finding a1111111 needs a fix."_s}},
                                  kWaitMs);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));

        QVERIFY(browser.waitForFinished(kWaitMs));
        report += browser.readAllStandardOutput();
        const QByteArray errors = browser.readAllStandardError();
        QVERIFY2(browser.exitCode() == 0, QByteArray(report + errors).constData());
        const QList<QJsonObject> steps = lines(report);
        QVERIFY(!steps.isEmpty());
        const QJsonObject result = steps.last();
        QCOMPARE(result.value(u"step"_s).toString(), u"result"_s);
        QVERIFY2(result.value(u"errors"_s).toArray().isEmpty(), report.constData()); // no script error on the page

        // Each task was seen pending, then running, then done (task 1 starts within a
        // millisecond of the run, so its pending moment may fall between two frames).
        const QJsonObject seen = result.value(u"seen"_s).toObject();
        for (const QString &task : {u"1"_s, u"2"_s, u"3"_s}) {
            QStringList statuses;
            for (const QJsonValue &v : seen.value(task).toArray())
                statuses << v.toString();
            if (task == u"1"_s && statuses.first() == u"running"_s)
                statuses.prepend(u"pending"_s);
            QVERIFY2(statuses == (QStringList{u"pending"_s, u"running"_s, u"done"_s}), qPrintable(task + u": "_s + statuses.join(u" -> "_s)));
        }
        // The agents at work: a card for the running task and its phase (the stand-in agent
        // prints its answer at the end, so there is no tool call to show).
        static const QRegularExpression card(u"Task [123] - (plan|execute|address)"_s);
        QVERIFY2(card.match(result.value(u"activity"_s).toString()).hasMatch(), report.constData());

        // The final totals, and task 1's review count in its row.
        const QJsonObject first = result.value(u"first"_s).toObject();
        const QJsonObject totals = first.value(u"totals"_s).toObject();
        QCOMPARE(totals.value(u"done"_s).toString(), u"3 / 3"_s);
        QCOMPARE(totals.value(u"status"_s).toString(), u"done"_s);
        QCOMPARE(totals.value(u"connection"_s).toString(), u"ended"_s);
        QCOMPARE(totals.value(u"cost"_s).toString(), u"not reported"_s); // the stand-in reports no cost
        const QJsonArray rows = first.value(u"rows"_s).toArray();
        QCOMPARE(rows.size(), 3);
        const QJsonArray cells = rows.at(0).toObject().value(u"cells"_s).toArray();
        QVERIFY2(cells.at(0).toString().contains(u"Add the parser."_s), qPrintable(cells.at(0).toString()));
        QVERIFY2(cells.last().toString().contains(u"2 found, 1 dismissed, 1 fixed, 0 left"_s), qPrintable(cells.last().toString()));

        // Task 1's view: each finding with its fate, and its calls.
        QStringList findings;
        for (const QJsonValue &v : result.value(u"findings"_s).toArray())
            findings << v.toObject().value(u"fate"_s).toString() + u": "_s + v.toObject().value(u"text"_s).toString();
        QCOMPARE(findings.size(), 2);
        QVERIFY2(findings.filter(u"dismissed: "_s).size() == 1 && findings.filter(u"off by one"_s).first().startsWith(u"dismissed"_s),
                 qPrintable(findings.join(u'\n')));
        QVERIFY2(findings.filter(u"unused import"_s).first().startsWith(u"fixed"_s), qPrintable(findings.join(u'\n')));
        QStringList calls;
        for (const QJsonValue &v : result.value(u"calls"_s).toArray())
            calls << v.toString();
        QVERIFY2(calls.contains(u"plan"_s) && calls.contains(u"execute"_s) && calls.contains(u"address"_s), qPrintable(calls.join(u", "_s)));

        // The page opened after the run shows the same run.
        const QJsonObject second = result.value(u"second"_s).toObject();
        QCOMPARE(second.value(u"rows"_s).toArray(), rows);
        QCOMPARE(second.value(u"totals"_s).toObject(), totals);
        // A phone's page fits its width.
        QVERIFY2(result.value(u"phoneWidth"_s).toInt() <= 390, qPrintable(QString::number(result.value(u"phoneWidth"_s).toInt())));
        for (const QString &shot : {u"dashboard-running.png"_s, u"dashboard-done.png"_s, u"dashboard-task.png"_s, u"dashboard-phone.png"_s})
            QVERIFY2(QFileInfo(shots + u'/' + shot).size() > 1000, qPrintable(shot));

        serve.terminate();
        QVERIFY(serve.waitForFinished(30000));
        QCOMPARE(serve.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_DashboardBrowser)
#include "tst_dashboardbrowser.moc"
