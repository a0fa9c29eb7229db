// SPDX-License-Identifier: MIT
// The agent back-ends' stream readers (Claude Code, Codex, Gemini CLI, OpenCode, Copilot CLI,
// Qwen Code) and the totals the core adds up from their events, on any bytes, line by line: no
// crash, and nothing impossible.
#include "agent/agenttotals.h"
#include "claudestream.h"
#include "codexstream.h"
#include "copilotstream.h"
#include "geministream.h"
#include "opencodestream.h"
#include "qwenstream.h"

#include <cstdint>
#include <cstdlib>

using namespace Peal;
using Peal::Internal::AgentTotals;

namespace {

// Copilot CLI's reader with a usage file that holds the fuzzer's bytes too.
QList<AgentEvent> copilotEvents(const QString &line)
{
    return Copilot::eventsOf(line, [&](const QString &) { return line.toUtf8(); });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const QStringList lines = text.split(u'\n');
    for (const auto &read : {&Claude::eventsOf, &Codex::eventsOf, &Gemini::eventsOf, &OpenCode::eventsOf, &copilotEvents,
                             &Qwen::eventsOf}) {
        AgentTotals totals;
        qint64 seen = 0;
        for (const QString &line : lines) {
            for (const AgentEvent &event : read(line)) {
                totals.add(event);
                ++seen;
                // A tool call's target is one short line, never contents.
                if (event.kind == AgentEvent::Kind::ToolCall && (event.target.size() > 200 || event.target.contains(u'\n')))
                    std::abort();
            }
        }
        if (totals.events != seen || totals.malformedLines > qint64(lines.size()) || totals.resultText.size() > 10 * 1024 * 1024)
            std::abort();
    }
    return 0;
}
