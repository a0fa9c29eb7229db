// SPDX-License-Identifier: MIT
#include <peal/sdk/plugin.h>

namespace Peal {

Plugin::~Plugin() = default;

Result<void> Plugin::configure(const PluginConfig &)
{
    return {};
}

QString pluginRoleName(PluginRole role)
{
    switch (role) {
    case PluginRole::Agent:
        return QStringLiteral("agent");
    case PluginRole::Reviewer:
        return QStringLiteral("reviewer");
    case PluginRole::Phase:
        return QStringLiteral("phase");
    case PluginRole::Executor:
        return QStringLiteral("executor");
    }
    return QStringLiteral("unknown");
}

} // namespace Peal
