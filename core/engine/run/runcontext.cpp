// SPDX-License-Identifier: MIT
#include "run/runcontext.h"

#include "recipe/recipe.h"

#include <peal/plangraph.h>
#include <peal/processjob.h>
#include <peal/prompt.h>
#include <peal/textutil.h>

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSysInfo>
#include <QTimer>

#include <algorithm>

namespace Peal::Internal {

namespace {

Result<ProcessSpec> commandOf(const AgentHandle &agent, AgentMode mode, const QString &prompt, AgentSettings own)
{
    ProcessSpec spec;
    if (auto called = callGuarded(QStringLiteral("agent plugin '%1' (command)").arg(agent.pluginId),
                                  [&] { spec = agent.plugin->command(mode, prompt, own); });
        !called)
        return called.error();
    // Every agent command ends with its prompt (spec §5.1) unless the prompt goes on stdin;
    // forcing the flag keeps a plugin that forgot it from writing prompts into the log file.
    spec.lastArgumentIsPrompt = spec.stdinMode != ProcessSpec::Stdin::Data;
    return spec;
}

} // namespace

Result<ProcessSpec> AgentHandle::command(AgentMode mode, const QString &prompt, const QString &workspace) const
{
    AgentSettings own = settings;
    if (!workspace.isEmpty())
        own.workspace = workspace;
    return commandOf(*this, mode, prompt, std::move(own));
}

Result<ProcessSpec> AgentHandle::resumingCommand(AgentMode mode, const QString &prompt, const QString &workspace,
                                                 const QString &session, const QString &resumePrompt) const
{
    AgentSettings own = settings;
    if (!workspace.isEmpty())
        own.workspace = workspace;
    AgentSettings resuming = own;
    setResumeSession(resuming, session);
    auto spec = commandOf(*this, mode, resumePrompt, std::move(resuming));
    // A plugin that does not answer the request (built before it, or a back-end that cannot
    // resume) built a fresh command around the short prompt: build it again with the whole one.
    if (spec && resumesSession(*spec) == session)
        return spec;
    return commandOf(*this, mode, prompt, std::move(own));
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
      m_state(m_config.planPath, m_config.repoPath), m_outcomes(m_state, m_config, m_logger),
      m_records(m_config.stateDir)
{
    m_phaseSettings.repoPath = m_config.repoPath;
    m_phaseSettings.commitAfterPhase2 = m_config.commitAfterPhase2;
    m_phaseSettings.phaseTimeout = std::chrono::duration_cast<std::chrono::seconds>(timeout());
    m_phaseSettings.phaseRetryCount = m_config.phaseRetryCount;
    m_rateLimits = std::make_unique<RateLimitGate>();
    m_sideCommands = std::make_unique<SideCommands>(m_launcher);
    m_notifier = std::make_unique<Notifier>(m_config, m_logger, *m_sideCommands);
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
    m_journal->append(event);
    if (event.kind == ProgressEvent::Kind::PhaseStarted)
        return notifyStarted(event);
    if (event.kind != ProgressEvent::Kind::TaskFinished || !event.final || event.interrupted)
        return;
    const bool ok = event.ok && !event.findingsLeft;
    if (!m_notifier->wants(ok ? QStringLiteral("task_done") : QStringLiteral("task_failed")))
        return;
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

void RunContext::journalPlan() const
{
    if (!m_journal->isOpen())
        return;
    QJsonArray tasks;
    for (const Task &t : m_plan.tasks) {
        QJsonArray after;
        for (quint32 n : m_graph.value(t.index))
            after.append(qint64(n));
        tasks.append(QJsonObject{{QStringLiteral("task"), qint64(t.index)},
                                 {QStringLiteral("title"), Text::firstLine(t.content, 160)},
                                 {QStringLiteral("parallel"), t.parallel},
                                 {QStringLiteral("after"), after},
                                 {QStringLiteral("done_before"), m_outcomes.isDone(t.index)}});
    }
    QJsonObject fields{{QStringLiteral("tasks"), tasks}, {QStringLiteral("graph"), !m_graph.isEmpty()}};
    if (!m_graph.isEmpty()) {
        QList<quint32> indices;
        for (const Task &t : m_plan.tasks)
            indices.append(t.index);
        QJsonArray path;
        for (quint32 n : PlanGraph::criticalPath(indices, m_graph))
            path.append(qint64(n));
        fields.insert(QStringLiteral("critical_path"), path);
    }
    QJsonObject budgets;
    if (m_config.maxCostUsd)
        budgets.insert(QStringLiteral("max_cost_usd"), *m_config.maxCostUsd);
    if (m_config.maxTokens)
        budgets.insert(QStringLiteral("max_tokens"), qint64(*m_config.maxTokens));
    if (m_config.taskMaxCostUsd)
        budgets.insert(QStringLiteral("task_max_cost_usd"), *m_config.taskMaxCostUsd);
    if (m_config.taskMaxTokens)
        budgets.insert(QStringLiteral("task_max_tokens"), qint64(*m_config.taskMaxTokens));
    fields.insert(QStringLiteral("budgets"), budgets);
    const Spend before = m_outcomes.spend().run();
    fields.insert(QStringLiteral("spent_before"),
                  QJsonObject{{QStringLiteral("cost_usd"), before.costUsd}, {QStringLiteral("tokens"), before.tokens}});
    fields.insert(QStringLiteral("max_parallel"), qint64(m_config.maxParallel));
    m_journal->append(QStringLiteral("run_plan"), fields);
}

void RunContext::notifyStarted(const ProgressEvent &event) const
{
    // A task starts with the first phase it runs in this run.
    if (!m_startedTasks.contains(event.task)) {
        m_startedTasks.insert(event.task);
        if (m_notifier->wants(QStringLiteral("task_started")))
            m_notifier->send(QStringLiteral("task_started"), QStringLiteral("task %1 started").arg(event.task),
                             {{QStringLiteral("task"), qint64(event.task)}, {QStringLiteral("phase"), event.phase}});
    }
    if (m_notifier->wants(QStringLiteral("phase_started")))
        m_notifier->send(QStringLiteral("phase_started"),
                         QStringLiteral("task %1: phase %2 started").arg(event.task).arg(event.phase),
                         {{QStringLiteral("task"), qint64(event.task)}, {QStringLiteral("phase"), event.phase}});
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
    // What the budgets count: every run of this state, and the task's calls.
    const auto spent = [](const Spend &s) {
        return QJsonObject{{QStringLiteral("cost_usd"), s.costUsd}, {QStringLiteral("tokens"), s.tokens}};
    };
    QJsonObject ledger{{QStringLiteral("run"), spent(m_outcomes.spend().run())}};
    if (task != 0)
        ledger.insert(QStringLiteral("task"), spent(m_outcomes.spend().task(task)));
    fields.insert(QStringLiteral("spent"), ledger);
    m_journal->append(QStringLiteral("budget_stop"), fields);
    m_notifier->send(QStringLiteral("budget_stop"), breach.message, fields);
}

void RunContext::setLauncher(std::shared_ptr<ProcessLauncher> launcher)
{
    m_launcher = std::move(launcher);
    m_sideCommands->setLauncher(m_launcher);
}

std::chrono::milliseconds RunContext::fromSeconds(quint64 seconds)
{
    constexpr quint64 maxSeconds = quint64(std::numeric_limits<qint64>::max() / 1000 / 2);
    return std::chrono::milliseconds(qint64(std::min(seconds, maxSeconds)) * 1000);
}

std::chrono::milliseconds RunContext::timeout() const
{
    return fromSeconds(m_config.phaseTimeoutSec);
}

void RunContext::setExecutor(std::shared_ptr<ExecutorPlugin> executor, QString id)
{
    m_executor = std::move(executor);
    m_executorId = std::move(id);
}

QString RunContext::executorStateTag()
{
    if (m_executorStateTag.isEmpty()) {
        // Another machine's or another state directory's runs are not ours to cancel.
        const QString dir = QFileInfo(m_config.stateDir).canonicalFilePath();
        const QByteArray where = QSysInfo::machineHostName().toUtf8() + '\n'
                                 + (dir.isEmpty() ? QDir(m_config.stateDir).absolutePath() : dir).toUtf8();
        m_executorStateTag = QString::fromLatin1(QCryptographicHash::hash(where, QCryptographicHash::Sha1).toHex().left(12));
    }
    return m_executorStateTag;
}

QString RunContext::executorRunTag()
{
    if (m_executorRunTag.isEmpty())
        m_executorRunTag = executorStateTag() + u'/'
                           + QString::number(QRandomGenerator::global()->generate() | 0x10000000u, 16);
    return m_executorRunTag;
}

void RunContext::cancelExecutorJobs(const QStringList &tags)
{
    if (!m_executor || tags.isEmpty())
        return;
    const QString who = QStringLiteral("executor plugin '%1'").arg(m_executorId);
    const auto prepared = [](ProcessSpec command) {
        command.stdinMode = ProcessSpec::Stdin::Null;
        if (!command.timeout)
            command.timeout = std::chrono::seconds(30);
        return command;
    };
    const auto failed = [this](const QString &program, const ProcessResult &r) {
        m_logger.warn(u"peal::exec", QStringLiteral("executor clean-up command failed"),
                      {{QStringLiteral("program"), program}, {QStringLiteral("exit_code"), exitStatusText(r)},
                       {QStringLiteral("stderr"), r.stderrText.trimmed().left(300)}});
    };
    std::optional<ProcessSpec> list;
    if (auto asked = callGuarded(who, [&] { list = m_executor->listCommand(); }); !asked || !list) {
        if (!asked)
            m_logger.warn(u"peal::exec", asked.error().message());
        return;
    }
    // First what runs, then the commands that cancel what of it belongs to `tags`.
    m_sideCommands->run(prepared(*list), [this, tags, who, prepared, failed, program = list->program](const ProcessResult &listed) {
        if (!listed.success())
            return failed(program, listed);
        QList<ProcessSpec> commands;
        if (auto asked = callGuarded(who, [&] { commands = m_executor->cancelCommands(tags, listed.stdoutText); }); !asked)
            return m_logger.warn(u"peal::exec", asked.error().message());
        for (const ProcessSpec &command : std::as_const(commands)) {
            m_logger.debug(u"peal::exec", QStringLiteral("cancelling executor jobs"),
                          {{QStringLiteral("program"), command.program}, {QStringLiteral("args"), command.arguments}});
            m_sideCommands->run(prepared(command), [failed, name = command.program](const ProcessResult &r) {
                if (!r.success())
                    failed(name, r);
            });
        }
    });
}

void RunContext::runProcess(const ProcessSpec &given, QObject *context, ProcessCallback done,
                            std::optional<quint32> task, LineCallback onLine, std::optional<ExecutorCall> call)
{
    // Through the executor when it takes the call.
    ProcessSpec spec = given;
    bool wrapped = false;
    if (call && m_executor) {
        call->tag = executorRunTag() + u'/' + QString::number(m_executorCallCount + 1);
        if (!m_allocation.isEmpty())
            setAllocation(*call, m_allocation);
        bool takes = false;
        const QString who = QStringLiteral("executor plugin '%1'").arg(m_executorId);
        Result<ProcessSpec> through = spec;
        auto asked = callGuarded(who, [&] {
            takes = m_executor->runs(*call);
            if (takes)
                through = m_executor->wrap(spec, *call);
        });
        if (!asked)
            through = asked.error();
        if (takes || !asked) {
            if (!through) {
                // Reported as a process that could not start, on the event loop.
                ProcessResult failed;
                failed.ending = ProcessEnding::FailedToStart;
                failed.errorString = through.error().toDisplayString();
                QTimer::singleShot(0, this, [guard = QPointer<QObject>(context), done, failed] {
                    if (guard)
                        done(failed);
                });
                return;
            }
            spec = *through;
            wrapped = true;
            ++m_executorCallCount;
        }
    }
    if (wrapped) {
        // The executor's own failures, and what an ended call leaves behind.
        done = [this, done, call = *call](const ProcessResult &result) {
            ProcessResult seen = result;
            (void)callGuarded(QStringLiteral("executor plugin '%1' (failure)").arg(m_executorId),
                              [&] { seen.executorFailure = m_executor->failureOf(result, call); });
            // peal ended it (or something killed srun): the job may outlive it. A failure the
            // executor reported was its own ending of the job.
            if (result.ending == ProcessEnding::TimedOut || result.ending == ProcessEnding::Cancelled
                || result.ending == ProcessEnding::Crashed)
                cancelExecutorJobs({call.tag});
            done(seen);
        };
    }
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
    m_cancelled = true;
    m_cleaningUp = false;
    m_limiter.cancelAll();
    m_rateLimits->cancel();
}

} // namespace Peal::Internal
