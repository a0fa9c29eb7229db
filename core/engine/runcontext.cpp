// SPDX-License-Identifier: MIT
#include "runcontext.h"

#include "recipe.h"

#include <peal/processjob.h>
#include <peal/prompt.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace Peal::Internal {

Result<ProcessSpec> AgentHandle::command(AgentMode mode, const QString &prompt,
                                         const QString &workspace) const
{
    AgentSettings own = settings;
    if (!workspace.isEmpty())
        own.workspace = workspace;
    ProcessSpec spec;
    if (auto called = callGuarded(QStringLiteral("agent plugin '%1' (command)").arg(pluginId),
                                  [&] { spec = plugin->command(mode, prompt, own); });
        !called)
        return called.error();
    // Every agent command ends with its prompt (spec §5.1) unless the prompt goes on stdin;
    // forcing the flag keeps a plugin that forgot it from writing prompts into the log file.
    spec.lastArgumentIsPrompt = spec.stdinMode != ProcessSpec::Stdin::Data;
    return spec;
}

AgentOutput AgentHandle::interpret(AgentMode mode, const ProcessResult &result) const
{
    AgentOutput out;
    if (auto called = callGuarded(QStringLiteral("agent plugin '%1' (interpret)").arg(pluginId),
                                  [&] { out = plugin->interpret(mode, result); });
        !called) {
        out = AgentOutput();
        out.status = AgentOutput::Status::Failed;
        out.exitCode = result.code();
        out.stderrText = called.error().message();
    }
    if (result.ending == ProcessEnding::Crashed)
        out.signal = result.signal;
    return out;
}

bool AgentHandle::streamsEvents(AgentMode mode) const
{
    bool streams = false;
    (void)callGuarded(QStringLiteral("agent plugin '%1' (streams events)").arg(pluginId),
                      [&] { streams = plugin->streamsEvents(mode); });
    return streams;
}

bool AgentHandle::reportsCost(AgentMode mode) const
{
    bool reports = false;
    (void)callGuarded(QStringLiteral("agent plugin '%1' (reports cost)").arg(pluginId),
                      [&] { reports = plugin->reportsCost(mode); });
    return reports;
}

bool AgentHandle::reportsResult(AgentMode mode) const
{
    bool reports = false;
    (void)callGuarded(QStringLiteral("agent plugin '%1' (reports result)").arg(pluginId),
                      [&] { reports = plugin->reportsResult(mode); });
    return reports;
}

QList<AgentEvent> AgentHandle::events(AgentMode mode, OutputChannel channel, const QString &line, QString *error) const
{
    QList<AgentEvent> out;
    if (auto called = callGuarded(QStringLiteral("agent plugin '%1' (output line)").arg(pluginId),
                                  [&] { out = plugin->onOutputLine(mode, channel, line); });
        !called) {
        *error = called.error().message();
        return {};
    }
    return out;
}

RunContext::AgentRole RunContext::roleOf(AgentMode mode)
{
    switch (mode) {
    case AgentMode::Plan:
    case AgentMode::Normalize:
        return AgentRole::Plan;
    case AgentMode::Execute:
        return AgentRole::Execute;
    case AgentMode::Address:
    case AgentMode::Triage:
        return AgentRole::Review;
    }
    return AgentRole::Execute;
}

AgentHandle &RunContext::agentFor(AgentMode mode)
{
    std::optional<AgentHandle> &own = m_roleAgents[size_t(roleOf(mode))];
    return own ? *own : m_agent;
}

void RunContext::setRoleAgent(AgentRole role, AgentHandle handle)
{
    m_roleAgents[size_t(role)] = std::move(handle);
}

RunContext::RunContext(Config config, Logger &logger, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_logger(logger),
      m_limiter(m_config.parallel ? int(std::max<quint32>(1, m_config.maxParallel)) : 1),
      m_launcher(std::make_shared<LocalLauncher>()),
      m_state(m_config.planPath, m_config.repoPath), m_outcomes(m_state, m_config, m_logger)
{
    m_phaseSettings.repoPath = m_config.repoPath;
    m_phaseSettings.commitAfterPhase2 = m_config.commitAfterPhase2;
    m_phaseSettings.phaseTimeout = std::chrono::duration_cast<std::chrono::seconds>(timeout());
    m_phaseSettings.phaseRetryCount = m_config.phaseRetryCount;
    m_rateLimits = std::make_unique<RateLimitGate>();
    m_notifier = std::make_unique<Notifier>(m_config, m_logger);
    for (const QString &pattern : m_config.rateLimitPatterns) // validated with the configuration
        m_rateLimitPatterns.append(QRegularExpression(pattern, QRegularExpression::CaseInsensitiveOption));
    connect(m_rateLimits.get(), &RateLimitGate::holdsChanged, this, [this] { writeWaiting(); });
}

RunContext::~RunContext() = default;

QString RunContext::waitingPath(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("waiting.json"));
}

void RunContext::writeWaiting()
{
    const QString path = waitingPath(m_config.stateDir);
    const QList<RateLimitGate::Hold> holds = m_rateLimits->holds();
    if (holds.isEmpty()) {
        QFile::remove(path);
        return;
    }
    QJsonArray list;
    for (const RateLimitGate::Hold &h : holds)
        list.append(QJsonObject{{QStringLiteral("back_end"), h.backEnd},
                                {QStringLiteral("until"), h.until.toString(Qt::ISODate)},
                                {QStringLiteral("task"), qint64(h.task)},
                                {QStringLiteral("phase"), h.phase},
                                {QStringLiteral("reason"), h.reason}});
    QDir().mkpath(m_config.stateDir);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(QJsonDocument(QJsonObject{{QStringLiteral("pid"), QCoreApplication::applicationPid()},
                                                {QStringLiteral("waiting"), list}})
                          .toJson())
               < 0
        || !file.commit())
        m_logger.warn(u"peal::main", QStringLiteral("cannot record the rate-limit wait"),
                      {{QStringLiteral("path"), path}, {QStringLiteral("err"), file.errorString()}});
}

void RunContext::notify(const ProgressEvent &event) const
{
    if (m_progress)
        m_progress(event);
    if (event.kind != ProgressEvent::Kind::TaskFinished || !event.final || event.interrupted)
        return;
    const bool ok = event.ok && !event.findingsLeft;
    QJsonObject fields{{QStringLiteral("task"), qint64(event.task)}};
    if (!event.phase.isEmpty())
        fields.insert(QStringLiteral("phase"), event.phase);
    if (!ok)
        fields.insert(QStringLiteral("reason"), event.detail.isEmpty() ? QStringLiteral("review findings remain") : event.detail);
    if (const QJsonObject usage = m_outcomes.usageJson().value(QStringLiteral("tasks")).toObject().value(QString::number(event.task)).toObject();
        !usage.isEmpty())
        fields.insert(QStringLiteral("totals"), usage);
    m_notifier->send(ok ? QStringLiteral("task_done") : QStringLiteral("task_failed"),
                     ok ? QStringLiteral("task %1 done").arg(event.task)
                        : QStringLiteral("task %1 failed: %2").arg(event.task).arg(fields.value(QStringLiteral("reason")).toString()),
                     fields);
}

std::optional<BudgetBreach> RunContext::budgetReached(quint32 task) const
{
    const SpendLedger &spend = m_outcomes.spend();
    return Internal::budgetReached(m_config, spend.run(), task, task == 0 ? Spend() : spend.task(task));
}

void RunContext::budgetStopped(const BudgetBreach &breach, quint32 task)
{
    if (std::exchange(m_budgetStopNotified, true))
        return;
    QJsonObject fields{{QStringLiteral("reason"), breach.message}, {QStringLiteral("budget"), breach.key}};
    if (task != 0)
        fields.insert(QStringLiteral("task"), qint64(task));
    const QJsonObject usage = m_outcomes.usageJson();
    if (!usage.isEmpty())
        fields.insert(QStringLiteral("totals"), usage);
    m_notifier->send(QStringLiteral("budget_stop"), breach.message, fields);
}

std::chrono::milliseconds RunContext::timeout() const
{
    // Seconds beyond what milliseconds can hold are as good as "never".
    constexpr quint64 maxSeconds = quint64(std::numeric_limits<qint64>::max() / 1000 / 2);
    return std::chrono::milliseconds(qint64(std::min(m_config.phaseTimeoutSec, maxSeconds)) * 1000);
}

void RunContext::runProcess(const ProcessSpec &spec, QObject *context, ProcessCallback done,
                            std::optional<quint32> task, LineCallback onLine)
{
    RunningProcess *job = m_launcher->create(spec, this);
    const QStringList shown = spec.lastArgumentIsPrompt ? Prompts::redactForLog(spec.arguments)
                                                        : spec.arguments;
    const auto withTask = [task](LogFields fields) {
        if (task)
            fields.prepend({QStringLiteral("task_index"), *task});
        return fields;
    };
    m_logger.trace(u"peal::exec", QStringLiteral("starting process"),
                   withTask({{QStringLiteral("label"), spec.label},
                             {QStringLiteral("program"), spec.program},
                             {QStringLiteral("args"), shown},
                             {QStringLiteral("cwd"), spec.workingDirectory}}));
    QPointer<QObject> guard(context);
    if (onLine)
        connect(job, &RunningProcess::outputLine, this, [guard, onLine](OutputChannel channel, const QString &line) {
            if (guard)
                onLine(channel, line);
        });
    connect(job, &RunningProcess::done, this, [this, job, guard, done, withTask](const ProcessResult &result) {
        m_logger.trace(u"peal::exec", QStringLiteral("process ended"),
                       withTask({{QStringLiteral("label"), job->spec().label},
                                 {QStringLiteral("exit_code"), result.code() ? QVariant(*result.code()) : QVariant()},
                                 {QStringLiteral("duration_ms"), qint64(result.duration.count())}}));
        job->deleteLater();
        if (guard)
            done(result);
    });
    connect(&m_limiter, &Limiter::jobSkipped, job, [job](Job *skipped) {
        if (skipped == job)
            job->cancel(); // reports Cancelled through done()
    });
    if (m_cancelled && !m_cleaningUp)
        job->cancel();
    else
        m_limiter.submit(job);
}

void RunContext::reopenForCleanup()
{
    m_cleaningUp = true;
    m_limiter.reopen();
}

void RunContext::cancel()
{
    const bool first = !m_cancelled;
    m_cancelled = true;
    m_cleaningUp = false;
    m_limiter.cancelAll();
    m_rateLimits->cancel();
    if (first)
        Q_EMIT cancelled();
}

} // namespace Peal::Internal
