// SPDX-License-Identifier: MIT
#pragma once

// What the agent back-ends (claude, codex, gemini, opencode, copilot, qwen, command) share:
// reading their option tables, their JSON lines, and the status of a finished process. Compiled
// into each plugin.

#include <peal/sdk/agent.h>
#include <peal/sdk/options.h>

#include <QJsonObject>
#include <QStringList>

#include <optional>

namespace Peal::AgentCommon {

// Stores what `read` gave in `target`, or returns its error: a plugin's configure() in a line.
template<typename Options>
Result<void> readInto(Options &target, Result<Options> read)
{
    if (!read)
        return read.error();
    target = std::move(read).value();
    return {};
}

// Plan, triage and normalisation only read; execute and address edit the workspace.
bool readsOnly(AgentMode mode);

// The JSON object of one stream line. Nothing for a blank line; a line that is not a JSON
// object puts an Unreadable event in `events` (what the reader then returns).
std::optional<QJsonObject> streamObject(const QString &line, QList<AgentEvent> *events);

// The events the stream readers make, one of each kind.
AgentEvent eventOfKind(AgentEvent::Kind kind); // a Turn, a Result: nothing more to say
AgentEvent sessionEvent(const QString &id);
AgentEvent textEvent(const QString &text);
AgentEvent toolCallEvent(const QString &tool, const QJsonObject &input);
AgentEvent usageEvent(qint64 input, qint64 output, qint64 cacheRead = 0, qint64 cacheWrite = 0);
// An API error the CLI reported, after its own retries: its class from the HTTP status (0:
// unknown) and `words` (the message and whatever else names the error), the status or
// `otherwise` as its detail. A Failure event; a reader makes it a Result where it ends the call.
AgentEvent apiFailureEvent(int status, const QString &message, const QString &words, const QString &otherwise);

// A short "what" of a tool call from its input: the file, the command, the pattern; never
// contents. One line, at most 200 characters.
QString toolTarget(const QJsonObject &input);

// The status of a finished agent process (the answer and error class come from its events).
AgentOutput outputOf(const ProcessResult &result);

// The lookup of a back-end's program, or its error with the install hint.
Result<QString> resolveAgentProgram(const QString &command, const std::optional<QString> &pathVariable,
                                    const QString &tool, const QString &installHint);

// What tells one CLI back-end from another.
struct CliDescription
{
    QString program;       // its program name, run when agent_cmd is left at "agent"
    QString tool;          // its name in errors: "Claude Code"
    QString installHint;   // how to install it
    QString testedVersion; // the version its plugin was tested with
    bool resumes = false;  // its arguments() continue a session when asked (resumeSession())
};

/*
 * A CLI back-end that prints a JSON stream (Claude Code, Codex, Gemini CLI, OpenCode, Copilot CLI,
 * Qwen Code): the prompt goes on stdin, the CLI runs in the workspace, every stdout line is read
 * as it arrives, and the answer and failure class come from the events. A plugin gives the
 * description, its argv and its line reader.
 */
class StreamingCliAgent : public AgentPlugin
{
public:
    explicit StreamingCliAgent(CliDescription description) : m_description(std::move(description)) {}

    QString defaultCommand() const override { return m_description.program; }
    QString testedVersion() const override { return m_description.testedVersion; }
    Result<QString> resolveProgram(const QString &command, const std::optional<QString> &pathVariable) const override;
    ProcessSpec command(AgentMode mode, const QString &prompt, const AgentSettings &settings) const override;
    bool streamsEvents(AgentMode) const override { return true; }
    bool reportsResult(AgentMode) const override { return true; }
    QList<AgentEvent> onOutputLine(AgentMode mode, OutputChannel channel, const QString &line) const override;
    AgentOutput interpret(AgentMode mode, const ProcessResult &result) const override;

protected:
    // The argv without the program.
    virtual QStringList arguments(AgentMode mode, const AgentSettings &settings) const = 0;
    // The events of one stdout line.
    virtual QList<AgentEvent> eventsOfLine(const QString &line) const = 0;
    // Variables added to the CLI's environment (OpenCode's permissions in plan mode). Default:
    // none.
    virtual QHash<QString, QString> environment(AgentMode mode, const AgentSettings &settings) const;

private:
    CliDescription m_description;
};

} // namespace Peal::AgentCommon
