// SPDX-License-Identifier: MIT
#pragma once

#include "checkfindings.h"

#include <peal/sdk/reviewer.h>

namespace Peal::Checks {

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
    std::optional<QString> resolve(const std::optional<QString> &configuredPath,
                                   const std::optional<QString> &pathVariable, QString *warning) const override;
    std::unique_ptr<ReviewSession> createSession(const ReviewerSettings &settings) const override;

    bool detectFindings(std::optional<int> exitCode, const QString &output) const override;
    std::optional<QList<Finding>> parseFindings(const QString &output) const override;
    std::optional<QString> extractSuggestions(const QString &output) const override;
    int countFindings(const QString &output) const override;

private:
    ChecksOptions m_options;
};

} // namespace Peal::Checks
