// SPDX-License-Identifier: MIT
#include <peal/sdk/executor.h>

namespace Peal {

bool tagBelongsTo(const QString &jobTag, const QStringList &tags)
{
    for (const QString &tag : tags) {
        if (!tag.isEmpty() && jobTag.startsWith(tag) && (jobTag.size() == tag.size() || jobTag.at(tag.size()) == u'/'))
            return true;
    }
    return false;
}

ExecutorPlugin::~ExecutorPlugin() = default;

PluginRole ExecutorPlugin::role() const
{
    return PluginRole::Executor;
}

std::optional<QString> ExecutorPlugin::failureOf(const ProcessResult &, const ExecutorCall &) const
{
    return std::nullopt;
}

std::optional<ProcessSpec> ExecutorPlugin::listCommand() const
{
    return std::nullopt;
}

QList<ProcessSpec> ExecutorPlugin::cancelCommands(const QStringList &, const QString &) const
{
    return {};
}

bool ExecutorPlugin::needsSharedFileSystem() const
{
    return true;
}

} // namespace Peal
