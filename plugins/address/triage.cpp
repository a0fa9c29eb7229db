// SPDX-License-Identifier: MIT
#include "triage.h"

#include <peal/sdk/text.h>

namespace Peal::Address {

namespace {

bool isBoundary(const QByteArray &utf8, qsizetype i)
{
    return i <= 0 || i >= utf8.size() || (static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80;
}

// Whether the text around the first mention of `id` asks for a fix (bytes, as the reference).
bool mentionAsksForFix(const QByteArray &lower, const QString &id)
{
    const QByteArray needle = id.toLower().toUtf8();
    const qsizetype p = lower.indexOf(needle);
    if (p < 0 || needle.isEmpty())
        return false;
    const qsizetype start = std::max<qsizetype>(0, p - 30);
    const qsizetype end = std::min<qsizetype>(lower.size(), p + id.toUtf8().size() + 50);
    if (!isBoundary(lower, start) || !isBoundary(lower, end))
        return false; // the reference's window is empty when it would split a character
    const QByteArray window = lower.mid(start, end - start);
    return window.contains("fix") || window.contains("address") || window.contains("need");
}

} // namespace

TriageDecision parseTriageResponse(const QString &response, const QList<Finding> &findings)
{
    const QString lower = response.trimmed().toLower();
    if (lower.isEmpty())
        return {};
    static const char *const nothingPhrases[] = {
        "nothing to address", "no, nothing", "no nothing", "nothing to fix",
        "all false positive", "all false positives", "no findings to address", "no issues to address",
    };
    for (const char *phrase : nothingPhrases) {
        if (lower.contains(QLatin1String(phrase)))
            return {TriageDecision::Kind::DismissAll, QStringLiteral("false_positive"), {}};
    }
    const QString firstLine = Text::lines(lower).value(0).trimmed();
    if ((firstLine == u"no" || firstLine == u"no." || firstLine == u"nope") && Text::utf8Length(lower) < 20)
        return {TriageDecision::Kind::DismissAll, QStringLiteral("false_positive"), {}};

    const QByteArray lowerUtf8 = lower.toUtf8();
    QStringList toAddress;
    for (const Finding &f : findings) {
        if (mentionAsksForFix(lowerUtf8, f.id))
            toAddress.append(f.id);
    }
    if (!toAddress.isEmpty() && toAddress.size() < findings.size())
        return {TriageDecision::Kind::DismissRest, QString(), toAddress};
    return {};
}

QList<Dismissal> triageByPatterns(const QList<Finding> &findings, const QList<DismissPattern> &patterns)
{
    QList<Dismissal> out;
    for (const Finding &f : findings) {
        const QString text = f.message + u' ' + f.path.value_or(QString());
        for (const DismissPattern &p : patterns) {
            if (text.contains(p.pattern, Qt::CaseSensitive)) {
                out.append({f.id, p.reason});
                break;
            }
        }
    }
    return out;
}

QList<Dismissal> dismissals(const TriageDecision &decision, const QList<Finding> &findings)
{
    QList<Dismissal> out;
    for (const Finding &f : findings) {
        if (decision.kind == TriageDecision::Kind::DismissAll)
            out.append({f.id, decision.reason});
        else if (decision.kind == TriageDecision::Kind::DismissRest && !decision.keepIds.contains(f.id))
            out.append({f.id, QStringLiteral("false_positive")});
    }
    return out;
}

QString normalizeReason(const QString &reason)
{
    QString r = reason.trimmed().toLower();
    r.replace(u' ', u'_');
    // The reasons stet accepts, as the configuration checks them; the first is the fallback.
    const QStringList &known = dismissReasons();
    return known.contains(r) ? r : known.first();
}

} // namespace Peal::Address
