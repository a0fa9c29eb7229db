// SPDX-License-Identifier: MIT
// run_summary.json: layout, path rules, temp names and time format (spec §10).
#include <peal/config.h>
#include <peal/summary.h>

#include "testsupport.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;
using namespace std::chrono;

class tst_Summary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jsonLayoutIsByteExact()
    {
        RunSummary s;
        s.tasksCompleted = {1, 3};
        s.tasksFailed = {2};
        s.exitCode = 2;
        s.planPath = u"plan.md"_s;
        s.repoPath = u"/repo"_s;
        s.completedAt = u"2026-01-02T03:04:05+00:00"_s;
        QCOMPARE(s.toJson(), QByteArray("{\n"
                                        "  \"tasks_completed\": [\n    1,\n    3\n  ],\n"
                                        "  \"tasks_failed\": [\n    2\n  ],\n"
                                        "  \"tasks_with_remaining_findings\": [],\n"
                                        "  \"exit_code\": 2,\n"
                                        "  \"plan_path\": \"plan.md\",\n"
                                        "  \"repo_path\": \"/repo\",\n"
                                        "  \"completed_at\": \"2026-01-02T03:04:05+00:00\"\n"
                                        "}"));
    }

    void pathDefaultsToStateDir()
    {
        Config config;
        config.stateDir = u"/tmp/st"_s;
        QCOMPARE(SummaryFile::path(config), u"/tmp/st/run_summary.json"_s);
        config.runSummaryPath = u"out/summary.json"_s;
        QCOMPARE(SummaryFile::path(config), u"out/summary.json"_s);
        // An empty state_dir is the current directory, named as the reference names it.
        config.runSummaryPath.reset();
        config.stateDir = QString();
        QCOMPARE(SummaryFile::path(config), u"run_summary.json"_s);
    }

    void lastRunFileInTheCurrentDirectory()
    {
        QCOMPARE(LastRunFile::path(QString()), u"last_run.json"_s);
        QCOMPARE(LastRunFile::path(u"st"_s), u"st/last_run.json"_s);
    }

    void lastRunReadFailsWhenThePathCannotBeReached()
    {
        QTemporaryDir dir;
        const QString blocker = dir.filePath(u"file"_s);
        QVERIFY(PealTest::writeFile(blocker, "x"));
        const auto missing = LastRunFile::read(dir.filePath(u"none"_s));
        QVERIFY(missing);
        QVERIFY(!*missing);
        const auto blocked = LastRunFile::read(blocker);
        QVERIFY(!blocked);
        QCOMPARE(blocked.error().hint(), u"Not a directory (os error 20)"_s);
    }

    void tempPath_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("temp");
        QTest::newRow("json") << u"run_summary.json"_s << u"run_summary.json.tmp"_s;
        QTest::newRow("no extension") << u"summary"_s << u"summary.json.tmp"_s;
        QTest::newRow("txt") << u"foo.txt"_s << u"foo.json.tmp"_s;
        QTest::newRow("dir and two dots") << u"/a.b/c.d.e"_s << u"/a.b/c.d.json.tmp"_s;
        QTest::newRow("hidden") << u"dir/.hidden"_s << u"dir/.hidden.json.tmp"_s;
    }
    void tempPath()
    {
        QFETCH(QString, path);
        QFETCH(QString, temp);
        QCOMPARE(SummaryFile::tempPath(path), temp);
    }

    void rfc3339_data()
    {
        QTest::addColumn<qint64>("nanos");
        QTest::addColumn<QString>("text");
        const qint64 base = 1767323045LL * 1000000000LL; // 2026-01-02T03:04:05Z
        QTest::newRow("whole second") << base << u"2026-01-02T03:04:05+00:00"_s;
        QTest::newRow("millis") << base + 123000000 << u"2026-01-02T03:04:05.123+00:00"_s;
        QTest::newRow("micros") << base + 123456000 << u"2026-01-02T03:04:05.123456+00:00"_s;
        QTest::newRow("nanos") << base + 123456789 << u"2026-01-02T03:04:05.123456789+00:00"_s;
        QTest::newRow("leading zeros") << base + 1000000 << u"2026-01-02T03:04:05.001+00:00"_s;
    }
    void rfc3339()
    {
        QFETCH(qint64, nanos);
        QFETCH(QString, text);
        const system_clock::time_point t{duration_cast<system_clock::duration>(nanoseconds(nanos))};
        QCOMPARE(SummaryFile::rfc3339(t), text);
    }

    void nowIsWellFormed()
    {
        static const QRegularExpression re(
            u"^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.(\\d{3}|\\d{6}|\\d{9}))?\\+00:00$"_s);
        QVERIFY(re.match(SummaryFile::rfc3339(system_clock::now())).hasMatch());
    }

    void writeCreatesParentAndReplacesAtomically()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"nested/deeper/summary.json"_s);
        RunSummary s;
        s.tasksCompleted = {1};
        s.planPath = u"p"_s;
        s.repoPath = u"r"_s;
        s.completedAt = SummaryFile::rfc3339(system_clock::now());
        QVERIFY(SummaryFile::write(path, s));
        s.exitCode = 2;
        QVERIFY(SummaryFile::write(path, s));
        const QJsonObject o = QJsonDocument::fromJson(PealTest::readFile(path)).object();
        QCOMPARE(o.value(u"exit_code").toInt(), 2);
        QCOMPARE(QDir(dir.filePath(u"nested/deeper"_s)).entryList(QDir::Files),
                 QStringList{u"summary.json"_s});
    }

    void writeFailureIsReported()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::writeFile(dir.filePath(u"blocker"_s), "x"));
        auto written = SummaryFile::write(dir.filePath(u"blocker/summary.json"_s), RunSummary());
        QVERIFY(!written);
        QCOMPARE(written.error().message(), u"failed to create parent directory for run summary"_s);
    }
};

QTEST_GUILESS_MAIN(tst_Summary)
#include "tst_summary.moc"
