// SPDX-License-Identifier: MIT
// The values of configuration keys as text (environment variables, flags): numbers, booleans,
// lists, dismiss patterns, amounts of money, with the reference's parsing rules (spec §2.5).
#include <peal/config.h>

#include <peal/sdk/reviewer.h>
#include <peal/textutil.h>

#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <limits>

namespace Peal {

namespace ConfigValues {

Result<quint64> parseUnsigned(QStringView text, quint64 max)
{
    // Mirrors Rust's `u32::from_str` / `u64::from_str`, whose messages the reference prints.
    QStringView digits = text;
    if (digits.startsWith(u'+'))
        digits = digits.mid(1);
    if (text.isEmpty())
        return Error(Error::Kind::Config, QStringLiteral("cannot parse integer from empty string"));
    if (digits.isEmpty())
        return Error(Error::Kind::Config, QStringLiteral("invalid digit found in string"));
    // Like Rust, the first problem in reading order is the one reported: `99999999999x` is
    // too large (the overflow comes before the `x`), `1x99999999999` has an invalid digit.
    quint64 value = 0;
    for (QChar c : digits) {
        if (c < u'0' || c > u'9')
            return Error(Error::Kind::Config, QStringLiteral("invalid digit found in string"));
        const quint64 digit = quint64(c.unicode() - u'0');
        if (value > (max - digit) / 10)
            return Error(Error::Kind::Config,
                         QStringLiteral("number too large to fit in target type"));
        value = value * 10 + digit;
    }
    return value;
}

Result<bool> parseBool(QStringView text)
{
    if (text == u"true")
        return true;
    if (text == u"false")
        return false;
    return Error(Error::Kind::Config, QStringLiteral("provided string was not `true` or `false`"));
}

QStringList splitExtraArgs(QStringView text)
{
    QStringList out;
    for (QStringView piece : text.split(u','))
        out += Text::splitWhitespace(piece);
    return out;
}

QStringList splitCommands(QStringView text, bool keepEmpty)
{
    QStringList out;
    for (QStringView piece : text.split(u',')) {
        const QStringView trimmed = piece.trimmed();
        if (keepEmpty || !trimmed.isEmpty())
            out.append(trimmed.toString());
    }
    return out;
}

bool isDismissReason(QStringView reason)
{
    return std::any_of(Peal::dismissReasons().cbegin(), Peal::dismissReasons().cend(),
                       [&](const QString &r) { return r == reason; });
}

QList<DismissPattern> parseDismissPatterns(QStringView text)
{
    // Entries that cannot be used are skipped one by one, as the reference does.
    QList<DismissPattern> out;
    for (QStringView piece : text.split(u',')) {
        const QStringView entry = piece.trimmed();
        const qsizetype bar = entry.indexOf(u'|');
        if (entry.isEmpty() || bar < 0)
            continue;
        const QStringView pattern = entry.left(bar).trimmed();
        const QStringView reason = entry.mid(bar + 1).trimmed();
        if (pattern.isEmpty() || !isDismissReason(reason))
            continue;
        out.append({pattern.toString(), reason.toString()});
    }
    return out;
}

Result<double> parseMoney(QStringView text)
{
    // Digits with an optional fraction: no sign, exponent, "inf" or "nan".
    static const QRegularExpression decimal(QStringLiteral("^\\+?(\\d+(\\.\\d*)?|\\.\\d+)$"));
    const QString trimmed = text.trimmed().toString();
    bool ok = false;
    const double value = trimmed.toDouble(&ok);
    if (!decimal.match(trimmed).hasMatch() || !ok || !std::isfinite(value))
        return Error(Error::Kind::Config, QStringLiteral("expected a non-negative amount such as 2.50"));
    return value;
}

} // namespace ConfigValues

} // namespace Peal
