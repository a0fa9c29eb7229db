// SPDX-License-Identifier: MIT
#include <peal/agent.h>

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

std::optional<QString> findExecutable(const QString &command,
                                      const std::optional<QString> &pathVariable)
{
    if (command.isEmpty())
        return std::nullopt;
    if (command.contains(u'/')) {
        if (isExecutableFile(command))
            return QDir::current().absoluteFilePath(command);
        return std::nullopt;
    }
    if (!pathVariable)
        return std::nullopt;
    // Split keeping empty entries: "" is one empty entry, meaning the current directory.
    for (const QString &dir : pathVariable->split(u':')) {
        const QString candidate = dir.isEmpty() ? command : dir + u'/' + command;
        if (isExecutableFile(candidate))
            return QDir::current().absoluteFilePath(candidate);
    }
    return std::nullopt;
}

} // namespace Peal
