// SPDX-License-Identifier: MIT
#include <peal/sdk/plugin.h>

extern "C" {
PEAL_PLUGIN_VISIBLE Peal::Plugin *peal_null_factory(char *, std::size_t)
{
    return nullptr;
}
static const int abiValue = PEAL_PLUGIN_ABI;
PEAL_PLUGIN_VISIBLE __attribute__((section("boostdll"), weak)) const void *peal_plugin_factory =
    reinterpret_cast<const void *>(&peal_null_factory);
PEAL_PLUGIN_VISIBLE __attribute__((section("boostdll"), weak)) const void *peal_plugin_abi =
    reinterpret_cast<const void *>(&abiValue);
}
