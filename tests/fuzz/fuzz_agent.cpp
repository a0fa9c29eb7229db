// SPDX-License-Identifier: MIT
// What an agent prints: Cursor's output read by its plugin, a normalised plan read back, and
// git's porcelain status (the work-tree check) read by the core.
#include "cursorplugin.h"
#include "git/porcelain.h"

#include <peal/plan.h>

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    Peal::ProcessResult result;
    result.ending = size % 2 ? Peal::ProcessEnding::Exited : Peal::ProcessEnding::Crashed;
    result.exitCode = int(size % 3);
    result.signal = int(size % 40);
    result.stdoutText = text;
    result.stderrText = text.left(100);
    const Peal::Cursor::CursorPlugin cursor;
    const Peal::AgentOutput out = cursor.interpret(Peal::AgentMode::Normalize, result);
    (void)Peal::exitStatusText(result);
    (void)Peal::describeEnding(result);
    (void)Peal::PlanParser::parseOrFailWithSnippet(out.text);
    (void)Peal::PlanParser::snippetForParseFailure(out.text);
    QString porcelain = text;
    porcelain.replace(u'\n', QChar(0));
    (void)Peal::Internal::statusPaths(porcelain);
    return 0;
}
