// SPDX-License-Identifier: MIT
// The Claude Code back-end's reading of `--output-format stream-json --verbose` lines and its
// argv, on lines captured from Claude Code 2.1.197 (trimmed) and on broken ones.
#include "agentcommon.h"
#include "claudestream.h"

#include <QTest>

using namespace Peal;
using namespace Peal::Claude;
using namespace Qt::StringLiterals;

class tst_ClaudeStream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initLineGivesTheSession()
    {
        const auto events = eventsOf(uR"j({"type":"system","subtype":"init","cwd":"/w","session_id":"78ca97f0","tools":["Write"],"model":"claude-opus-4-8"})j"_s);
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].kind, AgentEvent::Kind::Session);
        QCOMPARE(events[0].text, u"78ca97f0"_s);
    }

    void assistantBlocksGiveTextAndToolCallsWithoutContents()
    {
        const auto events = eventsOf(uR"j({"type":"assistant","message":{"content":[{"type":"text","text":"I will write it."},{"type":"tool_use","id":"t1","name":"Write","input":{"file_path":"/w/hello.txt","content":"a secret body"}}]},"session_id":"s"})j"_s);
        QCOMPARE(events.size(), 2);
        QCOMPARE(events[0].kind, AgentEvent::Kind::Text);
        QCOMPARE(events[1].kind, AgentEvent::Kind::ToolCall);
        QCOMPARE(events[1].name, u"Write"_s);
        QCOMPARE(events[1].target, u"/w/hello.txt"_s);
        QVERIFY(!events[1].target.contains(u"secret"_s));
        QCOMPARE(AgentCommon::toolTarget(QJsonObject{{u"command"_s, u"npm test\nrm -rf /"_s}}), u"npm test"_s);
    }

    void aSuccessfulResultGivesUsageCostTurnsAndTheAnswer()
    {
        const auto events = eventsOf(uR"j({"type":"result","subtype":"success","is_error":false,"api_error_status":null,"num_turns":2,"result":"Wrote it","session_id":"s","total_cost_usd":0.00035,"usage":{"input_tokens":20,"cache_creation_input_tokens":3,"cache_read_input_tokens":4,"output_tokens":10},"new_field":{"x":1}})j"_s);
        QCOMPARE(events.size(), 2);
        QCOMPARE(events[0].kind, AgentEvent::Kind::Usage);
        QCOMPARE(events[0].inputTokens, 20);
        QCOMPARE(events[0].outputTokens, 10);
        QCOMPARE(events[0].cacheReadTokens, 4);
        QCOMPARE(events[0].cacheWriteTokens, 3);
        QCOMPARE(events[0].costUsd.value_or(-1), 0.00035);
        QCOMPARE(events[1].kind, AgentEvent::Kind::Result);
        QCOMPARE(events[1].text, u"Wrote it"_s);
        QCOMPARE(events[1].turns, 2);
        QCOMPARE(events[1].failure, AgentEvent::Failure::None);
    }

    void errorResultsAreClassified_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<int>("failure");
        QTest::addColumn<QString>("detail");
        QTest::newRow("429") << uR"j({"type":"result","subtype":"success","is_error":true,"api_error_status":429,"result":"API Error: Request rejected (429)"})j"_s
                             << int(AgentEvent::Failure::RateLimit) << u"429"_s;
        QTest::newRow("529") << uR"j({"type":"result","is_error":true,"api_error_status":529,"result":"API Error: Overloaded"})j"_s
                             << int(AgentEvent::Failure::Overloaded) << u"529"_s;
        QTest::newRow("500") << uR"j({"type":"result","is_error":true,"api_error_status":500,"result":"API Error: 500"})j"_s
                             << int(AgentEvent::Failure::Overloaded) << u"500"_s;
        QTest::newRow("401") << uR"j({"type":"result","is_error":true,"api_error_status":401,"result":"Invalid API key"})j"_s
                             << int(AgentEvent::Failure::Auth) << u"401"_s;
        QTest::newRow("turns") << uR"j({"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":3})j"_s
                               << int(AgentEvent::Failure::MaxTurns) << u"error_max_turns"_s;
        QTest::newRow("context") << uR"j({"type":"result","is_error":true,"result":"Prompt is too long"})j"_s
                                 << int(AgentEvent::Failure::ContextLimit) << QString();
        QTest::newRow("other") << uR"j({"type":"result","subtype":"error_during_execution","is_error":true,"errors":["boom"]})j"_s
                               << int(AgentEvent::Failure::Other) << u"error_during_execution"_s;
    }

    void errorResultsAreClassified()
    {
        QFETCH(QString, line);
        QFETCH(int, failure);
        QFETCH(QString, detail);
        const auto events = eventsOf(line);
        QCOMPARE(events.size(), 2);
        QCOMPARE(int(events[1].failure), failure);
        QCOMPARE(events[1].name, detail);
        QVERIFY(!events[1].text.isEmpty());
    }

    void brokenAndUnknownLinesNeverFail()
    {
        QCOMPARE(eventsOf(u"{\"type\": \"assis"_s).value(0).kind, AgentEvent::Kind::Unreadable);
        QCOMPARE(eventsOf(u"[1,2]"_s).value(0).kind, AgentEvent::Kind::Unreadable);
        QVERIFY(eventsOf(u""_s).isEmpty());
        QVERIFY(eventsOf(uR"j({"type":"rate_limit_event","rate_limit_info":{}})j"_s).isEmpty());
        QVERIFY(eventsOf(uR"j({"type":"user","message":{"content":[{"type":"tool_result"}]}})j"_s).isEmpty());
        QVERIFY(eventsOf(uR"j({"type":"assistant","message":"not an object"})j"_s).isEmpty());
        QVERIFY(eventsOf(uR"j({"no_type":true})j"_s).isEmpty());
    }

    void argvPerMode()
    {
        AgentSettings settings;
        ClaudeOptions options;
        const QStringList plan = arguments(AgentMode::Plan, settings, options);
        QCOMPARE(plan, (QStringList{u"-p"_s, u"--output-format"_s, u"stream-json"_s, u"--verbose"_s,
                                    u"--permission-mode"_s, u"plan"_s}));
        QCOMPARE(arguments(AgentMode::Triage, settings, options).last(), u"plan"_s);
        settings.model = u"claude-sonnet-4-5"_s;
        options.allowedTools = {u"Bash(npm test)"_s, u"Edit"_s};
        options.maxTurns = 30;
        options.extraArgs = {u"--add-dir"_s, u"/data"_s};
        QCOMPARE(arguments(AgentMode::Execute, settings, options),
                 (QStringList{u"-p"_s, u"--output-format"_s, u"stream-json"_s, u"--verbose"_s,
                              u"--permission-mode"_s, u"acceptEdits"_s, u"--model"_s, u"claude-sonnet-4-5"_s,
                              u"--max-turns"_s, u"30"_s, u"--allowedTools"_s, u"Bash(npm test),Edit"_s,
                              u"--add-dir"_s, u"/data"_s}));
        // Continuing a session: --resume with its id, the prompt (on stdin) being the short one.
        setResumeSession(settings, u"4f1e-77"_s);
        const QStringList resumed = arguments(AgentMode::Execute, settings, options);
        QCOMPARE(resumed.mid(resumed.indexOf(u"--resume"_s), 2), (QStringList{u"--resume"_s, u"4f1e-77"_s}));
        QCOMPARE(resumed.last(), u"/data"_s);
    }

    void optionsAreChecked()
    {
        QVERIFY(readOptions({}).ok());
        QCOMPARE(readOptions({{u"permision_mode"_s, u"plan"_s}}).error().message(),
                 u"has an unknown key 'permision_mode' (known: permission_mode, plan_permission_mode, allowed_tools, "
                 "max_turns, extra_args)"_s);
        QVERIFY(readOptions({{u"permission_mode"_s, u"yolo"_s}}).error().message().startsWith(u"permission_mode must be one of"_s));
        QCOMPARE(readOptions({{u"max_turns"_s, 0}}).error().message(), u"max_turns must be a positive integer"_s);
        QCOMPARE(readOptions({{u"allowed_tools"_s, u"Edit"_s}}).error().message(),
                 u"allowed_tools must be an array of strings"_s);
        QCOMPARE(readOptions({{u"permission_mode"_s, u"bypassPermissions"_s}})->permissionMode, u"bypassPermissions"_s);
    }
};

QTEST_GUILESS_MAIN(tst_ClaudeStream)
#include "tst_claudestream.moc"
