// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/agent.h>
#include <peal/sdk/executor.h>
#include <peal/config.h>
#include <peal/journal.h>
#include <peal/limiter.h>
#include <peal/log.h>
#include <peal/sdk/phase.h>
#include <peal/plan.h>
#include <peal/processjob.h>
#include <peal/progress.h>
#include <peal/state.h>

#include "unattended/budget.h"
#include "unattended/fallback.h"
#include "unattended/notifier.h"
#include "task/outcomes.h"
#include "unattended/ratelimit.h"
#include "run/sidecommands.h"
#include "agent/transcript.h"
#include "git/usertree.h"

#include <QObject>
#include <QRegularExpression>
#include <QSet>

#include <array>

#include <memory>

namespace Peal::Internal {

class RunReview;

// The agent plugin with its settings; every call into plugin code is guarded here.
class PEAL_EXPORT AgentHandle
{
public:
    std::shared_ptr<AgentPlugin> plugin;
    QString pluginId;
    AgentSettings settings;
    std::optional<QString> tableModel; // `model` of its [plugins.<id>] table: its model as a fallback

    // `workspace`, when not empty, replaces settings.workspace (a task's own worktree).
    Result<ProcessSpec> command(AgentMode mode, const QString &prompt, const QString &workspace = {}) const;
    // The same continuing `session` with `resumePrompt` where the plugin can (resumesSession()
    // of the spec says so); where it cannot, the fresh command with `prompt`.
    Result<ProcessSpec> resumingCommand(AgentMode mode, const QString &prompt, const QString &workspace,
                                        const QString &session, const QString &resumePrompt) const;
    AgentOutput interpret(AgentMode mode, const ProcessResult &result) const;
    bool streamsEvents(AgentMode mode) const;
    bool reportsResult(AgentMode mode) const;
    bool reportsCost(AgentMode mode) const;
    // The events of one output line; a plugin that throws yields none (and `error` says why).
    QList<AgentEvent> events(AgentMode mode, OutputChannel channel, const QString &line, QString *error) const;
};

/*
 * What every part of one run shares: the configuration, the log, the process limiter, the
 * agent, the plan and the state. Lives for the whole run.
 */
class PEAL_EXPORT RunContext : public QObject
{
    Q_OBJECT

public:
    explicit RunContext(Config config, Logger &logger, QObject *parent = nullptr);
    ~RunContext() override;

    // `<state_dir>/waiting.json`: the rate-limit waits of the running peal (peal status).
    static QString waitingPath(const QString &stateDir);

    const Config &config() const { return m_config; }
    Logger &logger() { return m_logger; }
    Limiter &limiter() { return m_limiter; }
    // The agent of agent_plugin and model; agentFor() the one of a mode (plan_agent, ...), which
    // is that one unless a per-phase key chose another.
    AgentHandle &agent() { return m_agent; }
    enum class AgentRole { Plan, Execute, Review };
    static AgentRole roleOf(AgentMode mode);
    AgentHandle &agentFor(AgentMode mode);
    void setRoleAgent(AgentRole role, AgentHandle handle);
    // The fallback back-ends of a role, in order (agent_fallback, plan_agent_fallback, ...).
    void setFallbacks(AgentRole role, QList<AgentHandle> chain) { m_fallbacks[size_t(role)] = std::move(chain); }
    const QList<AgentHandle> &fallbacks(AgentRole role) const { return m_fallbacks[size_t(role)]; }
    // Which back-ends are not to be called for now.
    AgentFallbacks &fallbackState() { return m_fallbackState; }
    // The back-end a new call of `mode` uses now: agentFor(mode) unless it is unavailable, then
    // the first available one of the role's fallbacks. `passedOver`: the one not used and why
    // ("claude: rate limited until 16:05"); empty when it is the role's own.
    AgentHandle chooseAgent(AgentMode mode, QString *passedOver);
    // Whether a call of `mode` has another back-end than `backEnd` to move to now.
    bool hasFallbackFrom(AgentMode mode, const QString &backEnd);
    // A call of `task` by `backEnd` failed with `failure` (its output `printed`): when that
    // sets the back-end aside - a limit past rate_limit_max_wait_sec, an auth or billing
    // refusal, fallback_after_overloads overloads in a row - marks it, says so (log line,
    // journal, agent_fallback notification, the summary) and returns true.
    bool moveToFallback(quint32 task, AgentMode mode, const QString &backEnd, AgentEvent::Failure failure,
                        const QString &printed, const QString &reason);
    State &state() { return m_state; }
    Plan &plan() { return m_plan; }
    // The plan's lines that look like task headings but are not (repeated at the end of the run).
    void setPlanNotices(const QString &where, const QList<PlanNotice> &notices)
    {
        m_planNoticeFile = where;
        m_planNotices = notices;
    }
    const QList<PlanNotice> &planNotices() const { return m_planNotices; }
    // A graph plan (peal/plangraph.h): what each task of the whole plan waits for, set before
    // --task or --from-task filter it; empty for a plan without `after`.
    void setGraph(QHash<quint32, QList<quint32>> waits) { m_graph = std::move(waits); }
    bool isGraph() const { return !m_graph.isEmpty(); }
    const QHash<quint32, QList<quint32>> &graph() const { return m_graph; }
    // --task N: the one task the run was asked for.
    void setOnlyTask(std::optional<quint32> task) { m_onlyTask = task; }
    const std::optional<quint32> &onlyTask() const { return m_onlyTask; }
    const QString &planNoticeFile() const { return m_planNoticeFile; }
    // The user's uncommitted changes, kept out of peal's commits.
    UserTree &userTree() { return m_userTree; }
    // The run's review, or nullptr when phase 3 is off.
    RunReview *review() const { return m_review; }
    void setReview(RunReview *review) { m_review = review; }
    std::chrono::milliseconds timeout() const;
    // A setting in seconds as a duration; seconds beyond what milliseconds hold are "never".
    static std::chrono::milliseconds fromSeconds(quint64 seconds);
    // The core settings plugins see (PhaseServices::settings(), PluginConfig).
    const PhaseSettings &phaseSettings() const { return m_phaseSettings; }

    // Starts `spec` through the limiter; `done` runs on the event loop with the result.
    // `context` going away first drops the callback (the process is still reaped). `task`
    // names the task the process belongs to in the log. With spec.streamLines, `onLine` gets
    // each line as it arrives.
    // `call`, when given, lets the executor run it (executor = "slurm": a job step); its own
    // failures arrive as ProcessResult::executorFailure, and what a call that was ended leaves
    // behind is cancelled.
    using LineCallback = std::function<void(OutputChannel, const QString &)>;
    void runProcess(const ProcessSpec &spec, QObject *context, ProcessCallback done,
                    std::optional<quint32> task = {}, LineCallback onLine = {},
                    std::optional<ExecutorCall> call = {});
    // The executor plugin (`executor`), or nullptr for local processes.
    void setExecutor(std::shared_ptr<ExecutorPlugin> executor, QString id);
    const QString &executorId() const { return m_executorId; }
    // Runs the executor's cancel commands for the jobs of `tags` (ExecutorCall::tag) as side
    // commands.
    void cancelExecutorJobs(const QStringList &tags);
    // The tags of what this state's runs (stateTag) and this run (runTag) hand the executor:
    // "<state>" stands for this machine and state directory, "<state>/<run>" for this run.
    QString executorStateTag();
    QString executorRunTag();
    // Whether this run handed the executor any call (or asked it for an allocation).
    bool usedExecutor() const { return m_executorCallCount > 0 || m_allocationAsked; }
    // One allocation for the run, where the executor makes one ([plugins.slurm] allocation =
    // "run"): asked for as wide as max_parallel; every later call runs inside it. An executor
    // that makes none leaves each call a job of its own.
    void makeAllocation(const StepHandle &step, QObject *context);
    bool hasAllocation() const { return !m_allocation.isEmpty(); }
    // Gives the allocation back (a side command; the run waits for it at its end).
    void releaseAllocation();
    // Where the run's processes come from (default: local children).
    void setLauncher(std::shared_ptr<ProcessLauncher> launcher);

    // Where task outcomes go: the state and state.json.
    TaskOutcomes &outcomes() { return m_outcomes; }
    // The records of the agent calls (transcript.h).
    CallRecords &records() { return m_records; }

    // Progress for live displays; the engine forwards it as Engine::progress.
    void setProgressSink(std::function<void(const ProgressEvent &)> sink) { m_progress = std::move(sink); }
    // To the live display and the run's journal, and for a task that ended, to notify_commands
    // (task_done, task_failed).
    void notify(const ProgressEvent &event) const;
    // The journal's picture of the run as it starts ("run_plan"): each task with its title and
    // waits, a graph plan's critical path, the budgets and what the state spent before.
    void journalPlan() const;
    // The run's journal of events (`<state_dir>/runs/<run id>.jsonl`), opened once the state
    // directory is the run's.
    RunJournal &journal() const { return *m_journal; }

    // Unattended runs (docs/unattended.md): the rate-limit waits shared by every stream, the
    // notify_commands, rate_limit_patterns compiled, and the budget check.
    RateLimitGate &rateLimits() { return *m_rateLimits; }
    Notifier &notifier() const { return *m_notifier; }
    // Notify commands, executor clean-up: they run beside the run and it waits for them.
    SideCommands &sideCommands() { return *m_sideCommands; }
    const QList<QRegularExpression> &rateLimitPatterns() const { return m_rateLimitPatterns; }
    // The budget that this state's spending (and task `task`'s, when not 0) has reached.
    std::optional<BudgetBreach> budgetReached(quint32 task) const;
    // A budget stopped the run: budget_stop is notified once.
    void budgetStopped(const BudgetBreach &breach, quint32 task);

    // Ends every process of the run and refuses new work; results arrive as Cancelled. The
    // engine's runner calls it when it is cancelled (one cancel path).
    void cancel();
    // Stays true once cancelled: nothing of the run's own work starts again.
    bool isCancelled() const { return m_cancelled; }
    // After a cancel, lets clean-up processes (finishing the review session, recording what
    // tasks left in the tree) run; a second cancel ends those too.
    void reopenForCleanup();

private:
    void writeWaiting();
    // task_started and phase_started for notify_commands that list them.
    void notifyStarted(const ProgressEvent &event) const;

    Config m_config;
    Logger &m_logger;
    Limiter m_limiter;
    std::shared_ptr<ProcessLauncher> m_launcher;
    AgentHandle m_agent;
    std::array<std::optional<AgentHandle>, 3> m_roleAgents; // by AgentRole; unset: m_agent
    std::array<QList<AgentHandle>, 3> m_fallbacks;           // by AgentRole
    AgentFallbacks m_fallbackState;
    State m_state;
    TaskOutcomes m_outcomes;
    CallRecords m_records;
    PhaseSettings m_phaseSettings;
    Plan m_plan;
    QString m_planNoticeFile;
    QList<PlanNotice> m_planNotices;
    QHash<quint32, QList<quint32>> m_graph;
    std::optional<quint32> m_onlyTask;
    UserTree m_userTree;
    RunReview *m_review = nullptr;
    std::function<void(const ProgressEvent &)> m_progress;
    std::unique_ptr<RunJournal> m_journal = std::make_unique<RunJournal>();
    mutable QSet<quint32> m_startedTasks; // tasks that started a phase in this run
    std::unique_ptr<RateLimitGate> m_rateLimits;
    std::unique_ptr<SideCommands> m_sideCommands;
    std::unique_ptr<Notifier> m_notifier;
    std::shared_ptr<ExecutorPlugin> m_executor;
    QString m_executorId;
    QString m_executorStateTag; // made at first use, once the state directory exists
    QString m_executorRunTag;
    QString m_allocation;              // the run's allocation (its id), when it has one
    QStringList m_allocationRelease;   // the command that gives it back
    bool m_allocationAsked = false;
    quint64 m_executorCallCount = 0;
    QList<QRegularExpression> m_rateLimitPatterns;
    bool m_budgetStopNotified = false;
    bool m_cancelled = false;
    bool m_cleaningUp = false;
};

} // namespace Peal::Internal
