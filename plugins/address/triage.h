// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/reviewer.h>

// Deciding which findings to dismiss (spec §8.8). Pure functions.
namespace Peal::Address {

// One of stet_dismiss_patterns: a finding whose "<message> <path>" holds `pattern` is dismissed
// with `reason`.
struct DismissPattern
{
    QString pattern;
    QString reason;
    friend bool operator==(const DismissPattern &, const DismissPattern &) = default;
};

struct TriageDecision
{
    enum class Kind { DismissAll, DismissRest, DismissNone };
    Kind kind = Kind::DismissNone;
    QString reason;        // DismissAll
    QStringList keepIds;   // DismissRest: the findings to address; the rest are dismissed
    friend bool operator==(const TriageDecision &, const TriageDecision &) = default;
};

// The reference's phrase-based reading of a free-text triage answer.
TriageDecision parseTriageResponse(const QString &response, const QList<Finding> &findings);

struct Dismissal
{
    QString id;
    QString reason;
    friend bool operator==(const Dismissal &, const Dismissal &) = default;
};

// Rule-based triage: the first pattern that is a case-sensitive substring of
// "<message> <path>" dismisses the finding with its reason.
QList<Dismissal> triageByPatterns(const QList<Finding> &findings, const QList<DismissPattern> &patterns);

// What a decision dismisses, in finding order.
QList<Dismissal> dismissals(const TriageDecision &decision, const QList<Finding> &findings);

// "False Positive", "false_positive" -> "false_positive"; anything unknown -> "false_positive".
QString normalizeReason(const QString &reason);

} // namespace Peal::Address
