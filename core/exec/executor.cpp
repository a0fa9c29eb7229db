// SPDX-License-Identifier: MIT
#include <peal/sdk/executor.h>

namespace Peal {

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

QList<ProcessSpec> ExecutorPlugin::cancelCommands(const QList<ExecutorCall> &, const QString &) const
{
    return {};
}

bool ExecutorPlugin::needsSharedFileSystem() const
{
    return true;
}

} // namespace Peal
