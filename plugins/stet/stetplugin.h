// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/reviewer.h>

namespace Peal::Stet {

// The stet reviewer (spec §8): finding it, its sessions, and reading its output.
class StetPlugin final : public ReviewerPlugin
{
public:
    std::optional<QString> resolve(const std::optional<QString> &configuredPath,
                                   const std::optional<QString> &pathVariable,
                                   QString *warning) const override;
    std::unique_ptr<ReviewSession> createSession(const ReviewerSettings &settings) const override;
    QStringList repositoryStateDirectories() const override;

    bool detectFindings(std::optional<int> exitCode, const QString &output) const override;
    std::optional<QList<Finding>> parseFindings(const QString &output) const override;
    std::optional<QString> extractSuggestions(const QString &output) const override;
    int countFindings(const QString &output) const override;
    QStringList openFindings(const QString &output) const override;
};

} // namespace Peal::Stet
