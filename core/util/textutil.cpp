// SPDX-License-Identifier: MIT
#include <peal/textutil.h>

#include <algorithm>
#include <limits>
#include <cstring>

#include <QStringDecoder>

namespace Peal::Text {

QStringList lines(QStringView text)
{
    QStringList out;
    qsizetype start = 0;
    while (start < text.size()) {
        qsizetype end = text.indexOf(u'\n', start);
        if (end < 0) {
            out.append(text.mid(start).toString());
            break;
        }
        qsizetype pieceEnd = end;
        if (pieceEnd > start && text[pieceEnd - 1] == u'\r')
            --pieceEnd;
        out.append(text.mid(start, pieceEnd - start).toString());
        start = end + 1;
    }
    return out;
}

namespace {

template<typename IsSpace>
QStringList splitOn(QStringView text, IsSpace isSpace)
{
    QStringList out;
    qsizetype i = 0;
    while (i < text.size()) {
        while (i < text.size() && isSpace(text[i]))
            ++i;
        const qsizetype start = i;
        while (i < text.size() && !isSpace(text[i]))
            ++i;
        if (i > start)
            out.append(text.mid(start, i - start).toString());
    }
    return out;
}

} // namespace

QStringList splitWhitespace(QStringView text)
{
    // QChar::isSpace is the Unicode White_Space set (Z* categories, \t..\r, U+0085).
    return splitOn(text, [](QChar c) { return c.isSpace(); });
}

QStringList splitAsciiWhitespace(QStringView text)
{
    return splitOn(text, [](QChar c) {
        return c == u' ' || c == u'\t' || c == u'\n' || c == u'\f' || c == u'\r';
    });
}

qsizetype utf8Length(QStringView text)
{
    qsizetype bytes = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (c < 0x80)
            bytes += 1;
        else if (c < 0x800)
            bytes += 2;
        else if (QChar::isHighSurrogate(c) && i + 1 < text.size()
                 && QChar::isLowSurrogate(text[i + 1].unicode())) {
            bytes += 4;
            ++i;
        } else
            bytes += 3; // BMP character, or a lone surrogate encoded as U+FFFD
    }
    return bytes;
}

QString truncateUtf8(QStringView text, qsizetype maxBytes)
{
    qsizetype bytes = 0;
    qsizetype i = 0;
    while (i < text.size()) {
        const char16_t c = text[i].unicode();
        qsizetype width = 3;
        qsizetype units = 1;
        if (c < 0x80)
            width = 1;
        else if (c < 0x800)
            width = 2;
        else if (QChar::isHighSurrogate(c) && i + 1 < text.size()
                 && QChar::isLowSurrogate(text[i + 1].unicode())) {
            width = 4;
            units = 2;
        }
        if (bytes + width > maxBytes)
            break;
        bytes += width;
        i += units;
    }
    return text.left(i).toString();
}

QString fromUtf8Lossy(const QByteArray &bytes)
{
    // QString::fromUtf8 replaces every invalid sequence with U+FFFD.
    return QString::fromUtf8(bytes);
}

bool isValidUtf8(QByteArrayView bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const qsizetype n = bytes.size();
    const auto continuation = [&](qsizetype i, unsigned char low = 0x80, unsigned char high = 0xBF) {
        return i < n && p[i] >= low && p[i] <= high;
    };
    for (qsizetype i = 0; i < n;) {
        // Plans are mostly ASCII: eight bytes at a time while none has its high bit set.
        while (i + 8 <= n) {
            quint64 word;
            std::memcpy(&word, p + i, 8);
            if (word & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (!continuation(i + 1))
                return false;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            // E0 needs A0..BF (no overlong form), ED needs 80..9F (no surrogate).
            const unsigned char low = c == 0xE0 ? 0xA0 : 0x80;
            const unsigned char high = c == 0xED ? 0x9F : 0xBF;
            if (!continuation(i + 1, low, high) || !continuation(i + 2))
                return false;
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            // F0 needs 90..BF (no overlong form), F4 needs 80..8F (at most U+10FFFF).
            const unsigned char low = c == 0xF0 ? 0x90 : 0x80;
            const unsigned char high = c == 0xF4 ? 0x8F : 0xBF;
            if (!continuation(i + 1, low, high) || !continuation(i + 2) || !continuation(i + 3))
                return false;
            i += 4;
        } else {
            return false;
        }
    }
    return true;
}

QString decodeUtf8(QByteArrayView bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8,
                           QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
    return decoder(bytes);
}

std::optional<QString> decodeUtf8Document(const QByteArray &bytes)
{
    if (!isValidUtf8(bytes))
        return std::nullopt;
    // Windows editors write a BOM; kept, it would hide a first "## Task 1" heading. Dropped
    // here, in the one place that decides about it, not by the decoder's defaults.
    const QByteArrayView text = bytes.startsWith("\xEF\xBB\xBF") ? QByteArrayView(bytes).sliced(3) : QByteArrayView(bytes);
    return decodeUtf8(text);
}

QString firstLine(QStringView text, qsizetype maxBytes)
{
    // The reason, not the advice that some programs print before it (stet: "Hint: ...").
    QStringView advice;
    for (QStringView line : text.split(u'\n')) {
        line = line.trimmed();
        if (line.isEmpty())
            continue;
        if (!line.startsWith(u"hint:", Qt::CaseInsensitive))
            return truncateUtf8(line, maxBytes);
        if (advice.isEmpty())
            advice = line;
    }
    return advice.isEmpty() ? QString() : truncateUtf8(advice, maxBytes);
}

QString joinIndices(const QList<quint32> &values)
{
    QStringList parts;
    parts.reserve(values.size());
    for (quint32 v : values)
        parts.append(QString::number(v));
    return parts.join(QStringLiteral(", "));
}

QString debugList(const QList<quint32> &values)
{
    QStringList parts;
    parts.reserve(values.size());
    for (quint32 v : values)
        parts.append(QString::number(v));
    return u'[' + parts.join(QStringLiteral(", ")) + u']';
}

QString commandLine(const QString &program, const QStringList &arguments)
{
    static const QString plain = QStringLiteral(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%<>");
    const auto quote = [](const QString &word) -> QString {
        const bool safe = !word.isEmpty()
                          && std::all_of(word.cbegin(), word.cend(), [](QChar c) { return plain.contains(c); });
        if (safe)
            return word;
        QString quoted = word;
        quoted.replace(u'\'', QStringLiteral("'\\''"));
        return u'\'' + quoted + u'\'';
    };
    QStringList words{quote(program)};
    for (const QString &a : arguments)
        words << quote(a);
    return words.join(u' ');
}

QString clockTime(const QDateTime &when, const QDateTime &now)
{
    const QDateTime local = when.toLocalTime();
    const bool sameDay = local.date() == now.toLocalTime().date();
    return local.toString(sameDay ? QStringLiteral("HH:mm:ss") : QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

int editDistance(const QString &a, const QString &b)
{
    QList<int> previous(b.size() + 1);
    QList<int> current(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        previous[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        current[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

QString closest(const QString &word, const QStringList &candidates)
{
    QString best;
    int bestDistance = std::numeric_limits<int>::max();
    for (const QString &candidate : candidates) {
        if (const int d = editDistance(word, candidate); d < bestDistance) {
            bestDistance = d;
            best = candidate;
        }
    }
    const int tolerance = std::max<int>(2, int(word.size()) / 3);
    return bestDistance <= tolerance ? best : QString();
}

} // namespace Peal::Text
