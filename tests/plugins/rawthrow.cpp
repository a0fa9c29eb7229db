// SPDX-License-Identifier: MIT
// Exports the aliases by hand with a factory that lets an exception escape.
#include <peal/sdk/plugin.h>

#include <stdexcept>

extern "C" {
PEAL_PLUGIN_VISIBLE Peal::Plugin *peal_raw_factory(char *, std::size_t)
{
    throw std::runtime_error("factory exploded");
}
static const int abiValue = PEAL_PLUGIN_ABI;
PEAL_PLUGIN_VISIBLE __attribute__((section("boostdll"), weak)) const void *peal_plugin_factory =
    reinterpret_cast<const void *>(&peal_raw_factory);
PEAL_PLUGIN_VISIBLE __attribute__((section("boostdll"), weak)) const void *peal_plugin_abi =
    reinterpret_cast<const void *>(&abiValue);
}
