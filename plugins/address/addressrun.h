// SPDX-License-Identifier: MIT
#pragma once

#include "addresssettings.h"

#include <peal/sdk/phase.h>

#include <memory>

namespace Peal::Address {

// Phase 3 for one task (spec §8.6-§8.8), as a recipe of steps that the core runs.
std::unique_ptr<PhaseRun> createAddressRun(AddressSettings settings);

} // namespace Peal::Address
