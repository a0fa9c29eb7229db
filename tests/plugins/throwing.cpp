// SPDX-License-Identifier: MIT
#include <peal/sdk/phase.h>

#include <stdexcept>

namespace {

class ThrowingPlugin final : public Peal::PhasePlugin
{
public:
    ThrowingPlugin() { throw std::runtime_error("constructor exploded"); }
    std::unique_ptr<Peal::PhaseRun> createRun() const override { return nullptr; }
};

} // namespace

PEAL_REGISTER_PLUGIN(ThrowingPlugin)
