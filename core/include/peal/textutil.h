// SPDX-License-Identifier: MIT
#pragma once

#include <peal/pealcore_export.h>

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

/*
 * Text helpers with the exact semantics the reference behaviour is specified in (Rust's `str`
 * functions): line splitting, whitespace classes and byte-length limits on UTF-8.
 */
namespace Peal::Text {

// Rust `str::lines`: split on '\n', drop one '\r' before each '\n', no final empty piece.
PEAL_EXPORT QStringList lines(QStringView text);

// Rust `split_whitespace` (Unicode White_Space) and `split_ascii_whitespace`.
PEAL_EXPORT QStringList splitWhitespace(QStringView text);
PEAL_EXPORT QStringList splitAsciiWhitespace(QStringView text);

// Number of bytes of the UTF-8 encoding (what the reference calls a length).
PEAL_EXPORT qsizetype utf8Length(QStringView text);

// The longest prefix whose UTF-8 encoding has at most `maxBytes` bytes, never splitting a
// character (the reference slices bytes and can panic; we cut at a character boundary).
PEAL_EXPORT QString truncateUtf8(QStringView text, qsizetype maxBytes);

// Converts bytes to text, replacing invalid UTF-8 with U+FFFD.
PEAL_EXPORT QString fromUtf8Lossy(const QByteArray &bytes);

// Whether `bytes` are well-formed UTF-8 (Unicode table 3-7, as Rust's `str::from_utf8`): no
// overlong forms, no surrogates, nothing above U+10FFFF.
PEAL_EXPORT bool isValidUtf8(QByteArrayView bytes);

// Decodes UTF-8 as it is: invalid bytes become U+FFFD, and a leading byte order mark is kept
// as U+FEFF (QString::fromUtf8 drops it).
PEAL_EXPORT QString decodeUtf8(QByteArrayView bytes);

// Strict UTF-8 decoding of a file a person wrote (a plan, a prompt template): nothing when the
// bytes are not valid UTF-8. One leading byte order mark is dropped (docs/decisions.md), which
// the reference keeps as U+FEFF.
PEAL_EXPORT std::optional<QString> decodeUtf8Document(const QByteArray &bytes);

// The first non-blank line of `text`, trimmed and cut to at most `maxBytes` of UTF-8: what an
// error line shows of a program's stderr.
PEAL_EXPORT QString firstLine(QStringView text, qsizetype maxBytes = 200);

// Indices as a person reads them: "1, 2, 3".
PEAL_EXPORT QString joinIndices(const QList<quint32> &values);

// Rust Debug rendering of an index list: "[1, 2, 3]".
PEAL_EXPORT QString debugList(const QList<quint32> &values);

// A command as a person would type it, for display only (peal never runs a shell): arguments
// that are empty or hold spaces or shell characters are single-quoted.
PEAL_EXPORT QString commandLine(const QString &program, const QStringList &arguments);

// A moment as a person reads it in local time: "14:05:09" when it falls on the same local day
// as `now`, else "2026-12-08 00:55:09". `now` is a parameter so that callers (and tests) decide
// what "today" is.
PEAL_EXPORT QString clockTime(const QDateTime &when, const QDateTime &now);

} // namespace Peal::Text
