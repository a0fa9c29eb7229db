// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>

#include <QString>
#include <QStringList>

/*
 * Text as peal reads and shows it, for plugins: line splitting and byte lengths on UTF-8 with
 * the semantics of the reference behaviour (Rust's `str`), the first line of a program's
 * stderr, and a command as a person would type it.
 */
namespace Peal::Text {

// Rust `str::lines`: split on '\n', drop one '\r' before each '\n', no final empty piece.
PEAL_EXPORT QStringList lines(QStringView text);

// Number of bytes of the UTF-8 encoding (what the reference calls a length).
PEAL_EXPORT qsizetype utf8Length(QStringView text);

// The longest prefix whose UTF-8 encoding has at most `maxBytes` bytes, never splitting a
// character (the reference slices bytes and can panic; we cut at a character boundary).
PEAL_EXPORT QString truncateUtf8(QStringView text, qsizetype maxBytes);

// The first non-blank line of `text` that is not advice ("Hint: ...", which some programs
// print before their reason; the first such line when there is nothing else), trimmed and cut
// to at most `maxBytes` of UTF-8: what an error line shows of a program's stderr.
PEAL_EXPORT QString firstLine(QStringView text, qsizetype maxBytes = 200);

// A command as a person would type it, for display only (peal never runs a shell): arguments
// that are empty or hold spaces or shell characters are single-quoted.
PEAL_EXPORT QString commandLine(const QString &program, const QStringList &arguments);

} // namespace Peal::Text
