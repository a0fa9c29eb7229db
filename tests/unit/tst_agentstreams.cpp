// SPDX-License-Identifier: MIT
// The Codex and Gemini back-ends' reading of their JSON lines (captured from codex-cli 0.171.0
// and gemini-cli 0.61.0, trimmed) and the argv of every back-end that is not Claude's.
#include "codexstream.h"
#include "commandagent.h"
#include "geministream.h"

#include <QJsonArray>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

class tst_AgentStreams : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void codexEvents()
    {
        using Codex::eventsOf;
        QCOMPARE(eventsOf(uR"j({"type":"thread.started","thread_id":"01a2"})j"_s).value(0).text, u"01a2"_s);
        // A warning item is no failure.
        QVERIFY(eventsOf(uR"j({"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `gpt-5` not found."}})j"_s).isEmpty());
        const auto edit = eventsOf(uR"j({"type":"item.started","item":{"id":"i1","type":"file_change","changes":[{"path":"/w/a.txt","kind":"add"},{"path":"/w/b.txt","kind":"add"}],"status":"in_progress"}})j"_s);
        QCOMPARE(edit.value(0).kind, AgentEvent::Kind::ToolCall);
        QCOMPARE(edit.value(0).target, u"/w/a.txt (and 1 more)"_s);
        QCOMPARE(eventsOf(uR"j({"type":"item.started","item":{"type":"command_execution","command":"bash -lc 'npm test'"}})j"_s).value(0).name, u"shell"_s);
        const auto text = eventsOf(uR"j({"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"Done"}})j"_s);
        QCOMPARE(text.value(0).kind, AgentEvent::Kind::Text);
        const auto done = eventsOf(uR"j({"type":"turn.completed","usage":{"input_tokens":200,"cached_input_tokens":30,"output_tokens":40,"reasoning_output_tokens":0}})j"_s);
        QCOMPARE(done.size(), 2);
        QCOMPARE(done[0].inputTokens, 200);
        QCOMPARE(done[0].cacheReadTokens, 30);
        QVERIFY(!done[0].costUsd); // Codex reports no cost
        QCOMPARE(done[1].kind, AgentEvent::Kind::Result);
        QCOMPARE(done[1].failure, AgentEvent::Failure::None);
        const auto failed = eventsOf(uR"j({"type":"turn.failed","error":{"message":"unexpected status 429 Too Many Requests: Rate limit reached"}})j"_s);
        QCOMPARE(failed.value(0).kind, AgentEvent::Kind::Result);
        QCOMPARE(failed.value(0).failure, AgentEvent::Failure::RateLimit);
        QCOMPARE(failed.value(0).name, u"429"_s);
        // What Codex says for a 5xx once its retries are spent.
        const auto busy = eventsOf(uR"j({"type":"turn.failed","error":{"message":"We’re currently experiencing high demand, which may cause temporary errors."}})j"_s);
        QCOMPARE(busy.value(0).failure, AgentEvent::Failure::Overloaded);
        const auto retry = eventsOf(uR"j({"type":"error","message":"Reconnecting... 1/5 (unexpected status 500)"})j"_s);
        QCOMPARE(retry.value(0).kind, AgentEvent::Kind::Failure);
        QCOMPARE(retry.value(0).failure, AgentEvent::Failure::Overloaded);
        QCOMPARE(eventsOf(u"garbage"_s).value(0).kind, AgentEvent::Kind::Unreadable);
        QVERIFY(eventsOf(uR"j({"type":"new.kind","x":1})j"_s).isEmpty());
    }

    void codexArgv()
    {
        AgentSettings settings;
        settings.workspace = u"/w"_s;
        Codex::CodexOptions options;
        QCOMPARE(Codex::arguments(AgentMode::Plan, settings, options),
                 (QStringList{u"exec"_s, u"--json"_s, u"--sandbox"_s, u"read-only"_s, u"-"_s}));
        settings.model = u"gpt-5"_s;
        QCOMPARE(Codex::arguments(AgentMode::Execute, settings, options),
                 (QStringList{u"exec"_s, u"--json"_s, u"--sandbox"_s, u"workspace-write"_s, u"--model"_s, u"gpt-5"_s,
                              u"-"_s}));
        // Continuing a session: `exec` keeps its options, then `resume <id> -`.
        setResumeSession(settings, u"0199-a"_s);
        QCOMPARE(Codex::arguments(AgentMode::Execute, settings, options),
                 (QStringList{u"exec"_s, u"--json"_s, u"--sandbox"_s, u"workspace-write"_s, u"--model"_s, u"gpt-5"_s,
                              u"resume"_s, u"0199-a"_s, u"-"_s}));
        QVERIFY(Codex::readOptions({{u"sandbox"_s, u"yolo"_s}}).error().message().startsWith(u"sandbox must be one of"_s));
        QVERIFY(Codex::readOptions({{u"skip_git_repo_check"_s, u"yes"_s}}).error().message().contains(u"true or false"_s));
    }

    void geminiEvents()
    {
        using Gemini::eventsOf;
        QCOMPARE(eventsOf(uR"j({"type":"init","timestamp":"t","session_id":"4552d7eb","model":"auto"})j"_s).value(0).text, u"4552d7eb"_s);
        QVERIFY(eventsOf(uR"j({"type":"message","role":"user","content":"write hello"})j"_s).isEmpty());
        const auto delta = eventsOf(uR"j({"type":"message","role":"assistant","content":"Done","delta":true})j"_s);
        QCOMPARE(delta.value(0).name, u"delta"_s);
        const auto tool = eventsOf(uR"j({"type":"tool_use","tool_name":"write_file","tool_id":"w1","parameters":{"file_path":"hello.txt","content":"secret"}})j"_s);
        QCOMPARE(tool.value(0).name, u"write_file"_s);
        QCOMPARE(tool.value(0).target, u"hello.txt"_s);
        const auto ok = eventsOf(uR"j({"type":"result","status":"success","stats":{"total_tokens":240,"input_tokens":200,"output_tokens":40,"cached":5,"tool_calls":1}})j"_s);
        QCOMPARE(ok.size(), 2);
        QCOMPARE(ok[0].outputTokens, 40);
        QCOMPARE(ok[0].cacheReadTokens, 5);
        QCOMPARE(ok[1].failure, AgentEvent::Failure::None);
        const auto limited = eventsOf(uR"j({"type":"result","status":"error","error":{"type":"FatalApiError","message":"Resource exhausted","code":429},"stats":{}})j"_s);
        QCOMPARE(limited.value(1).failure, AgentEvent::Failure::RateLimit);
        QCOMPARE(limited.value(1).name, u"429"_s);
        const auto busy = eventsOf(uR"j({"type":"result","status":"error","error":{"type":"Error","message":"[500 Internal Server Error] The server had an error","code":500},"stats":{}})j"_s);
        QCOMPARE(busy.value(1).failure, AgentEvent::Failure::Overloaded);
        QVERIFY(eventsOf(uR"j({"type":"error","severity":"warning","message":"slow"})j"_s).isEmpty());
        QCOMPARE(eventsOf(u"{\"type\":"_s).value(0).kind, AgentEvent::Kind::Unreadable);
    }

    void geminiExitCodes()
    {
        QCOMPARE(Gemini::failureOfExitCode(41), AgentEvent::Failure::Auth);
        QCOMPARE(Gemini::failureOfExitCode(53), AgentEvent::Failure::MaxTurns);
        QCOMPARE(Gemini::failureOfExitCode(1), AgentEvent::Failure::None);
    }

    void geminiArgv()
    {
        AgentSettings settings;
        Gemini::GeminiOptions options;
        QCOMPARE(Gemini::arguments(AgentMode::Plan, settings, options),
                 (QStringList{u"--output-format"_s, u"stream-json"_s, u"--approval-mode"_s, u"plan"_s, u"--prompt"_s, u" "_s}));
        QCOMPARE(Gemini::arguments(AgentMode::Address, settings, options).value(3), u"auto_edit"_s);
        setResumeSession(settings, u"5c2e"_s);
        const QStringList resumed = Gemini::arguments(AgentMode::Execute, settings, options);
        QCOMPARE(resumed.mid(resumed.size() - 4), (QStringList{u"--resume"_s, u"5c2e"_s, u"--prompt"_s, u" "_s}));
    }

    void commandTemplates()
    {
        using namespace Command;
        QVERIFY(readOptions({}).error().message().startsWith(u"argv is required"_s));
        QVERIFY(readOptions({{u"argv"_s, QJsonArray{u"x"_s}}}).error().message().contains(u"never see the prompt"_s));
        auto options = readOptions({{u"argv"_s, QJsonArray{u"aider"_s, u"--model"_s, u"{model}"_s, u"--message"_s, u"{prompt}"_s,
                                                          u"--root={workspace}"_s}},
                                    {u"plan_argv"_s, QJsonArray{u"aider"_s, u"--dry-run"_s, u"--message"_s, u"{prompt}"_s}}});
        QVERIFY(options.ok());
        AgentSettings settings;
        settings.workspace = u"/w"_s;
        QCOMPARE(expand(templateFor(*options, AgentMode::Execute), u"do it"_s, settings),
                 (QStringList{u"aider"_s, u"--message"_s, u"do it"_s, u"--root=/w"_s}));
        settings.model = u"sonnet"_s;
        QCOMPARE(expand(templateFor(*options, AgentMode::Execute), u"-x"_s, settings),
                 (QStringList{u"aider"_s, u"--model"_s, u"sonnet"_s, u"--message"_s, u"-x"_s, u"--root=/w"_s}));
        QCOMPARE(templateFor(*options, AgentMode::Plan).value(1), u"--dry-run"_s);
        QVERIFY(readOptions({{u"argv"_s, QJsonArray{u"x"_s}}, {u"prompt_on_stdin"_s, true}}).ok());
        QVERIFY(readOptions({{u"argv"_s, QJsonArray{u"x"_s, u"{prompt}"_s}}, {u"plan_argv"_s, QJsonArray{}}}).error().message().contains(u"plan_argv"_s));
    }
};

QTEST_GUILESS_MAIN(tst_AgentStreams)
#include "tst_agentstreams.moc"
