// SPDX-License-Identifier: MIT
// The manifest says the current ABI; the library says otherwise.
#include <peal/sdk/phase.h>

namespace {

class InnerAbiPlugin final : public Peal::PhasePlugin
{
public:
    std::unique_ptr<Peal::PhaseRun> createRun() const override { return nullptr; }
};

} // namespace

extern "C" {
PEAL_PLUGIN_VISIBLE Peal::Plugin *peal_inner_factory(char *, std::size_t)
{
    return new InnerAbiPlugin();
}
static const int abiValue = 999;
PEAL_PLUGIN_VISIBLE __attribute__((section("boostdll"), weak)) const void *peal_plugin_factory =
    reinterpret_cast<const void *>(&peal_inner_factory);
PEAL_PLUGIN_VISIBLE __attribute__((section("boostdll"), weak)) const void *peal_plugin_abi =
    reinterpret_cast<const void *>(&abiValue);
}
