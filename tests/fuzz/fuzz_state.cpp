// SPDX-License-Identifier: MIT
// The JSON files peal reads back: state.json (a file that loads must write and load again to
// the same state), run_summary.json and last_run.json.
#include <peal/state.h>
#include <peal/summary.h>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray json(reinterpret_cast<const char *>(data), qsizetype(size));
    if (auto state = Peal::State::fromJson(json)) {
        auto again = Peal::State::fromJson(state->toJson());
        if (!again || !(*again == *state))
            std::abort();
    }
    if (auto summary = Peal::RunSummary::fromJson(json))
        (void)summary->toJson();
    if (auto last = Peal::LastRun::fromJson(json)) {
        if (!Peal::LastRun::fromJson(last->toJson()))
            std::abort();
    }
    return 0;
}
