// SPDX-License-Identifier: MIT
#include <peal/sdk/phase.h>

// Declared, never defined anywhere: loading with RTLD_NOW must fail and name it.
extern "C" int peal_test_symbol_nobody_defines(int);

namespace {

class MissingSymbolPlugin final : public Peal::PhasePlugin
{
public:
    std::unique_ptr<Peal::PhaseRun> createRun() const override
    {
        return peal_test_symbol_nobody_defines(1) ? nullptr : nullptr;
    }
};

} // namespace

PEAL_REGISTER_PLUGIN(MissingSymbolPlugin)
