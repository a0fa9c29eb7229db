// SPDX-License-Identifier: MIT
#pragma once

#include "addresssettings.h"

#include <peal/sdk/phase.h>

namespace Peal::Address {

// Phase 3: review, dismiss, address, re-review (spec §8.6-§8.8).
class AddressPlugin final : public PhasePlugin
{
public:
    Result<void> configure(const PluginConfig &config) override;
    std::unique_ptr<PhaseRun> createRun() const override;
    QStringList describe(const PhaseOutlineContext &context) const override;

private:
    AddressSettings m_settings;
};

} // namespace Peal::Address
