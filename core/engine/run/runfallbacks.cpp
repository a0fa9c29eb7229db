// SPDX-License-Identifier: MIT
// The back-end of each call while some are set aside (agent_fallback, docs/unattended.md).
#include "run/runcontext.h"

#include <peal/textutil.h>

namespace Peal::Internal {

namespace {

QString unavailableText(const QString &backEnd, const AgentFallbacks::Unavailable &why)
{
    QString text = backEnd + QStringLiteral(": ") + why.failureClass;
    if (why.until.isValid())
        text += QStringLiteral(" until ") + Text::clockTime(why.until, QDateTime::currentDateTimeUtc());
    return text;
}

} // namespace

AgentHandle RunContext::chooseAgent(AgentMode mode, QString *passedOver)
{
    passedOver->clear();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const AgentHandle &own = agentFor(mode);
    const auto ownUnavailable = m_fallbackState.unavailable(own.pluginId, now);
    for (const QString &back : m_fallbackState.returned())
        m_logger.info(u"peal::phase", QStringLiteral("%1 can be called again: calls go back to it").arg(back));
    if (!ownUnavailable)
        return own;
    for (const AgentHandle &fallback : m_fallbacks[size_t(roleOf(mode))]) {
        if (fallback.pluginId != own.pluginId && !m_fallbackState.unavailable(fallback.pluginId, now)) {
            *passedOver = unavailableText(own.pluginId, *ownUnavailable);
            return fallback;
        }
    }
    return own; // none left: the call goes where it would have gone, and fails or waits as before
}

bool RunContext::hasFallbackFrom(AgentMode mode, const QString &backEnd)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const AgentHandle &own = agentFor(mode);
    if (own.pluginId != backEnd && !m_fallbackState.unavailable(own.pluginId, now))
        return true;
    for (const AgentHandle &fallback : m_fallbacks[size_t(roleOf(mode))]) {
        if (fallback.pluginId != backEnd && !m_fallbackState.unavailable(fallback.pluginId, now))
            return true;
    }
    return false;
}

bool RunContext::moveToFallback(quint32 task, AgentMode mode, const QString &from, AgentEvent::Failure f,
                                const QString &printed, const QString &reason)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    AgentFallbacks::Unavailable why{QDateTime(), failureClassName(f), reason};
    if (f == AgentEvent::Failure::Auth || f == AgentEvent::Failure::Billing) {
        // for the rest of the run: no wait helps
    } else if (f == AgentEvent::Failure::RateLimit || f == AgentEvent::Failure::Overloaded) {
        const auto reset = RateLimitText::resetDelay(printed, now);
        if (reset && *reset > fromSeconds(m_config.rateLimitMaxWaitSec))
            why.until = now.addMSecs(reset->count());
        else if (f == AgentEvent::Failure::Overloaded && m_config.fallbackAfterOverloads > 0
                 && m_fallbackState.noteOverloaded(from) >= int(m_config.fallbackAfterOverloads))
            why.until = now.addSecs(qint64(std::max<quint64>(m_config.rateLimitBackoffSec, 1)) * 4);
        else
            return false;
    } else {
        return false;
    }
    const bool newly = m_fallbackState.markUnavailable(from, why);
    QString unused;
    const QString to = chooseAgent(mode, &unused).pluginId;
    const QString until = why.until.isValid() ? QStringLiteral(" until ") + Text::clockTime(why.until, now)
                                              : QStringLiteral(" for this run");
    const QString line = QStringLiteral("%1 %2%3: its calls move to %4").arg(from, failureDescription(f), until, to);
    QJsonObject fields{{QStringLiteral("phase"), agentModeName(mode)}, {QStringLiteral("from"), from},
                       {QStringLiteral("to"), to}, {QStringLiteral("class"), failureClassName(f)},
                       {QStringLiteral("reason"), reason}};
    if (why.until.isValid())
        fields.insert(QStringLiteral("until"), why.until.toString(Qt::ISODate));
    LogFields logged{{QStringLiteral("class"), failureClassName(f)}, {QStringLiteral("err"), reason}};
    if (task != 0) {
        fields.insert(QStringLiteral("task"), qint64(task));
        logged.prepend({QStringLiteral("task_index"), task});
    }
    m_logger.warn(u"peal::phase", line, logged);
    m_outcomes.noteFallback(fields);
    ProgressEvent moved;
    moved.kind = ProgressEvent::Kind::AgentFallback;
    moved.task = task;
    moved.phase = agentModeName(mode);
    moved.detail = line;
    notify(moved);
    if (newly)
        m_notifier->send(QStringLiteral("agent_fallback"), line, fields);
    return true;
}

} // namespace Peal::Internal
