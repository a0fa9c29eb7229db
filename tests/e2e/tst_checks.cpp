// SPDX-License-Identifier: MIT
// The `checks` reviewer: any program is the reviewer of phase 3. Its findings (JSON, or one per
// line) drive the address loop as stet's do, and its options are checked before anything runs.
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

using PealTest::lastLine;

namespace {

// A check (run directly, no shell in between) that reports fixed.txt missing until it exists,
// with the demo agent's directive as the suggestion.
QString writeCheck(const Scenario &s, const QByteArray &whenMissing, int exitWhenMissing = 1)
{
    const QString path = s.path(u"check.sh"_s);
    PealTest::writeFile(path, "#!/bin/sh\nif [ -f fixed.txt ]; then echo '{\"findings\": []}'; exit 0; fi\n"
                              "printf '%s\\n' '" + whenMissing + "'\nexit " + QByteArray::number(exitWhenMissing) + "\n");
    QFile::setPermissions(path, QFile::permissions(path) | QFile::ExeOwner);
    return path;
}

PealTest::RunResult runChecked(const Scenario &s, const QByteArray &table, QStringList extra = {})
{
    PealTest::writeFile(s.path(u"peal.toml"_s), "[plugins.checks]\n" + table);
    return s.run(QStringList{u"--reviewer-plugin"_s, u"checks"_s, u"--config"_s, s.path(u"peal.toml"_s)} + extra);
}

const QByteArray kMissing = R"({"findings": [{"message": "fixed.txt is missing", "path": "fixed.txt", "line": 1, "suggestion": "write fixed.txt: ok"}]})";

} // namespace

class tst_Checks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void findingsAreAddressedUntilTheCheckPasses()
    {
        Scenario s;
        QVERIFY(s.isValid());
        const QString check = writeCheck(s, kMissing);
        const auto r = runChecked(s, "argv = [\"" + check.toUtf8() + "\"]\n");
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QCOMPARE(PealTest::readFile(s.path(u"repo/fixed.txt"_s)), QByteArray("ok\n"));
        // Triage looked at the check's findings, then the agent fixed them.
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"triage"_s, u"address"_s}));
        QVERIFY2(r.err.contains(u"checks found, phase 3 enabled"_s), PealTest::tail(r.err).constData());
        const QJsonObject summary = QJsonDocument::fromJson(s.summaryJson()).object();
        QCOMPARE(summary.value(u"tasks_completed"_s).toArray(), QJsonArray{1});
        QVERIFY(s.stetCalls().isEmpty()); // stet was never asked
    }

    void lineFindingsThatStayAreReported()
    {
        Scenario s;
        QVERIFY(s.isValid());
        const QString check = writeCheck(s, "src/app.cpp:12:5: error: expected ';'");
        const auto r = runChecked(s, "argv = [\"" + check.toUtf8() + "\"]\nformat = \"lines\"\n",
                                  {u"--max-address-rounds"_s, u"1"_s, u"--on-findings-remaining"_s, u"warn"_s});
        QCOMPARE(r.exitCode, 2);
        const QJsonObject summary = QJsonDocument::fromJson(s.summaryJson()).object();
        QCOMPARE(summary.value(u"tasks_with_remaining_findings"_s).toArray(), QJsonArray{1});
    }

    void theDryRunDescribesTheCheck()
    {
        Scenario s;
        QVERIFY(s.isValid());
        const QString check = writeCheck(s, kMissing);
        const auto r = runChecked(s, "argv = [\"" + check.toUtf8() + "\", \"--all\"]\n", {u"--dry-run"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(check + u" --all"_s), qPrintable(r.out));
        QVERIFY2(r.out.contains(u"checks (JSON findings)"_s), qPrintable(r.out));
    }

    void badOptionsStopBeforeAnyAgentRuns_data()
    {
        QTest::addColumn<QByteArray>("table");
        QTest::addColumn<QString>("error");
        QTest::newRow("no argv") << QByteArray("format = \"lines\"\n")
                                 << u"error: [plugins.checks] argv is required: the program and its arguments, e.g. argv = "
                                    "[\"ruff\", \"check\", \"--output-format=json\"] (in %1)"_s;
        QTest::newRow("bad format") << QByteArray("argv = [\"true\"]\nformat = \"xml\"\n")
                                    << u"error: [plugins.checks] format must be \"json\" or \"lines\" (in %1)"_s;
        QTest::newRow("unknown key") << QByteArray("argv = [\"true\"]\ncommand = \"x\"\n")
                                     << u"error: [plugins.checks] has an unknown key 'command' (known: argv, timeout_sec, "
                                        "format) (in %1)"_s;
    }

    void badOptionsStopBeforeAnyAgentRuns()
    {
        QFETCH(QByteArray, table);
        QFETCH(QString, error);
        Scenario s;
        QVERIFY(s.isValid());
        const auto r = runChecked(s, table);
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.err), error.arg(s.path(u"peal.toml"_s)));
        QVERIFY(s.agentCalls().isEmpty());
    }

    void aMissingProgramIsAnError()
    {
        Scenario s;
        QVERIFY(s.isValid());
        const auto r = runChecked(s, "argv = [\"no-such-checker-xyz\"]\n");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(lastLine(r.err).startsWith(u"error: reviewer 'checks' (set by --reviewer-plugin) cannot run (checks "
                                            "command 'no-such-checker-xyz' not found on PATH"_s),
                 PealTest::tail(r.err).constData());
        QVERIFY(s.agentCalls().isEmpty());
    }

    void outputThatIsNotTheFormatFollowsOnStetFail()
    {
        // Not JSON: the review fails; on_stet_fail = "fail" stops the task with the reason.
        Scenario s;
        QVERIFY(s.isValid());
        const QString check = writeCheck(s, "this is not json");
        const auto r = runChecked(s, "argv = [\"" + check.toUtf8() + "\"]\n");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"checks command '%1': output is not JSON"_s.arg(check)), PealTest::tail(r.err).constData());
    }
};

QTEST_GUILESS_MAIN(tst_Checks)
#include "tst_checks.moc"
