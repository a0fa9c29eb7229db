// SPDX-License-Identifier: MIT
#pragma once

#include "sessions.h"

#include <peal/sdk/reviewer.h>

namespace Peal::Stet {

// The stet reviewer (spec §8): finding it, its sessions, and reading its output.
class StetPlugin final : public ReviewerPlugin
{
public:
    // [plugins.stet]: stet_path, stet_start_ref, stet_start_args, stet_run_args, stet_commands
    // and on_stet_fail (the configuration puts the reference's top-level keys there).
    Result<void> configure(const PluginConfig &config) override;
    ReviewerReadiness readiness() const override;
    std::unique_ptr<ReviewSession> createSession() const override;
    QStringList repositoryStateDirectories() const override;

    bool detectFindings(std::optional<int> exitCode, const QString &output) const override;
    std::optional<QList<Finding>> parseFindings(const QString &output) const override;
    std::optional<QString> extractSuggestions(const QString &output) const override;
    int countFindings(const QString &output) const override;
    QStringList openFindings(const QString &output) const override;

private:
    StetSettings m_settings;
    QString m_warning;
};

} // namespace Peal::Stet
