// SPDX-License-Identifier: MIT
#include <peal/sdk/agent.h>

#include <QDir>
#include <QFile>

#include <sys/stat.h>

namespace Peal {

AgentPlugin::~AgentPlugin() = default;

PluginRole AgentPlugin::role() const
{
    return PluginRole::Agent;
}

QString agentModeName(AgentMode mode)
{
    switch (mode) {
    case AgentMode::Plan: return QStringLiteral("plan");
    case AgentMode::Execute: return QStringLiteral("execute");
    case AgentMode::Address: return QStringLiteral("address");
    case AgentMode::Triage: return QStringLiteral("triage");
    case AgentMode::Normalize: return QStringLiteral("normalize");
    }
    return QString();
}

bool isExecutableFile(const QString &path)
{
    struct stat info {};
    const QByteArray native = QFile::encodeName(path);
    return ::stat(native.constData(), &info) == 0 && S_ISREG(info.st_mode)
           && (info.st_mode & 0111) != 0;
}

namespace {

ProgramLookup classify(const QString &candidate)
{
    struct stat info {};
    const QByteArray native = QFile::encodeName(candidate);
    if (::stat(native.constData(), &info) != 0)
        return {ProgramLookup::Outcome::NotFound, QString()};
    const QString path = QDir::current().absoluteFilePath(candidate);
    if (!S_ISREG(info.st_mode))
        return {ProgramLookup::Outcome::NotAFile, path};
    if ((info.st_mode & 0111) == 0)
        return {ProgramLookup::Outcome::NotExecutable, path};
    return {ProgramLookup::Outcome::Found, path};
}

} // namespace

ProgramLookup lookUpProgram(const QString &command, const std::optional<QString> &pathVariable)
{
    if (command.isEmpty())
        return {};
    if (command.contains(u'/'))
        return classify(command);
    if (!pathVariable)
        return {};
    // The reference's search skips what is not executable; the first such file is kept to say
    // why nothing was found. Empty entries are kept: "" is one entry, the current directory.
    ProgramLookup unusable;
    for (const QString &dir : pathVariable->split(u':')) {
        const ProgramLookup candidate = classify(dir.isEmpty() ? command : dir + u'/' + command);
        if (candidate.outcome == ProgramLookup::Outcome::Found)
            return candidate;
        if (candidate.outcome != ProgramLookup::Outcome::NotFound && unusable.outcome == ProgramLookup::Outcome::NotFound)
            unusable = candidate;
    }
    return unusable;
}

Error programNotUsable(const ProgramLookup &lookup, const QString &command, const QString &tool,
                       const QString &installHint)
{
    switch (lookup.outcome) {
    case ProgramLookup::Outcome::NotExecutable:
        return Error(Error::Kind::AgentNotFound,
                     QStringLiteral("%1 command '%2' exists but is not executable").arg(tool, command),
                     QStringLiteral("%1 has no execute permission; make it executable (chmod +x) or set agent_cmd "
                                    "to the right program")
                         .arg(lookup.path));
    case ProgramLookup::Outcome::NotAFile:
        return Error(Error::Kind::AgentNotFound,
                     QStringLiteral("%1 command '%2' is not a program").arg(tool, command),
                     QStringLiteral("%1 is a directory; set agent_cmd to the program").arg(lookup.path));
    case ProgramLookup::Outcome::Found:
    case ProgramLookup::Outcome::NotFound:
        break;
    }
    return Error(Error::Kind::AgentNotFound,
                 QStringLiteral("%1 command '%2' not found on PATH. %3").arg(tool, command, installHint),
                 command.contains(u'/') ? QStringLiteral("%1: no such file").arg(command) : QString());
}

std::optional<QString> findExecutable(const QString &command,
                                      const std::optional<QString> &pathVariable)
{
    const ProgramLookup found = lookUpProgram(command, pathVariable);
    if (found.outcome == ProgramLookup::Outcome::Found)
        return found.path;
    return std::nullopt;
}

} // namespace Peal
