// SPDX-License-Identifier: MIT
// The checks reviewer's output, in both formats; what it normalises to must read back the same.
#include "checkfindings.h"

#include <cstdint>
#include <cstdlib>

using namespace Peal::Checks;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    for (Format format : {Format::Json, Format::Lines}) {
        const auto parsed = parseOutput(text, format);
        if (!parsed)
            continue;
        const auto back = readNormalised(normalised(*parsed));
        if (!back || back->size() != parsed->size())
            std::abort();
        for (qsizetype i = 0; i < parsed->size(); ++i) {
            if (back->at(i).id != parsed->at(i).id || back->at(i).message != parsed->at(i).message)
                std::abort();
        }
    }
    return 0;
}
