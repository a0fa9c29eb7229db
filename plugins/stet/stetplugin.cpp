// SPDX-License-Identifier: MIT
#include "stetplugin.h"

#include "findings.h"
#include "sessions.h"

#include <peal/sdk/agent.h>
#include <peal/sdk/options.h>

namespace Peal::Stet {

Result<void> StetPlugin::configure(const PluginConfig &config)
{
    StetSettings s;
    std::optional<QString> stetPath;
    const Result<void> read = OptionReader(config.options)
                                  .text(QStringLiteral("stet_path"), stetPath)
                                  .text(QStringLiteral("stet_start_ref"), s.startRef)
                                  .strings(QStringLiteral("stet_start_args"), s.startExtraArgs)
                                  .strings(QStringLiteral("stet_run_args"), s.runExtraArgs)
                                  .strings(QStringLiteral("stet_commands"), s.customCommands)
                                  .choice(QStringLiteral("on_stet_fail"),
                                          {QStringLiteral("fail"), QStringLiteral("skip"), QStringLiteral("retry_once")},
                                          s.onFail)
                                  .finish();
    if (!read)
        return read;
    s.repo = config.repoPath;
    s.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.phaseTimeout);
    m_warning.clear();
    s.program = findStet(stetPath, config.pathVariable, &m_warning).value_or(QString());
    m_settings = std::move(s);
    return {};
}

ReviewerReadiness StetPlugin::readiness() const
{
    ReviewerReadiness r;
    r.program = m_settings.program;
    r.warning = m_warning;
    // Custom stet_commands run whatever they name: they need no stet of their own.
    r.ready = !m_settings.program.isEmpty() || !m_settings.customCommands.isEmpty();
    return r;
}

std::unique_ptr<ReviewSession> StetPlugin::createSession() const
{
    return Stet::createSession(m_settings);
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
