// SPDX-License-Identifier: MIT
#include "budget.h"

#include <peal/state.h>

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <cmath>
#include <cstdio>

namespace Peal::Internal {

namespace {

QJsonObject toJson(const Spend &s)
{
    return {{QStringLiteral("cost_usd"), s.costUsd}, {QStringLiteral("tokens"), s.tokens}};
}

std::optional<Spend> fromJson(const QJsonValue &value)
{
    const QJsonObject o = value.toObject();
    const QJsonValue cost = o.value(u"cost_usd");
    const QJsonValue tokens = o.value(u"tokens");
    if (!value.isObject() || !cost.isDouble() || !tokens.isDouble() || !std::isfinite(cost.toDouble())
        || cost.toDouble() < 0 || tokens.toDouble() < 0)
        return std::nullopt;
    return Spend{cost.toDouble(), tokens.toInteger()};
}

QString money(double usd)
{
    return QStringLiteral("$%1").arg(usd, 0, 'f', 4);
}

} // namespace

void Spend::add(const AgentTotals &call)
{
    tokens += call.inputTokens + call.outputTokens;
    if (call.costUsd)
        costUsd += *call.costUsd;
}

QString SpendLedger::path(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("spend.json"));
}

Result<void> SpendLedger::load(const QString &stateDir, QString *warning)
{
    m_stateDir = stateDir;
    m_run = Spend();
    m_tasks.clear();
    QFile file(path(stateDir));
    if (!file.exists())
        return {};
    if (!file.open(QIODevice::ReadOnly))
        return Error(Error::Kind::State, QStringLiteral("failed to read %1").arg(file.fileName()), file.errorString());
    const QJsonObject o = QJsonDocument::fromJson(file.read(4 << 20)).object();
    file.close();
    std::optional<Spend> run = fromJson(o);
    bool valid = run.has_value();
    QMap<quint32, Spend> tasks;
    const QJsonObject byTask = o.value(u"tasks").toObject();
    for (auto it = byTask.begin(); valid && it != byTask.end(); ++it) {
        bool ok = false;
        const quint32 index = it.key().toUInt(&ok);
        const std::optional<Spend> spent = fromJson(it.value());
        valid = ok && spent;
        if (valid)
            tasks.insert(index, *spent);
    }
    if (!valid) {
        // Kept for a person to look at; budgets count from zero.
        const QString aside = file.fileName() + QStringLiteral(".invalid");
        (void)std::rename(QFile::encodeName(file.fileName()).constData(), QFile::encodeName(aside).constData());
        *warning = QStringLiteral("ignoring invalid %1 (moved to %2): budgets count from zero").arg(file.fileName(), aside);
        return {};
    }
    m_run = *run;
    m_tasks = tasks;
    return {};
}

Result<void> SpendLedger::add(quint32 task, const AgentTotals &call)
{
    m_run.add(call);
    if (task != 0)
        m_tasks[task].add(call);
    QJsonObject o = toJson(m_run);
    QJsonObject tasks;
    for (auto it = m_tasks.cbegin(); it != m_tasks.cend(); ++it)
        tasks.insert(QString::number(it.key()), toJson(it.value()));
    o.insert(QStringLiteral("tasks"), tasks);
    QSaveFile file(path(m_stateDir));
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(o).toJson()) < 0 || !file.commit())
        return Error(Error::Kind::Io, QStringLiteral("failed to write %1").arg(file.fileName()), file.errorString());
    return {};
}

std::optional<BudgetBreach> budgetReached(const Config &config, const Spend &run, quint32 taskIndex, const Spend &task)
{
    const auto describe = [](const QString &whose, const Spend &s) {
        return QStringLiteral("%1 cost %2 (%3 tokens)").arg(whose, money(s.costUsd)).arg(s.tokens);
    };
    const QString runSpent = describe(QStringLiteral("the agent calls of this plan"), run);
    if (config.maxCostUsd && run.costUsd >= *config.maxCostUsd)
        return BudgetBreach{QStringLiteral("max_cost_usd"),
                            QStringLiteral("budget max_cost_usd = %1 reached: %2").arg(*config.maxCostUsd).arg(runSpent)};
    if (config.maxTokens && quint64(run.tokens) >= *config.maxTokens)
        return BudgetBreach{QStringLiteral("max_tokens"),
                            QStringLiteral("budget max_tokens = %1 reached: %2").arg(*config.maxTokens).arg(runSpent)};
    if (taskIndex == 0)
        return std::nullopt;
    const QString taskSpent = describe(QStringLiteral("the agent calls of task %1").arg(taskIndex), task);
    if (config.taskMaxCostUsd && task.costUsd >= *config.taskMaxCostUsd)
        return BudgetBreach{QStringLiteral("task_max_cost_usd"), QStringLiteral("budget task_max_cost_usd = %1 reached: %2")
                                                                     .arg(*config.taskMaxCostUsd)
                                                                     .arg(taskSpent)};
    if (config.taskMaxTokens && quint64(task.tokens) >= *config.taskMaxTokens)
        return BudgetBreach{QStringLiteral("task_max_tokens"), QStringLiteral("budget task_max_tokens = %1 reached: %2")
                                                                   .arg(*config.taskMaxTokens)
                                                                   .arg(taskSpent)};
    return std::nullopt;
}

} // namespace Peal::Internal
