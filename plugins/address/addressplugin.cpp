// SPDX-License-Identifier: MIT
#include "addressplugin.h"

#include "addressrun.h"

#include <peal/sdk/options.h>

#include <QJsonArray>

namespace Peal::Address {

Result<void> AddressPlugin::configure(const PluginConfig &config)
{
    const QJsonObject &t = config.options;
    static const QStringList known{QStringLiteral("max_address_rounds"), QStringLiteral("on_findings_remaining"),
                                   QStringLiteral("on_stet_fail"), QStringLiteral("phase3_retry_count"),
                                   QStringLiteral("review_patience"), QStringLiteral("stet_disable_llm_triage"),
                                   QStringLiteral("stet_dismiss_patterns")};
    if (auto keys = onlyKnownKeys(t, known); !keys)
        return keys.error();
    const auto count = [&](const QString &key, quint32 fallback) -> std::optional<quint32> {
        const QJsonValue v = t.value(key);
        if (v.isUndefined())
            return fallback;
        if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > 4294967295.0 || v.toDouble() != double(v.toInteger()))
            return std::nullopt;
        return quint32(v.toInteger());
    };
    const auto choice = [&](const QString &key, const QStringList &allowed) -> std::optional<qsizetype> {
        const qsizetype i = allowed.indexOf(t.value(key).toString(allowed.first()));
        return i < 0 ? std::nullopt : std::optional(i);
    };
    AddressSettings s;
    const auto rounds = count(QStringLiteral("max_address_rounds"), 5);
    const auto retries = count(QStringLiteral("phase3_retry_count"), 0);
    const auto patience = count(QStringLiteral("review_patience"), 0);
    if (!rounds || !retries || !patience)
        return Error(Error::Kind::Config,
                     QStringLiteral("max_address_rounds, phase3_retry_count and review_patience must be non-negative integers"));
    s.patience = *patience;
    s.maxRounds = *rounds;
    s.retryCount = *retries;
    const auto remaining = choice(QStringLiteral("on_findings_remaining"), {QStringLiteral("fail"), QStringLiteral("warn")});
    const auto onFail = choice(QStringLiteral("on_stet_fail"),
                               {QStringLiteral("fail"), QStringLiteral("skip"), QStringLiteral("retry_once")});
    if (!remaining)
        return Error(Error::Kind::Config, QStringLiteral("on_findings_remaining must be \"fail\" or \"warn\""));
    if (!onFail)
        return Error(Error::Kind::Config, QStringLiteral("on_stet_fail must be \"fail\", \"skip\" or \"retry_once\""));
    s.warnOnFindingsLeft = *remaining == 1;
    s.onReviewFailure = AddressSettings::OnReviewFailure(*onFail);
    s.patternTriage = t.value(QStringLiteral("stet_disable_llm_triage")).toBool(false);
    for (const QJsonValue &p : t.value(QStringLiteral("stet_dismiss_patterns")).toArray()) {
        const QJsonObject o = p.toObject();
        if (!o.value(QStringLiteral("pattern")).isString() || !o.value(QStringLiteral("reason")).isString())
            return Error(Error::Kind::Config, QStringLiteral("stet_dismiss_patterns must be a list of {pattern, reason}"));
        s.patterns.append({o.value(QStringLiteral("pattern")).toString(), o.value(QStringLiteral("reason")).toString()});
    }
    m_settings = std::move(s);
    return {};
}

QStringList AddressPlugin::describe(const PhaseOutlineContext &context) const
{
    if (!context.hasReview)
        return {QStringLiteral("skipped: the run has no reviewer")};
    const QString &review = context.reviewCommand;
    const quint32 rounds = m_settings.maxRounds;
    QStringList lines{QStringLiteral("%1; when it finds something, up to %2 %3 of:")
                          .arg(review)
                          .arg(rounds)
                          .arg(rounds == 1 ? QStringLiteral("round") : QStringLiteral("rounds"))};
    if (!context.dismissCommand.isEmpty()) {
        lines << QStringLiteral("dismiss  %1, chosen %2")
                     .arg(context.dismissCommand,
                          m_settings.patternTriage
                              ? QStringLiteral("by stet_dismiss_patterns")
                              : QStringLiteral("by triage: %1").arg(context.agentCommand(AgentMode::Triage)));
        lines << QStringLiteral("review   %1").arg(review);
    }
    lines << QStringLiteral("fix      %1").arg(context.agentCommand(AgentMode::Address));
    lines << QStringLiteral("review   %1").arg(review);
    if (m_settings.patience > 0)
        lines << QStringLiteral("stopping after %1 %2 without fewer open findings (review_patience)")
                     .arg(m_settings.patience)
                     .arg(m_settings.patience == 1 ? QStringLiteral("round") : QStringLiteral("rounds"));
    return lines;
}

std::unique_ptr<PhaseRun> AddressPlugin::createRun() const
{
    return createAddressRun(m_settings);
}

} // namespace Peal::Address

PEAL_REGISTER_PLUGIN(Peal::Address::AddressPlugin)
