// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>
#include <peal/sdk/events.h>

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QRegularExpression>
#include <QTimer>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace Peal::Internal {

/*
 * Reading rate limits out of what an agent CLI printed (docs/unattended.md). Pure functions, so
 * that the words of every provider are tested without one.
 */
namespace RateLimitText {

// How long until the limit resets, as the text reports it: "retry-after: 30", "Please try again
// in 1.5s", "try again in 2 hours 5 minutes", "retryDelay": "37s", an epoch after a bar
// ("usage limit reached|1767225600"), "resets at 2026-12-02T14:05:00Z" or "resets at 2pm"
// (local time). None when the text names no reset; 0 for a reset in the past.
PEAL_EXPORT std::optional<std::chrono::milliseconds> resetDelay(const QString &text, const QDateTime &now);

// The class of a failed call's output for a CLI that did not say: Billing for an account out of
// credit ("insufficient_quota", "credit balance", "payment required", "(402)"); RateLimit when a built-in
// pattern ("rate limit", "too many requests", "usage limit", "quota exceeded", "status 429",
// "(429)") or one of `extra` (rate_limit_patterns) matches, Overloaded for "overloaded",
// "service unavailable", "status 503/529", else None. A bare number is not enough.
PEAL_EXPORT AgentEvent::Failure classify(const QString &text, const QList<QRegularExpression> &extra);

// The wait for the `n`-th rate-limit event in a row (from 1) without a reset time: `base`
// doubled n-1 times, plus up to a quarter of it as jitter (`jitter` in [0, 1)), at most `cap`.
PEAL_EXPORT std::chrono::milliseconds backoff(std::chrono::milliseconds base, int n, std::chrono::milliseconds cap,
                                              double jitter);

} // namespace RateLimitText

/*
 * The waits of one run, by back-end: a rate-limited back-end holds back every new call of
 * that back-end, in every stream of a parallel block, until its reset time; the calls that
 * wait start together when it passes. Cancelling the run ends every wait at once.
 */
class PEAL_EXPORT RateLimitGate : public QObject
{
    Q_OBJECT

public:
    struct Hold
    {
        QString backEnd;
        QDateTime until;  // UTC
        quint32 task = 0;
        QString phase;
        QString reason;   // the call's error ("claude: rate limited (429)")
    };

    explicit RateLimitGate(QObject *parent = nullptr);

    // Runs `go(true)` once `backEnd` may start: at once (from the event loop) when nothing
    // holds it, else when the hold ends; `go(false)` when the run is cancelled first. Nothing
    // runs when `context` is gone.
    void whenOpen(const QString &backEnd, QObject *context, std::function<void(bool open)> go);
    // Holds `hold.backEnd` until `hold.until` (a later hold of the same back-end extends it).
    void hold(const Hold &hold);
    // The holds in effect, soonest first.
    QList<Hold> holds() const;
    bool isHeld(const QString &backEnd) const { return m_holds.contains(backEnd); }

    // Rate-limit events in a row of a back-end (for the backoff); a call that succeeds ends the
    // row. Calls refused while the back-end is already held (the other streams of a parallel
    // block, started before the limit) are the same event, not one more in the row.
    int noteLimited(const QString &backEnd)
    {
        int &streak = m_streak[backEnd];
        if (!isHeld(backEnd) || streak == 0)
            ++streak;
        return streak;
    }
    void noteSucceeded(const QString &backEnd) { m_streak.remove(backEnd); }

    // Ends every wait: the waiting calls get go(false); no hold survives.
    void cancel();

Q_SIGNALS:
    // The set of holds changed (one started, was extended or ended).
    void holdsChanged();
    // A hold ended and the calls that waited for it were started.
    void released(const QString &backEnd);

private:
    struct Waiter
    {
        QPointer<QObject> context;
        std::function<void(bool)> go;
    };
    void release(const QString &backEnd);

    QHash<QString, Hold> m_holds;
    std::map<QString, std::unique_ptr<QTimer>> m_timers;
    QHash<QString, QList<Waiter>> m_waiters;
    QHash<QString, int> m_streak;
};

} // namespace Peal::Internal
