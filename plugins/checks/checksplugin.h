// SPDX-License-Identifier: MIT
#pragma once

#include "checkfindings.h"

#include <peal/sdk/reviewer.h>

namespace Peal::Checks {

// Where and how long its command runs, and the program argv[0] found.
struct ChecksSettings
{
    QString program;
    QString repo;
    std::chrono::milliseconds timeout{0}; // phase_timeout_sec
};

// What [plugins.checks] says.
struct ChecksOptions
{
    QStringList argv;
    std::optional<std::chrono::seconds> timeout; // none: phase_timeout_sec
    Format format = Format::Json;
};

/*
 * The `checks` reviewer: after a task, runs the program of [plugins.checks] in the repository
 * and reads findings from its stdout (docs/plugins.md, "The checks reviewer"), so that a linter,
 * a type checker or the test suite can be the reviewer and the address loop fixes what it
 * reports. Dismissed findings are remembered for the rest of the run.
 */
class ChecksPlugin final : public ReviewerPlugin
{
public:
    Result<void> configure(const PluginConfig &config) override;
    ReviewerReadiness readiness() const override;
    std::unique_ptr<ReviewSession> createSession() const override;

    bool detectFindings(std::optional<int> exitCode, const QString &output) const override;
    std::optional<QList<Finding>> parseFindings(const QString &output) const override;
    std::optional<QString> extractSuggestions(const QString &output) const override;
    int countFindings(const QString &output) const override;

private:
    ChecksOptions m_options;
    ChecksSettings m_settings;
    QString m_warning;
};

} // namespace Peal::Checks
