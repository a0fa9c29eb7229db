// SPDX-License-Identifier: MIT
#include "agentcommon.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Peal::AgentCommon {

Error optionError(const QString &what)
{
    return Error(Error::Kind::Config, what);
}

Result<void> onlyKnownKeys(const QJsonObject &table, const QStringList &known)
{
    for (auto it = table.begin(); it != table.end(); ++it) {
        if (!known.contains(it.key()))
            return optionError(QStringLiteral("has an unknown key '%1' (known: %2)").arg(it.key(), known.join(QStringLiteral(", "))));
    }
    return {};
}

Result<QStringList> stringListOption(const QJsonObject &table, const QString &key)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return QStringList();
    const Error wrong = optionError(QStringLiteral("%1 must be an array of strings").arg(key));
    if (!value.isArray())
        return wrong;
    QStringList out;
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString())
            return wrong;
        out << item.toString();
    }
    return out;
}

Result<QString> choiceOption(const QJsonObject &table, const QString &key, const QStringList &choices,
                             const QString &fallback)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return fallback;
    if (!value.isString() || !choices.contains(value.toString()))
        return optionError(QStringLiteral("%1 must be one of %2").arg(key, choices.join(QStringLiteral(", "))));
    return value.toString();
}

Result<std::optional<qint64>> positiveIntegerOption(const QJsonObject &table, const QString &key)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return std::optional<qint64>();
    if (!value.isDouble() || value.toDouble() < 1 || value.toDouble() != double(value.toInteger()))
        return optionError(QStringLiteral("%1 must be a positive integer").arg(key));
    return std::optional<qint64>(value.toInteger());
}

Result<bool> booleanOption(const QJsonObject &table, const QString &key, bool fallback)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return fallback;
    if (!value.isBool())
        return optionError(QStringLiteral("%1 must be true or false").arg(key));
    return value.toBool();
}

template<typename T>
OptionReader &OptionReader::take(const QString &key, Result<T> value, T &target)
{
    m_known << key;
    if (!value) {
        if (!m_error)
            m_error = value.error();
    } else {
        target = std::move(value).value();
    }
    return *this;
}

OptionReader &OptionReader::choice(const QString &key, const QStringList &choices, QString &target)
{
    return take(key, choiceOption(m_table, key, choices, target), target);
}

OptionReader &OptionReader::boolean(const QString &key, bool &target)
{
    return take(key, booleanOption(m_table, key, target), target);
}

OptionReader &OptionReader::strings(const QString &key, QStringList &target)
{
    return take(key, m_table.contains(key) ? stringListOption(m_table, key) : Result<QStringList>(target), target);
}

OptionReader &OptionReader::positiveInteger(const QString &key, std::optional<qint64> &target)
{
    return take(key, m_table.contains(key) ? positiveIntegerOption(m_table, key) : Result<std::optional<qint64>>(target),
                target);
}

OptionReader &OptionReader::known(const QString &key)
{
    m_known << key;
    return *this;
}

Result<void> OptionReader::finish() const
{
    if (auto keys = onlyKnownKeys(m_table, m_known); !keys)
        return keys.error();
    if (m_error)
        return *m_error;
    return {};
}

bool readsOnly(AgentMode mode)
{
    return mode == AgentMode::Plan || mode == AgentMode::Triage || mode == AgentMode::Normalize;
}

std::optional<QJsonObject> jsonObjectOf(const QString &line, AgentEvent *unreadable)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(line.toUtf8(), &error);
    if (error.error == QJsonParseError::NoError && document.isObject())
        return document.object();
    unreadable->kind = AgentEvent::Kind::Unreadable;
    unreadable->text = error.error != QJsonParseError::NoError
                           ? QStringLiteral("not JSON: %1 at offset %2").arg(error.errorString()).arg(error.offset)
                           : QStringLiteral("not a JSON object");
    return std::nullopt;
}

QString toolTarget(const QJsonObject &input)
{
    for (const char *key : {"file_path", "notebook_path", "absolute_path", "path", "dir_path", "command", "cmd",
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
    spec.label = m_description.program + u' ' + agentModeName(mode);
    return spec;
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
