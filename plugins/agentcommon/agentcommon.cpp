// SPDX-License-Identifier: MIT
#include "agentcommon.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Peal::AgentCommon {

bool readsOnly(AgentMode mode)
{
    return mode == AgentMode::Plan || mode == AgentMode::Triage || mode == AgentMode::Normalize;
}

std::optional<QJsonObject> streamObject(const QString &line, QList<AgentEvent> *events)
{
    if (line.trimmed().isEmpty())
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(line.toUtf8(), &error);
    if (error.error == QJsonParseError::NoError && document.isObject())
        return document.object();
    AgentEvent unreadable;
    unreadable.kind = AgentEvent::Kind::Unreadable;
    unreadable.text = error.error != QJsonParseError::NoError
                          ? QStringLiteral("not JSON: %1 at offset %2").arg(error.errorString()).arg(error.offset)
                          : QStringLiteral("not a JSON object");
    events->append(unreadable);
    return std::nullopt;
}

AgentEvent eventOfKind(AgentEvent::Kind kind)
{
    AgentEvent event;
    event.kind = kind;
    return event;
}

AgentEvent sessionEvent(const QString &id)
{
    AgentEvent event = eventOfKind(AgentEvent::Kind::Session);
    event.text = id;
    return event;
}

AgentEvent textEvent(const QString &text)
{
    AgentEvent event = eventOfKind(AgentEvent::Kind::Text);
    event.text = text;
    return event;
}

AgentEvent toolCallEvent(const QString &tool, const QJsonObject &input)
{
    AgentEvent event = eventOfKind(AgentEvent::Kind::ToolCall);
    event.name = tool;
    event.target = toolTarget(input);
    return event;
}

AgentEvent usageEvent(qint64 input, qint64 output, qint64 cacheRead, qint64 cacheWrite)
{
    AgentEvent event = eventOfKind(AgentEvent::Kind::Usage);
    event.inputTokens = input;
    event.outputTokens = output;
    event.cacheReadTokens = cacheRead;
    event.cacheWriteTokens = cacheWrite;
    return event;
}

AgentEvent apiFailureEvent(int status, const QString &message, const QString &words, const QString &otherwise)
{
    AgentEvent event = eventOfKind(AgentEvent::Kind::Failure);
    event.text = message;
    event.failure = failureFromApiError(status, message + u' ' + words);
    event.name = status > 0 ? QString::number(status) : otherwise;
    return event;
}

QString toolTarget(const QJsonObject &input)
{
    for (const char *key : {"file_path", "filePath", "notebook_path", "absolute_path", "path", "dir_path", "command", "cmd",
                            "pattern", "url", "query", "description"}) {
        const QJsonValue value = input.value(QLatin1String(key));
        if (value.isString() && !value.toString().isEmpty())
            return value.toString().section(u'\n', 0, 0).left(200);
    }
    return QString();
}

AgentOutput outputOf(const ProcessResult &result)
{
    AgentOutput out;
    out.stderrText = result.stderrText;
    out.exitCode = result.code();
    out.errorString = result.errorString;
    switch (result.ending) {
    case ProcessEnding::FailedToStart: out.status = AgentOutput::Status::FailedToStart; break;
    case ProcessEnding::TimedOut: out.status = AgentOutput::Status::TimedOut; break;
    case ProcessEnding::Cancelled: out.status = AgentOutput::Status::Cancelled; break;
    case ProcessEnding::Crashed:
    case ProcessEnding::Exited:
        out.status = result.success() ? AgentOutput::Status::Succeeded : AgentOutput::Status::Failed;
        break;
    }
    return out;
}

Result<QString> resolveAgentProgram(const QString &command, const std::optional<QString> &pathVariable,
                                    const QString &tool, const QString &installHint)
{
    const ProgramLookup found = lookUpProgram(command, pathVariable);
    if (found.outcome == ProgramLookup::Outcome::Found)
        return found.path;
    return programNotUsable(found, command, tool, installHint);
}

Result<QString> StreamingCliAgent::resolveProgram(const QString &command, const std::optional<QString> &pathVariable) const
{
    return resolveAgentProgram(command, pathVariable, m_description.tool, m_description.installHint);
}

ProcessSpec StreamingCliAgent::command(AgentMode mode, const QString &prompt, const AgentSettings &settings) const
{
    ProcessSpec spec;
    spec.program = settings.program;
    spec.arguments = arguments(mode, settings);
    // The CLI works in its current directory; the prompt goes on stdin, so neither its length
    // nor a leading '-' matters.
    spec.workingDirectory = settings.workspace;
    spec.stdinMode = ProcessSpec::Stdin::Data;
    spec.stdinData = prompt.toUtf8();
    spec.timeout = settings.timeout;
    spec.environment = environment(mode, settings);
    spec.label = m_description.program + u' ' + agentModeName(mode);
    // The answer to a request to continue a session: this command does (docs/plugins.md).
    if (const QString session = resumeSession(settings); m_description.resumes && !session.isEmpty())
        setResumesSession(spec, session);
    return spec;
}

QHash<QString, QString> StreamingCliAgent::environment(AgentMode, const AgentSettings &) const
{
    return {};
}

QList<AgentEvent> StreamingCliAgent::onOutputLine(AgentMode, OutputChannel channel, const QString &line) const
{
    return channel == OutputChannel::Stdout ? eventsOfLine(line) : QList<AgentEvent>();
}

AgentOutput StreamingCliAgent::interpret(AgentMode, const ProcessResult &result) const
{
    // The answer and the error class come from the stream's result (the core applies them).
    return outputOf(result);
}

} // namespace Peal::AgentCommon
