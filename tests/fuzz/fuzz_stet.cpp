// SPDX-License-Identifier: MIT
// The reviewer's output (findings, suggestions, counts) and the triage answer read against the
// findings parsed from it.
#include "findings.h"
#include "triage.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    // The first line is the triage answer, the rest the review.
    const qsizetype newline = text.indexOf(u'\n');
    const QString answer = newline < 0 ? QString() : text.left(newline);
    const QString review = newline < 0 ? text : text.mid(newline + 1);
    (void)Peal::Stet::detectFindings(0, review);
    (void)Peal::Stet::detectFindings(1, review);
    (void)Peal::Stet::extractSuggestions(review);
    (void)Peal::Stet::countFindings(review);
    const QList<Peal::Finding> findings = Peal::Stet::parseFindings(review).value_or(QList<Peal::Finding>());
    const Peal::Address::TriageDecision decision = Peal::Address::parseTriageResponse(answer, findings);
    (void)Peal::Address::dismissals(decision, findings);
    (void)Peal::Address::normalizeReason(answer);
    (void)Peal::Address::triageByPatterns(findings, {{answer, QStringLiteral("false_positive")}});
    return 0;
}
