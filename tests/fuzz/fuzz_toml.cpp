// SPDX-License-Identifier: MIT
// The TOML configuration layer: toml++ behind ConfigLoader::parseToml, with every key's
// conversion and the merge that follows.
#include <peal/config.h>

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    auto layer = Peal::ConfigLoader::parseToml(text, QStringLiteral("fuzz.toml"));
    if (!layer) {
        (void)layer.error().toDisplayString();
        return 0;
    }
    const Peal::Config config = Peal::ConfigLoader::merge(*layer, QStringLiteral("fuzz.toml"), {}, {});
    (void)Peal::ConfigLoader::validateValues(config);
    return 0;
}
