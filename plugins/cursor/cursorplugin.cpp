// SPDX-License-Identifier: MIT
#include "cursorplugin.h"

namespace Peal::Cursor {

Result<QString> CursorPlugin::resolveProgram(const QString &command,
                                             const std::optional<QString> &pathVariable) const
{
    const ProgramLookup found = lookUpProgram(command, pathVariable);
    if (found.outcome == ProgramLookup::Outcome::Found)
        return found.path;
    return programNotUsable(found, command, QStringLiteral("Cursor CLI"),
                            QStringLiteral("Install it from https://docs.cursor.com/cli"));
}

QStringList CursorPlugin::arguments(AgentMode mode, const QString &prompt,
                                    const AgentSettings &settings)
{
    QStringList args{QStringLiteral("--print")};
    if (mode == AgentMode::Plan || mode == AgentMode::Normalize) {
        args << QStringLiteral("--plan") << QStringLiteral("--workspace") << settings.workspace
             << QStringLiteral("--output-format") << QStringLiteral("text");
    } else {
        args << QStringLiteral("--workspace") << settings.workspace << QStringLiteral("--sandbox")
             << settings.sandbox;
    }
    if (settings.model)
        args << QStringLiteral("--model") << *settings.model;
    args << prompt;
    return args;
}

ProcessSpec CursorPlugin::command(AgentMode mode, const QString &prompt,
                                  const AgentSettings &settings) const
{
    ProcessSpec spec;
    spec.program = settings.program;
    spec.arguments = arguments(mode, prompt, settings);
    spec.workingDirectory = settings.workspace;
    spec.stdinMode = ProcessSpec::Stdin::Inherit;
    spec.timeout = settings.timeout;
    spec.lastArgumentIsPrompt = true;
    spec.label = QStringLiteral("agent ") + agentModeName(mode);
    return spec;
}

AgentOutput CursorPlugin::interpret(AgentMode, const ProcessResult &result) const
{
    AgentOutput out;
    out.text = result.stdoutText;
    out.stderrText = result.stderrText;
    out.exitCode = result.code();
    out.errorString = result.errorString;
    switch (result.ending) {
    case ProcessEnding::FailedToStart:
        out.status = AgentOutput::Status::FailedToStart;
        break;
    case ProcessEnding::TimedOut:
        out.status = AgentOutput::Status::TimedOut;
        break;
    case ProcessEnding::Cancelled:
        out.status = AgentOutput::Status::Cancelled;
        break;
    case ProcessEnding::Crashed:
    case ProcessEnding::Exited:
        out.status = result.success() ? AgentOutput::Status::Succeeded : AgentOutput::Status::Failed;
        break;
    }
    return out;
}

} // namespace Peal::Cursor

PEAL_REGISTER_PLUGIN(Peal::Cursor::CursorPlugin)
