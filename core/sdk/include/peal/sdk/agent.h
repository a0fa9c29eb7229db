// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/events.h>
#include <peal/sdk/plugin.h>
#include <peal/sdk/process.h>
#include <peal/sdk/result.h>

#include <QJsonObject>

#include <chrono>
#include <optional>

namespace Peal {

// What peal asks an agent to do; each is one fresh process.
enum class AgentMode {
    Plan,      // phase 1: read-only planning; stdout is the plan text
    Execute,   // phase 2: implement the plan in the workspace
    Address,   // phase 3: fix review findings
    Triage,    // phase 3: decide which findings are worth addressing
    Normalize, // turn a free-form document into a canonical plan
};

PEAL_EXPORT QString agentModeName(AgentMode mode);

// Everything an agent plugin needs to build a command line.
struct PEAL_EXPORT AgentSettings
{
    QString program;                 // as resolved by resolveProgram()
    QString workspace;               // repo_path exactly as configured
    std::optional<QString> model;    // unset: let the agent choose
    QString sandbox;
    std::chrono::milliseconds timeout{0};
    QJsonObject options;             // the plugin's own table from the config file
    Extensions extensions = {};
};

// An agent run, classified by the plugin.
struct PEAL_EXPORT AgentOutput
{
    enum class Status { Succeeded, Failed, TimedOut, FailedToStart, Cancelled };
    Status status = Status::Failed;
    QString text;                  // the answer (stdout, or the result field of JSON output)
    QString stderrText;
    std::optional<int> exitCode;   // none after a signal, timeout or cancel
    QString errorString;           // why it failed to start
    int signal = 0;                // the signal that killed it (set by the core)
    // Why it failed, where the plugin can tell from the process result (an exit code that means
    // a rate limit); the failure a streamed event reported comes first. Set by the core to the
    // class it settled on when the output reaches a phase.
    AgentEvent::Failure failure = AgentEvent::Failure::None;
    QString failureText;           // the message that came with it
    QString failureDetail;         // a short detail of it ("exit code 41", "429")
    Extensions extensions = {};         // fields added after ABI 9 (docs/plugins.md)
};

// Continuing an agent's conversation (added after ABI 9, docs/plugins.md). The request: the
// AgentSettings extension "resume_session", the session id an earlier call of the same back-end
// reported; the prompt command() gets is then a short one asking the agent to finish the same
// work. The answer: the ProcessSpec extension "resumes_session", set to that id by a plugin
// whose command continues the session. Absent, the plugin cannot resume, and the core builds a
// fresh call with the whole prompt instead.
inline void setResumeSession(AgentSettings &settings, const QString &session)
{
    settings.extensions.insert(QStringLiteral("resume_session"), session);
}
inline QString resumeSession(const AgentSettings &settings)
{
    return settings.extensions.value(QStringLiteral("resume_session")).toString();
}
inline void setResumesSession(ProcessSpec &spec, const QString &session)
{
    spec.extensions.insert(QStringLiteral("resumes_session"), session);
}
inline QString resumesSession(const ProcessSpec &spec)
{
    return spec.extensions.value(QStringLiteral("resumes_session")).toString();
}

// Naming the session a fresh call starts (added after ABI 9, docs/plugins.md): a plugin whose
// CLI takes the id of a new session on its command line (Copilot CLI's `--session-id`) but
// prints it only at its end sets the ProcessSpec extension "starts_session" to that id. The core
// records it as the call's session from the start, so a call stopped before its end can still
// be continued. Absent, the session is the one the call's events report.
inline void setStartsSession(ProcessSpec &spec, const QString &session)
{
    spec.extensions.insert(QStringLiteral("starts_session"), session);
}
inline QString startsSession(const ProcessSpec &spec)
{
    return spec.extensions.value(QStringLiteral("starts_session")).toString();
}

/*
 * Agent role: turns (mode, prompt) into a ProcessSpec and a ProcessResult into an AgentOutput.
 * It never runs anything itself.
 */
class PEAL_EXPORT AgentPlugin : public Plugin
{
public:
    ~AgentPlugin() override;
    PluginRole role() const override;

    // Resolves the configured command (a name looked up on `pathVariable`, or a path) to the
    // program to run, or an error a person can act on.
    virtual Result<QString> resolveProgram(const QString &command,
                                           const std::optional<QString> &pathVariable) const = 0;
    virtual ProcessSpec command(AgentMode mode, const QString &prompt,
                                const AgentSettings &settings) const = 0;
    virtual AgentOutput interpret(AgentMode mode, const ProcessResult &result) const = 0;

    // The command run when agent_cmd is left at its default ("agent", Cursor's): the plugin's
    // own program name ("claude", "codex"). Default: "agent".
    virtual QString defaultCommand() const;

    // The CLI version the plugin was tested with ("2.1.197"). When set, peal runs
    // `<program> --version` once per run and warns when the major version (the minor one
    // before 1.0) differs: the CLI's output may have changed. Default: none, no check.
    virtual QString testedVersion() const;

    // Whether calls in `mode` stream events: the core then reads the agent's output as it
    // arrives and hands every line to onOutputLine(). Default: no.
    virtual bool streamsEvents(AgentMode mode) const;
    // Whether a call in `mode` ends its stream with a Result event. The core then takes the
    // answer from it, fails a call whose result is an error even when the CLI exits 0, and
    // fails a call that ends without a result. Default: no.
    virtual bool reportsResult(AgentMode mode) const;
    // Whether calls in `mode` report what they cost in US dollars (a Usage event's costUsd).
    // A back-end that does not counts only against token budgets. Default: no.
    virtual bool reportsCost(AgentMode mode) const;
    // The events one line of output carries (none for a line it does not understand). Pure: no
    // I/O, no state; called on the event loop for every line, so keep it cheap.
    virtual QList<AgentEvent> onOutputLine(AgentMode mode, OutputChannel channel, const QString &line) const;
};

// What looking up a program found (lookUpProgram).
struct PEAL_EXPORT ProgramLookup
{
    enum class Outcome {
        Found,         // `path` is the executable, absolute
        NotFound,      // nothing of that name
        NotExecutable, // `path` is a file of that name without an execute bit
        NotAFile,      // `path` is a directory (or another non-regular file) of that name
    };
    Outcome outcome = Outcome::NotFound;
    QString path;
};

// findExecutable() that also tells why nothing was accepted: a command with '/' is checked as a
// path; a name is searched on `pathVariable`, and the first file of that name that is not
// executable is reported when no executable one exists.
PEAL_EXPORT ProgramLookup lookUpProgram(const QString &command, const std::optional<QString> &pathVariable);

// The error for a lookup that found nothing usable, in an agent plugin's own words:
// "<tool> command '<cmd>' not found on PATH. <installHint>" (the reference's text for Cursor),
// or "<tool> command '<cmd>' exists but is not executable" with the file and the fix as hint.
PEAL_EXPORT Error programNotUsable(const ProgramLookup &lookup, const QString &command, const QString &tool,
                                   const QString &installHint);

// The executable test of spec §4.3: a regular file with an execute bit. `command` containing
// '/' is a path (relative to the current directory); otherwise each PATH entry is tried in
// order (an empty entry means the current directory). Returns an absolute path.
PEAL_EXPORT std::optional<QString> findExecutable(const QString &command,
                                                  const std::optional<QString> &pathVariable);
PEAL_EXPORT bool isExecutableFile(const QString &path);

} // namespace Peal
