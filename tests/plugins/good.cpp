// SPDX-License-Identifier: MIT
#include <peal/sdk/phase.h>

namespace {

class GoodRun final : public Peal::PhaseRun
{
public:
    void start(Peal::PhaseServices &, std::function<void(Peal::Result<void>)> done) override
    {
        done(Peal::Result<void>());
    }
};

class GoodPlugin final : public Peal::PhasePlugin
{
public:
    std::unique_ptr<Peal::PhaseRun> createRun() const override { return std::make_unique<GoodRun>(); }
};

} // namespace

PEAL_REGISTER_PLUGIN(GoodPlugin)
