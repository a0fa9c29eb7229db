// SPDX-License-Identifier: MIT
// Streamed agent events: an agent plugin that streams reads the agent's output line by line as
// it arrives; the core logs each event, adds them up per call and shows tool calls, and a
// plugin that throws on a line costs the line, not the run.
#include "testsupport.h"

#include <QFile>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {

// An agent (a script run directly, no shell in between) that prints `lines`, then a plan.
QString writeAgent(const Scenario &s, const QByteArray &lines)
{
    const QString path = s.path(u"agent.sh"_s);
    PealTest::writeFile(path, "#!/bin/sh\nprintf '%s\\n' " + lines
                                  + " 'Plan: change the file carefully, then check the result twice.'\n");
    QFile::setPermissions(path, QFile::permissions(path) | QFile::ExeOwner);
    return path;
}

PealTest::RunResult runStreaming(const Scenario &s, const QString &agent)
{
    return s.run({u"--agent-plugin"_s, u"otheragent"_s, u"--plugin-dir"_s, QStringLiteral(PEAL_TEST_PLUGIN_DIR),
                  u"--agent-cmd"_s, agent, u"--stet-path"_s, u"/nonexistent"_s, u"--log-level"_s,
                  u"info,peal::agent=debug"_s});
}

} // namespace

class tst_Events : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eventsAreLoggedAndAddedUp()
    {
        Scenario s;
        QVERIFY(s.isValid());
        const QString agent = writeAgent(s, "'@session abc-1' '@turn' '@tool Edit src/app.cpp' '@usage 100 20 0.25' "
                                            "'@turn' '@usage 50 5 0.5' 'some words'");
        const auto r = runStreaming(s, agent);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(u"agent event phase=1 task_index=1 kind=tool_call name=Edit target=src/app.cpp"_s),
                 PealTest::tail(r.err).constData());
        // Per call: plan and execute each saw the same six events.
        QCOMPARE(r.err.count(u"events phase=1 task_index=1 events=6 tool_calls=1 turns=2 input_tokens=150 "
                             "output_tokens=25 cost_usd=0.75 session=abc-1"_s),
                 1);
        QCOMPARE(r.err.count(u"kind=usage"_s), 4);
    }

    void aPluginThatThrowsOnALineCostsOnlyTheLine()
    {
        Scenario s;
        QVERIFY(s.isValid());
        const auto r = runStreaming(s, writeAgent(s, "'@throw' '@tool Read README.md'"));
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(u"agent output line not understood"_s), PealTest::tail(r.err).constData());
        QVERIFY2(r.err.contains(u"agent plugin 'otheragent' (output line) threw: line exploded"_s), PealTest::tail(r.err).constData());
        QVERIFY(r.err.contains(u"kind=tool_call name=Read target=README.md"_s));
    }

    void theResultOfAStreamDecides_data()
    {
        // A stand-in for Claude Code: its --version, then one stream-json line, exit 0.
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("expected");
        QTest::newRow("success") << QByteArray(R"j({"type":"result","subtype":"success","is_error":false,"num_turns":1,"result":"Plan: change the file carefully, then check it.","total_cost_usd":0.01,"usage":{"input_tokens":5,"output_tokens":2}})j")
                                 << 0 << u"phase 2 events phase=2 task_index=1 events=2"_s;
        QTest::newRow("error result after exit 0")
            << QByteArray(R"j({"type":"result","subtype":"success","is_error":true,"api_error_status":429,"result":"API Error: Request rejected (429)"})j")
            << 1 << u"error: task 1, phase 1 (plan): claude: rate limited (429) (API Error: Request rejected (429))"_s;
        QTest::newRow("no result") << QByteArray("this is not the stream you are looking for") << 1
                                   << u"error: task 1, phase 1 (plan): claude: failed (the output holds no result)"_s;
    }

    void theResultOfAStreamDecides()
    {
        QFETCH(QByteArray, line);
        QFETCH(int, exitCode);
        QFETCH(QString, expected);
        Scenario s;
        QVERIFY(s.isValid());
        const QString path = s.path(u"claude"_s);
        PealTest::writeFile(path, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo '9.1.0 (Claude Code)'; exit 0; fi\n"
                                  "cat > /dev/null\necho '" + line + "'\n");
        QFile::setPermissions(path, QFile::permissions(path) | QFile::ExeOwner);
        const auto r = s.run({u"--agent-plugin"_s, u"claude"_s, u"--agent-cmd"_s, path, u"--stet-path"_s, u"/nonexistent"_s,
                              u"--on-rate-limit"_s, u"fail"_s});
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(expected), PealTest::tail(r.err).constData());
        // The version is checked once per run: 9.x is not the tested 2.x.
        QCOMPARE(r.err.count(u"is version 9.1.0, peal is tested with 2.1.197: its output may differ"_s), 1);
    }

    void agentsThatDoNotStreamAreRunAsBefore()
    {
        // The Cursor agent does not stream: no event lines, even at debug.
        Scenario s;
        QVERIFY(s.isValid());
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent"_s, u"--log-level"_s, u"debug"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(!r.err.contains(u"agent event"_s));
    }
};

QTEST_GUILESS_MAIN(tst_Events)
#include "tst_events.moc"
