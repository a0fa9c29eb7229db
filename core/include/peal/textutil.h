// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>
#include <peal/sdk/text.h>

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

/*
 * Text helpers with the exact semantics the reference behaviour is specified in (Rust's `str`
 * functions): line splitting, whitespace classes and byte-length limits on UTF-8. The ones
 * plugins use too are the SDK's (peal/sdk/text.h); these are the core's own.
 */
namespace Peal::Text {

// Rust `split_whitespace` (Unicode White_Space) and `split_ascii_whitespace`.
PEAL_EXPORT QStringList splitWhitespace(QStringView text);
PEAL_EXPORT QStringList splitAsciiWhitespace(QStringView text);

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

// Indices as a person reads them: "1, 2, 3".
PEAL_EXPORT QString joinIndices(const QList<quint32> &values);

// Rust Debug rendering of an index list: "[1, 2, 3]".
PEAL_EXPORT QString debugList(const QList<quint32> &values);

// A moment as a person reads it in local time: "14:05:09" when it falls on the same local day
// as `now`, else "2026-12-08 00:55:09". `now` is a parameter so that callers (and tests) decide
// what "today" is.
PEAL_EXPORT QString clockTime(const QDateTime &when, const QDateTime &now);

// Levenshtein distance, in UTF-16 code units.
PEAL_EXPORT int editDistance(const QString &a, const QString &b);
// The candidate closest to `word` when it is plausibly what was meant (within a third of the
// word's length, at least 2 edits); empty otherwise. "Did you mean" for keys, flags, commands.
PEAL_EXPORT QString closest(const QString &word, const QStringList &candidates);

} // namespace Peal::Text
