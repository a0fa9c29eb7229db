// SPDX-License-Identifier: MIT
#include "unattended/ratelimit.h"

#include <peal/sdk/process.h>

#include <algorithm>
#include <cmath>

namespace Peal::Internal {

namespace RateLimitText {

namespace {

using std::chrono::milliseconds;

const QRegularExpression &re(const char *pattern)
{
    // One compiled expression per call site (the patterns are literals).
    thread_local QHash<const char *, QRegularExpression> cache;
    auto it = cache.find(pattern);
    if (it == cache.end())
        it = cache.insert(pattern, QRegularExpression(QString::fromLatin1(pattern),
                                                      QRegularExpression::CaseInsensitiveOption));
    return *it;
}

std::optional<double> unitMs(const QString &unit)
{
    const QString u = unit.toLower();
    if (u.startsWith(u"ms") || u.startsWith(u"milli"))
        return 1.0;
    if (u.startsWith(u'h'))
        return 3600000.0;
    if (u.startsWith(u'm'))
        return 60000.0;
    if (u.startsWith(u's'))
        return 1000.0;
    return std::nullopt;
}

milliseconds clampMs(double ms)
{
    if (!std::isfinite(ms) || ms < 0)
        return milliseconds(0);
    return milliseconds(qint64(std::min(ms, double(kLongestTimeout.count()))));
}

// "in 2 hours 5 minutes", "in 1.5s", "after 30 seconds".
std::optional<milliseconds> relativeDelay(const QString &text)
{
    static const char *const lead =
        R"((?:try again|retry|retrying|resets?|available again|wait)\s+(?:in|after)\s+((?:\d+(?:\.\d+)?\s*(?:milliseconds?|ms|minutes?|mins?|m|hours?|hrs?|h|seconds?|secs?|s)\b[\s,]*(?:and\s+)?)+))";
    static const char *const part =
        R"((\d+(?:\.\d+)?)\s*(milliseconds?|ms|minutes?|mins?|m|hours?|hrs?|h|seconds?|secs?|s)\b)";
    const QRegularExpressionMatch m = re(lead).match(text);
    if (!m.hasMatch())
        return std::nullopt;
    double total = 0;
    auto parts = re(part).globalMatch(m.captured(1));
    while (parts.hasNext()) {
        const QRegularExpressionMatch p = parts.next();
        total += p.captured(1).toDouble() * unitMs(p.captured(2)).value_or(0);
    }
    return clampMs(total);
}

std::optional<milliseconds> absoluteDelay(const QString &text, const QDateTime &now)
{
    // An epoch in seconds: Claude Code's "usage limit reached|1767225600", "reset_at": 1767225600.
    for (const char *pattern : {R"(\|(\d{10})\b)", R"(reset(?:s|_at|At)?["']?\s*(?:at)?\s*[:=]?\s*["']?(\d{10})\b)"}) {
        if (const auto m = re(pattern).match(text); m.hasMatch())
            return clampMs(double(m.captured(1).toLongLong() * 1000 - now.toMSecsSinceEpoch()));
    }
    static const char *const iso =
        R"((?:resets?|until|available|try again|retry)[^0-9\n]{0,12}(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?))";
    if (const auto m = re(iso).match(text); m.hasMatch()) {
        QString stamp = m.captured(1);
        stamp.replace(u' ', u'T');
        const QDateTime at = QDateTime::fromString(stamp, Qt::ISODateWithMs);
        if (at.isValid())
            return clampMs(double(now.msecsTo(at)));
    }
    // A clock time, local unless it says UTC: "resets 2pm", "resets at 14:05 UTC".
    static const char *const clock = R"(resets?\s+(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b(?:\s*(utc|gmt)\b)?)";
    if (const auto m = re(clock).match(text); m.hasMatch() && (!m.captured(2).isEmpty() || !m.captured(3).isEmpty())) {
        int hour = m.captured(1).toInt();
        const int minute = m.captured(2).isEmpty() ? 0 : m.captured(2).toInt();
        const QString half = m.captured(3).toLower();
        if (half == u"pm" && hour < 12)
            hour += 12;
        else if (half == u"am" && hour == 12)
            hour = 0;
        if (hour > 23 || minute > 59)
            return std::nullopt;
        const QDateTime from = m.captured(4).isEmpty() ? now.toLocalTime() : now.toUTC();
        QDateTime at(from.date(), QTime(hour, minute), from.timeSpec());
        if (at < from)
            at = at.addDays(1);
        return clampMs(double(from.msecsTo(at)));
    }
    return std::nullopt;
}

} // namespace

std::optional<std::chrono::milliseconds> resetDelay(const QString &text, const QDateTime &now)
{
    // Words with units first: "retry after 2 minutes" is not a retry-after of 2 seconds.
    if (auto relative = relativeDelay(text))
        return relative;
    if (const auto m = re(R"(retry[-_ ]after["']?\s*[:=]?\s*["']?(\d+(?:\.\d+)?))").match(text); m.hasMatch())
        return clampMs(m.captured(1).toDouble() * 1000);
    if (const auto m = re(R"("retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s")").match(text); m.hasMatch())
        return clampMs(m.captured(1).toDouble() * 1000);
    return absoluteDelay(text, now);
}

AgentEvent::Failure classify(const QString &text, const QList<QRegularExpression> &extra)
{
    // An account out of credit first: "insufficient_quota" also says 429.
    if (re(R"(insufficient_quota|credit balance|payment required|insufficient credits?\b|\(402\))").match(text).hasMatch())
        return AgentEvent::Failure::Billing;
    static const char *const limited =
        R"(rate[ _-]?limit|too many requests|usage limit|quota exceeded|resource_exhausted|)"
        R"((?:status|code|error|http)["':= ]*429\b|\(429\)|\b429 too)";
    if (re(limited).match(text).hasMatch())
        return AgentEvent::Failure::RateLimit;
    for (const QRegularExpression &pattern : extra) {
        if (pattern.match(text).hasMatch())
            return AgentEvent::Failure::RateLimit;
    }
    if (re(R"(\boverloaded|service unavailable|(?:status|code|error|http)["':= ]*(?:529|503)\b|\((?:529|503)\))").match(text).hasMatch())
        return AgentEvent::Failure::Overloaded;
    return AgentEvent::Failure::None;
}

std::chrono::milliseconds backoff(std::chrono::milliseconds base, int n, std::chrono::milliseconds cap,
                                  double jitter)
{
    const double doubled = double(base.count()) * std::pow(2.0, std::clamp(n, 1, 40) - 1);
    const double withJitter = doubled * (1.0 + 0.25 * std::clamp(jitter, 0.0, 1.0));
    return std::min(cap, clampMs(withJitter));
}

} // namespace RateLimitText

RateLimitGate::RateLimitGate(QObject *parent) : QObject(parent) {}

void RateLimitGate::whenOpen(const QString &backEnd, QObject *context, std::function<void(bool)> go)
{
    if (!m_holds.contains(backEnd)) {
        QMetaObject::invokeMethod(
            this, [guard = QPointer<QObject>(context), go = std::move(go)] {
                if (guard)
                    go(true);
            },
            Qt::QueuedConnection);
        return;
    }
    m_waiters[backEnd].append({context, std::move(go)});
}

void RateLimitGate::hold(const Hold &hold)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto existing = m_holds.find(hold.backEnd);
    if (existing != m_holds.end() && existing->until >= hold.until)
        return;
    m_holds.insert(hold.backEnd, hold);
    std::unique_ptr<QTimer> &timer = m_timers[hold.backEnd];
    if (!timer) {
        timer = std::make_unique<QTimer>();
        timer->setSingleShot(true);
        timer->setTimerType(Qt::PreciseTimer);
        connect(timer.get(), &QTimer::timeout, this, [this, backEnd = hold.backEnd] { release(backEnd); });
    }
    timer->start(int(std::clamp<qint64>(now.msecsTo(hold.until), 0, kLongestTimeout.count())));
    Q_EMIT holdsChanged();
}

QList<RateLimitGate::Hold> RateLimitGate::holds() const
{
    QList<Hold> out = m_holds.values();
    std::sort(out.begin(), out.end(), [](const Hold &a, const Hold &b) { return a.until < b.until; });
    return out;
}

void RateLimitGate::release(const QString &backEnd)
{
    m_holds.remove(backEnd);
    const QList<Waiter> waiting = m_waiters.take(backEnd);
    Q_EMIT holdsChanged();
    for (const Waiter &w : waiting) {
        if (w.context)
            w.go(true);
    }
    Q_EMIT released(backEnd);
}

void RateLimitGate::cancel()
{
    const bool had = !m_holds.isEmpty();
    m_holds.clear();
    for (auto &[name, timer] : m_timers)
        timer->stop();
    const auto waiters = std::exchange(m_waiters, {});
    if (had)
        Q_EMIT holdsChanged();
    for (const QList<Waiter> &list : waiters) {
        for (const Waiter &w : list) {
            if (w.context)
                w.go(false);
        }
    }
}

} // namespace Peal::Internal
