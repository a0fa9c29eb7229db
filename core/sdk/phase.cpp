// SPDX-License-Identifier: MIT
#include <peal/sdk/phase.h>

namespace Peal {

PhaseServices::~PhaseServices() = default;
PhaseRun::~PhaseRun() = default;
PhasePlugin::~PhasePlugin() = default;

PluginRole PhasePlugin::role() const
{
    return PluginRole::Phase;
}

QStringList PhasePlugin::describe(const PhaseOutlineContext &) const
{
    return {};
}

} // namespace Peal
