// SPDX-License-Identifier: MIT
#pragma once

#include <peal/phase.h>

namespace Peal::Address {

// Phase 3: review, dismiss, address, re-review (spec §8.6-§8.8).
class AddressPlugin final : public PhasePlugin
{
public:
    std::unique_ptr<PhaseRun> createRun() const override;
};

} // namespace Peal::Address
