// SPDX-License-Identifier: MIT
// The OpenCode, Copilot CLI and Qwen Code back-ends: their reading of their JSON lines (captured
// from opencode-ai 1.18.33, @github/copilot 1.0.102 and @qwen-code/qwen-code 0.15.10, trimmed)
// and their argv.
#include "copilotstream.h"
#include "opencodestream.h"
#include "qwenstream.h"

#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

class tst_ChatCliStreams : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void openCodeEvents()
    {
        using OpenCode::eventsOf;
        const auto start = eventsOf(uR"j({"type":"step_start","timestamp":1,"sessionID":"ses_db00","part":{"type":"step-start"}})j"_s);
        QCOMPARE(start.value(0).kind, AgentEvent::Kind::Session);
        QCOMPARE(start.value(0).text, u"ses_db00"_s);
        const auto tool = eventsOf(uR"j({"type":"tool_use","sessionID":"ses_db00","part":{"type":"tool","tool":"write","state":{"status":"completed","input":{"content":"secret","filePath":"/w/hello.txt"}}}})j"_s);
        QCOMPARE(tool.value(0).kind, AgentEvent::Kind::ToolCall);
        QCOMPARE(tool.value(0).name, u"write"_s);
        QCOMPARE(tool.value(0).target, u"/w/hello.txt"_s);
        // A turn that ends for tool calls: its tokens and cost, no answer yet.
        const auto step = eventsOf(uR"j({"type":"step_finish","sessionID":"ses_db00","part":{"reason":"tool-calls","type":"step-finish","tokens":{"total":120,"input":70,"output":20,"reasoning":5,"cache":{"write":2,"read":30}},"cost":0.00051}})j"_s);
        QCOMPARE(step.size(), 2);
        QCOMPARE(step[0].kind, AgentEvent::Kind::Usage);
        QCOMPARE(step[0].inputTokens, 70);
        QCOMPARE(step[0].outputTokens, 25);
        QCOMPARE(step[0].cacheReadTokens, 30);
        QCOMPARE(step[0].cacheWriteTokens, 2);
        QCOMPARE(*step[0].costUsd, 0.00051);
        QCOMPARE(step[1].kind, AgentEvent::Kind::Turn);
        const auto text = eventsOf(uR"j({"type":"text","sessionID":"ses_db00","part":{"type":"text","text":"Plan: write the files."}})j"_s);
        QCOMPARE(text.value(0).kind, AgentEvent::Kind::Text);
        QCOMPARE(text.value(0).text, u"Plan: write the files."_s);
        // The last turn ends the answer.
        const auto done = eventsOf(uR"j({"type":"step_finish","sessionID":"ses_db00","part":{"reason":"stop","tokens":{"input":70,"output":20,"cache":{"read":30}},"cost":0}})j"_s);
        QCOMPARE(done.size(), 3);
        QCOMPARE(done[2].kind, AgentEvent::Kind::Result);
        QCOMPARE(done[2].failure, AgentEvent::Failure::None);
        // Errors after its own retries, as it prints them.
        const auto busy = eventsOf(uR"j({"type":"error","sessionID":"ses_db08","error":{"name":"APIError","data":{"message":"scripted failure 500","statusCode":500,"isRetryable":true}}})j"_s);
        QCOMPARE(busy.value(0).kind, AgentEvent::Kind::Failure);
        QCOMPARE(busy.value(0).failure, AgentEvent::Failure::Overloaded);
        QCOMPARE(busy.value(0).name, u"500"_s);
        const auto limited = eventsOf(uR"j({"type":"error","sessionID":"ses_db07","error":{"name":"APIError","data":{"message":"scripted failure 429","statusCode":429,"isRetryable":true}}})j"_s);
        QCOMPARE(limited.value(0).failure, AgentEvent::Failure::RateLimit);
        const auto denied = eventsOf(uR"j({"type":"error","error":{"name":"APIError","data":{"message":"Incorrect API key provided","statusCode":401}}})j"_s);
        QCOMPARE(denied.value(0).failure, AgentEvent::Failure::Auth);
        const auto away = eventsOf(uR"j({"type":"error","error":{"name":"UnknownError","data":{"message":"Cannot connect to API: Unable to connect."}}})j"_s);
        QCOMPARE(away.value(0).kind, AgentEvent::Kind::Failure);
        QCOMPARE(away.value(0).name, u"UnknownError"_s);
        // A broken model stream, after its retries.
        const auto broken = eventsOf(uR"j({"type":"error","sessionID":"ses_dafe","error":{"name":"UnknownError","data":{"message":"JSON parsing failed: Text: chatcmpl-broken. Error message: JSON Parse error: Unterminated string"}}})j"_s);
        QCOMPARE(broken.value(0).kind, AgentEvent::Kind::Failure);
        QCOMPARE(broken.value(0).failure, AgentEvent::Failure::Other);
        QCOMPARE(eventsOf(u"{\"type\":\"text\""_s).value(0).kind, AgentEvent::Kind::Unreadable);
        QVERIFY(eventsOf(uR"j({"type":"reasoning","part":{}})j"_s).isEmpty());
    }

    void openCodeArgv()
    {
        AgentSettings settings;
        settings.workspace = u"/w"_s;
        OpenCode::OpenCodeOptions options;
        QCOMPARE(OpenCode::arguments(AgentMode::Plan, settings, options),
                 (QStringList{u"run"_s, u"--format"_s, u"json"_s, u"--agent"_s, u"plan"_s, u"--title"_s, u"peal plan"_s,
                              u"--dir"_s, u"/w"_s}));
        settings.model = u"anthropic/claude-sonnet-4-5"_s;
        setResumeSession(settings, u"ses_1"_s);
        const QStringList execute = OpenCode::arguments(AgentMode::Execute, settings, options);
        QCOMPARE(execute.value(4), u"build"_s);
        QCOMPARE(execute.mid(9), (QStringList{u"--model"_s, u"anthropic/claude-sonnet-4-5"_s, u"--session"_s, u"ses_1"_s}));
        // The read-only modes deny edits and commands whatever the agent allows.
        QVERIFY(OpenCode::environment(AgentMode::Plan).value(u"OPENCODE_PERMISSION"_s).contains(u"\"edit\":\"deny\""_s));
        QVERIFY(OpenCode::environment(AgentMode::Execute).isEmpty());
        auto custom = OpenCode::readOptions({{u"agent"_s, u"coder"_s}, {u"extra_args"_s, QJsonArray{u"--print-logs"_s}}});
        QVERIFY(custom.ok());
        QCOMPARE(OpenCode::arguments(AgentMode::Address, {}, *custom).value(4), u"coder"_s);
        QCOMPARE(OpenCode::arguments(AgentMode::Address, {}, *custom).last(), u"--print-logs"_s);
        QVERIFY(OpenCode::readOptions({{u"agent"_s, 3}}).error().message().contains(u"agent"_s));
        QVERIFY(!OpenCode::readOptions({{u"agnet"_s, u"x"_s}}).ok());
    }

    void copilotEvents()
    {
        const QByteArray usageFile = R"({"modelMetrics":{"scripted-model":{"requests":{"count":2},"usage":{"inputTokens":200,"outputTokens":40,"cacheReadTokens":60,"cacheWriteTokens":0}}}})";
        QStringList asked;
        const auto read = [&](const QString &session) {
            asked << session;
            return usageFile;
        };
        const auto events = [&](const QString &line) { return Copilot::eventsOf(line, read); };
        const auto tool = events(uR"j({"type":"tool.execution_start","data":{"toolCallId":"call_7_0","toolName":"create","arguments":{"file_text":"secret","path":"/w/hello.txt"},"turnId":"0"}})j"_s);
        QCOMPARE(tool.value(0).kind, AgentEvent::Kind::ToolCall);
        QCOMPARE(tool.value(0).name, u"create"_s);
        QCOMPARE(tool.value(0).target, u"/w/hello.txt"_s);
        QVERIFY(events(uR"j({"type":"assistant.message","data":{"content":"","toolRequests":[{"name":"create"}]}})j"_s).isEmpty());
        QCOMPARE(events(uR"j({"type":"assistant.message","data":{"content":"Plan: write the files."}})j"_s).value(0).text,
                 u"Plan: write the files."_s);
        QCOMPARE(events(uR"j({"type":"assistant.turn_end","data":{"turnId":"0"}})j"_s).value(0).kind, AgentEvent::Kind::Turn);
        QVERIFY(events(uR"j({"type":"assistant.message_delta","ephemeral":true,"data":{"deltaContent":"Plan"}})j"_s).isEmpty());
        // The result names the session and brings the usage its file holds.
        const auto done = events(uR"j({"type":"result","timestamp":"t","sessionId":"36d47b17","exitCode":0,"usage":{"premiumRequests":0}})j"_s);
        QCOMPARE(asked, QStringList{u"36d47b17"_s});
        QCOMPARE(done.size(), 3);
        QCOMPARE(done[0].kind, AgentEvent::Kind::Session);
        QCOMPARE(done[0].text, u"36d47b17"_s);
        QCOMPARE(done[1].kind, AgentEvent::Kind::Usage);
        QCOMPARE(done[1].inputTokens, 200);
        QCOMPARE(done[1].outputTokens, 40);
        QCOMPARE(done[1].cacheReadTokens, 60);
        QVERIFY(!done[1].costUsd);
        QCOMPARE(done[2].kind, AgentEvent::Kind::Result);
        // A failed session: its error, and a result line that is no result.
        const auto limited = events(uR"j({"type":"session.error","data":{"errorType":"rate_limit","message":"Failed to get response from the AI model; retried 5 times (total retry wait time: 5.45 seconds) Last error: 429 scripted failure 429","statusCode":429}})j"_s);
        QCOMPARE(limited.value(0).kind, AgentEvent::Kind::Failure);
        QCOMPARE(limited.value(0).failure, AgentEvent::Failure::RateLimit);
        QCOMPARE(limited.value(0).name, u"429"_s);
        const auto busy = events(uR"j({"type":"session.error","data":{"errorType":"query","message":"Failed to get response from the AI model; retried 5 times (total retry wait time: 16.35 seconds) Last error: 500 scripted failure 500","statusCode":500}})j"_s);
        QCOMPARE(busy.value(0).failure, AgentEvent::Failure::Overloaded);
        const auto failed = events(uR"j({"type":"result","sessionId":"e02eac68","exitCode":1,"usage":{}})j"_s);
        QVERIFY(std::none_of(failed.cbegin(), failed.cend(), [](const AgentEvent &e) { return e.kind == AgentEvent::Kind::Result; }));
        // No usage file (a call run on another machine): no usage, the result all the same.
        const auto bare = Copilot::eventsOf(uR"j({"type":"result","sessionId":"s","exitCode":0})j"_s,
                                            [](const QString &) { return QByteArray(); });
        QCOMPARE(bare.size(), 2);
        QCOMPARE(events(u"not json"_s).value(0).kind, AgentEvent::Kind::Unreadable);
    }

    void copilotArgv()
    {
        AgentSettings settings;
        Copilot::CopilotOptions options;
        const QStringList plan = Copilot::arguments(AgentMode::Plan, settings, options, u"6b1f"_s);
        QCOMPARE(plan, (QStringList{u"--output-format"_s, u"json"_s, u"--no-ask-user"_s, u"--no-auto-update"_s,
                                    u"--deny-tool=write"_s, u"--deny-tool=shell"_s, u"--session-id"_s, u"6b1f"_s,
                                    u"--usage-output-file"_s, Copilot::usageFile(u"6b1f"_s)}));
        settings.model = u"gpt-5"_s;
        setResumeSession(settings, u"6b1f"_s);
        const QStringList execute = Copilot::arguments(AgentMode::Execute, settings, options, u"6b1f"_s);
        QCOMPARE(execute.mid(4, 4), (QStringList{u"--model"_s, u"gpt-5"_s, u"--allow-tool=write"_s, u"--resume=6b1f"_s}));
        QVERIFY(Copilot::usageFile(u"6b1f"_s).endsWith(u"/peal-copilot-usage-6b1f.json"_s));
        auto wide = Copilot::readOptions({{u"allow_tools"_s, QJsonArray{u"write"_s, u"shell(npm test)"_s}}});
        QVERIFY(wide.ok());
        QVERIFY(Copilot::arguments(AgentMode::Address, {}, *wide, u"s"_s).contains(u"--allow-tool=shell(npm test)"_s));
        QVERIFY(!Copilot::readOptions({{u"allow_tools"_s, u"write"_s}}).ok());
    }

    void qwenEvents()
    {
        using Qwen::eventsOf;
        QCOMPARE(eventsOf(uR"j({"type":"system","subtype":"init","session_id":"c3abeb38","cwd":"/w","model":"m"})j"_s).value(0).text,
                 u"c3abeb38"_s);
        const auto tool = eventsOf(uR"j({"type":"assistant","session_id":"c3","message":{"role":"assistant","content":[{"type":"tool_use","id":"call_18_0","name":"write_file","input":{"content":"x","file_path":"/w/hello.txt"}}]}})j"_s);
        QCOMPARE(tool.value(0).name, u"write_file"_s);
        QCOMPARE(tool.value(0).target, u"/w/hello.txt"_s);
        const auto ok = eventsOf(uR"j({"type":"result","subtype":"success","is_error":false,"num_turns":2,"result":"Plan: write the files.","usage":{"input_tokens":200,"output_tokens":40,"cache_read_input_tokens":60,"total_tokens":240}})j"_s);
        QCOMPARE(ok.size(), 2);
        QCOMPARE(ok[0].inputTokens, 200);
        QCOMPARE(ok[0].cacheReadTokens, 60);
        QVERIFY(!ok[0].costUsd);
        QCOMPARE(ok[1].failure, AgentEvent::Failure::None);
        // An API error is the answer's text of a "successful" result, the exit code 0.
        const auto busy = eventsOf(uR"j({"type":"result","subtype":"success","is_error":false,"num_turns":1,"result":"[API Error: 500 scripted failure 500]","usage":{"input_tokens":0,"output_tokens":0}})j"_s);
        QCOMPARE(busy.value(1).failure, AgentEvent::Failure::Overloaded);
        QCOMPARE(busy.value(1).name, u"500"_s);
        const auto limited = eventsOf(uR"j({"type":"result","subtype":"success","is_error":false,"result":"[API Error: 429 Rate limit reached (scripted)]"})j"_s);
        QCOMPARE(limited.value(1).failure, AgentEvent::Failure::RateLimit);
        const auto bad = eventsOf(uR"j({"type":"result","subtype":"success","is_error":false,"result":"[API Error: 400 scripted failure 400]"})j"_s);
        QCOMPARE(bad.value(1).failure, AgentEvent::Failure::Other);
        const auto unknown = eventsOf(uR"j({"type":"result","subtype":"success","is_error":false,"result":"[API Error: Connection error.]"})j"_s);
        QCOMPARE(unknown.value(1).name, u"api_error"_s);
        QVERIFY(unknown.value(1).failure != AgentEvent::Failure::None);
        // Words that merely mention one are an answer.
        const auto words = eventsOf(uR"j({"type":"result","subtype":"success","is_error":false,"result":"Fixed the [API Error: 500] handling."})j"_s);
        QCOMPARE(words.value(1).failure, AgentEvent::Failure::None);
    }

    void qwenArgv()
    {
        AgentSettings settings;
        Qwen::QwenOptions options;
        QCOMPARE(Qwen::arguments(AgentMode::Plan, settings, options),
                 (QStringList{u"--output-format"_s, u"stream-json"_s, u"--approval-mode"_s, u"plan"_s}));
        settings.model = u"qwen3-coder-plus"_s;
        setResumeSession(settings, u"c3ab"_s);
        QCOMPARE(Qwen::arguments(AgentMode::Execute, settings, options),
                 (QStringList{u"--output-format"_s, u"stream-json"_s, u"--approval-mode"_s, u"auto-edit"_s, u"--model"_s,
                              u"qwen3-coder-plus"_s, u"--resume"_s, u"c3ab"_s}));
        QVERIFY(Qwen::readOptions({{u"approval_mode"_s, u"auto_edit"_s}}).error().message().startsWith(u"approval_mode must be one of"_s));
    }
};

QTEST_GUILESS_MAIN(tst_ChatCliStreams)
#include "tst_chatclistreams.moc"
