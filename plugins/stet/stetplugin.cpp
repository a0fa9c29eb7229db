// SPDX-License-Identifier: MIT
#include "stetplugin.h"

#include "findings.h"
#include "sessions.h"

#include <peal/sdk/agent.h>

#include <QDir>

namespace Peal::Stet {

std::optional<QString> StetPlugin::resolve(const std::optional<QString> &configuredPath,
                                           const std::optional<QString> &pathVariable,
                                           QString *warning) const
{
    if (configuredPath) {
        // An explicit path that is not usable disables review; there is no PATH fallback.
        if (isExecutableFile(*configuredPath))
            return QDir::current().absoluteFilePath(*configuredPath);
        if (warning)
            *warning = QStringLiteral("configured stet_path is not a valid executable; phase 3 will be skipped");
        return std::nullopt;
    }
    if (!pathVariable)
        return std::nullopt;
    for (const QString &dir : pathVariable->split(u':')) {
        const QString candidate = dir.isEmpty() ? QStringLiteral("stet") : dir + QStringLiteral("/stet");
        if (isExecutableFile(candidate))
            return QDir::current().absoluteFilePath(candidate);
    }
    return std::nullopt;
}

std::unique_ptr<ReviewSession> StetPlugin::createSession(const ReviewerSettings &settings) const
{
    if (!settings.customCommands.isEmpty())
        return std::make_unique<CustomSession>(settings);
    return std::make_unique<BuiltInSession>(settings);
}

QStringList StetPlugin::repositoryStateDirectories() const
{
    return {QStringLiteral("/.review/")};
}

bool StetPlugin::detectFindings(std::optional<int> exitCode, const QString &output) const
{
    return Stet::detectFindings(exitCode, output);
}

std::optional<QList<Finding>> StetPlugin::parseFindings(const QString &output) const
{
    return Stet::parseFindings(output);
}

std::optional<QString> StetPlugin::extractSuggestions(const QString &output) const
{
    return Stet::extractSuggestions(output);
}

int StetPlugin::countFindings(const QString &output) const
{
    return Stet::countFindings(output);
}

QStringList StetPlugin::openFindings(const QString &output) const
{
    return Stet::openFindings(output);
}

} // namespace Peal::Stet

PEAL_REGISTER_PLUGIN(Peal::Stet::StetPlugin)
