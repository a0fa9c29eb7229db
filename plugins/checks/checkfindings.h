// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/reviewer.h>

#include <QSet>

namespace Peal::Checks {

// How the program's stdout carries findings ([plugins.checks] format).
enum class Format {
    Json,  // {"findings": [...]} or a bare array (docs/plugins.md, "The checks reviewer")
    Lines, // one finding per non-empty line; "path:line: message" is understood
};

// A finding as the program reported it.
struct CheckFinding
{
    QString id;       // the program's own, or a stable hash of path, line and message
    QString message;
    QString path;
    int line = 0;     // 0: none
    QString severity;
    QString suggestion;
};

// The findings in `output`, or why it is not in the format.
Result<QList<CheckFinding>> parseOutput(const QString &output, Format format);

// What the address loop reads: {"findings": [{id, message, path, line, severity, suggestion}]}.
QString normalised(const QList<CheckFinding> &findings);
// The normalised document read back; nothing when `output` is not one.
std::optional<QList<CheckFinding>> readNormalised(const QString &output);

} // namespace Peal::Checks
