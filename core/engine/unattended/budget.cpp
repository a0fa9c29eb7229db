// SPDX-License-Identifier: MIT
#include "unattended/budget.h"

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

namespace {

// One line of the ledger: {"task": N, "cost_usd": x, "tokens": n}.
QByteArray ledgerLine(quint32 task, const Spend &spent)
{
    QJsonObject o = toJson(spent);
    o.insert(QStringLiteral("task"), qint64(task));
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

} // namespace

QString SpendLedger::path(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("spend.json"));
}

QString SpendLedger::ledgerPath(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("spend.jsonl"));
}

SpendLedger::Contents SpendLedger::read(const QString &stateDir)
{
    Contents c;
    c.lines = readJsonLines(ledgerPath(stateDir));
    if (c.lines.exists) {
        c.file = ledgerPath(stateDir);
        c.error = c.lines.error;
        for (const QByteArray &line : std::as_const(c.lines.lines)) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            const std::optional<Spend> spent = fromJson(o);
            const QJsonValue task = o.value(u"task");
            if (!spent || !task.isDouble() || task.toDouble() < 0 || task.toDouble() > 4294967295.0) {
                c.invalid = true;
                return c;
            }
            c.add(quint32(task.toInteger()), *spent);
        }
        return c;
    }
    // An older peal's totals (spend.json alone): carried into the ledger by its first lines.
    QFile file(path(stateDir));
    if (!file.exists())
        return c;
    c.file = file.fileName();
    if (!file.open(QIODevice::ReadOnly)) {
        c.error = file.errorString();
        return c;
    }
    const QJsonObject o = QJsonDocument::fromJson(file.read(4 << 20)).object();
    const std::optional<Spend> run = fromJson(o);
    QMap<quint32, Spend> tasks;
    const QJsonObject byTask = o.value(u"tasks").toObject();
    c.invalid = !run;
    for (auto it = byTask.begin(); !c.invalid && it != byTask.end(); ++it) {
        bool ok = false;
        const quint32 index = it.key().toUInt(&ok);
        const std::optional<Spend> spent = fromJson(it.value());
        c.invalid = !ok || index == 0 || !spent;
        if (!c.invalid)
            tasks.insert(index, *spent);
    }
    if (c.invalid)
        return c;
    Spend rest = *run; // what no task spent (plan normalisation)
    for (auto it = tasks.cbegin(); it != tasks.cend(); ++it) {
        c.add(it.key(), it.value());
        c.carried += ledgerLine(it.key(), it.value());
        rest.costUsd -= it.value().costUsd;
        rest.tokens -= it.value().tokens;
    }
    rest.costUsd = std::max(0.0, rest.costUsd);
    rest.tokens = std::max<qint64>(0, rest.tokens);
    c.add(0, rest);
    c.carried += ledgerLine(0, rest);
    return c;
}

void SpendLedger::Contents::add(quint32 task, const Spend &spent)
{
    run.costUsd += spent.costUsd;
    run.tokens += spent.tokens;
    if (task != 0) {
        tasks[task].costUsd += spent.costUsd;
        tasks[task].tokens += spent.tokens;
    }
}

QJsonObject SpendLedger::Contents::toJson() const
{
    QJsonObject o = Internal::toJson(run);
    QJsonObject byTask;
    for (auto it = tasks.cbegin(); it != tasks.cend(); ++it)
        byTask.insert(QString::number(it.key()), Internal::toJson(it.value()));
    o.insert(QStringLiteral("tasks"), byTask);
    return o;
}

Result<void> SpendLedger::load(const QString &stateDir, QString *warning)
{
    m_stateDir = stateDir;
    m_ledger.setPath(ledgerPath(stateDir));
    m_spent = read(stateDir);
    if (!m_spent.error.isEmpty())
        return Error(Error::Kind::State, QStringLiteral("failed to read %1").arg(m_spent.file), m_spent.error);
    if (m_spent.invalid) {
        // Kept for a person to look at; budgets count from zero.
        const QString aside = m_spent.file + QStringLiteral(".invalid");
        (void)std::rename(QFile::encodeName(m_spent.file).constData(), QFile::encodeName(aside).constData());
        *warning = QStringLiteral("ignoring invalid %1 (moved to %2): budgets count from zero").arg(m_spent.file, aside);
        m_spent = Contents();
        return {};
    }
    // The next line must not be glued to a torn one.
    m_ledger.dropTornTail(m_spent.lines);
    return {};
}

Result<void> SpendLedger::add(quint32 task, const AgentTotals &call)
{
    Spend spent;
    spent.add(call);
    m_spent.add(task, spent);
    return m_ledger.append(std::exchange(m_spent.carried, {}) + ledgerLine(task, spent));
}

Result<void> SpendLedger::writeSummary() const
{
    if (!QFileInfo::exists(ledgerPath(m_stateDir)))
        return {}; // nothing was spent, or an older peal's spend.json is still the record
    QSaveFile file(path(m_stateDir));
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(m_spent.toJson()).toJson()) < 0 || !file.commit())
        return Error(Error::Kind::Io, QStringLiteral("failed to write %1").arg(file.fileName()), file.errorString());
    return {};
}

std::optional<BudgetBreach> budgetReached(const Config &config, const Spend &run, quint32 taskIndex, const Spend &task)
{
    // Checked before every agent call and after it: the messages are made only for a breach.
    const auto describe = [](const QString &whose, const Spend &s) {
        return QStringLiteral("%1 cost %2 (%3 tokens)").arg(whose, money(s.costUsd)).arg(s.tokens);
    };
    const auto runBreach = [&](const QString &key, const QString &limit) {
        return BudgetBreach{key, QStringLiteral("budget %1 = %2 reached: %3")
                                     .arg(key, limit, describe(QStringLiteral("the agent calls of this plan"), run))};
    };
    const auto taskBreach = [&](const QString &key, const QString &limit) {
        return BudgetBreach{key, QStringLiteral("budget %1 = %2 reached: %3")
                                     .arg(key, limit, describe(QStringLiteral("the agent calls of task %1").arg(taskIndex), task))};
    };
    if (config.maxCostUsd && run.costUsd >= *config.maxCostUsd)
        return runBreach(QStringLiteral("max_cost_usd"), QStringLiteral("%1").arg(*config.maxCostUsd));
    if (config.maxTokens && quint64(run.tokens) >= *config.maxTokens)
        return runBreach(QStringLiteral("max_tokens"), QString::number(*config.maxTokens));
    if (taskIndex == 0)
        return std::nullopt;
    if (config.taskMaxCostUsd && task.costUsd >= *config.taskMaxCostUsd)
        return taskBreach(QStringLiteral("task_max_cost_usd"), QStringLiteral("%1").arg(*config.taskMaxCostUsd));
    if (config.taskMaxTokens && quint64(task.tokens) >= *config.taskMaxTokens)
        return taskBreach(QStringLiteral("task_max_tokens"), QString::number(*config.taskMaxTokens));
    return std::nullopt;
}

} // namespace Peal::Internal

namespace Peal {

QJsonObject StateStore::readSpend(const QString &stateDir)
{
    const Internal::SpendLedger::Contents spent = Internal::SpendLedger::read(stateDir);
    if (spent.file.isEmpty() || spent.invalid || !spent.error.isEmpty())
        return {};
    return spent.toJson();
}

} // namespace Peal
