// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/agent.h>
#include <peal/sdk/extensions.h>
#include <peal/sdk/log.h>
#include <peal/sdk/plugin.h>
#include <peal/sdk/steps.h>

#include <QJsonObject>
#include <QVariantList>
#include <QVariantMap>

#include <functional>
#include <memory>

namespace Peal {

// The task a phase works on.
struct PEAL_EXPORT TaskInfo
{
    quint32 index = 0;
    QString body;
    int position = 0;  // 1-based place in this run, for "task P/N" messages
    int taskCount = 0;
    Extensions extensions = {};
};

// What a phase that reviews and fixes in rounds (address, a test gate) reports of a task
// (PhaseServices::report): the core records it (tasks/<N>/review.json, the run summary, the
// task's line) and a task left unresolved makes the run exit 2.
struct PEAL_EXPORT ReviewReport
{
    quint32 rounds = 0;            // rounds of fixing that ran
    bool resolved = true;          // nothing is left to fix
    // Open findings of the first review, then after each round; empty when not counted.
    QList<qsizetype> openPerRound;
    // Why the rounds ended: "clean", "max_rounds", "patience", "skipped", "budget", "failed".
    QString stopReason;
    Extensions extensions = {};
};

// Each finding a review found and what became of it, in the order they were found (the
// ReviewReport extension "findings", added after ABI 9): "dismissed" (with the reason), "fixed"
// (gone after the round that fixed it), "left" (still open when the rounds ended).
struct FindingFate
{
    QString text;   // "<path>:<line>: <message>", or what the reviewer said when it is not structured
    QString fate;   // "dismissed", "fixed", "left"
    QString reason; // dismissed: why
    quint32 round = 0; // the round it was dismissed or fixed in (0: before the first)
};

inline void setFindingFates(ReviewReport &report, const QList<FindingFate> &fates)
{
    QVariantList list;
    for (const FindingFate &f : fates)
        list.append(QVariantMap{{QStringLiteral("text"), f.text}, {QStringLiteral("fate"), f.fate},
                                {QStringLiteral("reason"), f.reason}, {QStringLiteral("round"), f.round}});
    report.extensions.insert(QStringLiteral("findings"), list);
}

inline QList<FindingFate> findingFates(const ReviewReport &report)
{
    QList<FindingFate> fates;
    for (const QVariant &v : report.extensions.value(QStringLiteral("findings")).toList()) {
        const QVariantMap m = v.toMap();
        fates.append({m.value(QStringLiteral("text")).toString(), m.value(QStringLiteral("fate")).toString(),
                      m.value(QStringLiteral("reason")).toString(), m.value(QStringLiteral("round")).toUInt()});
    }
    return fates;
}

// What the phases of one task produce, passed from phase to phase.
struct PEAL_EXPORT TaskData
{
    QString planText;      // phase 1 stdout, verbatim
    QString executeOutput; // phase 2 stdout
    Extensions extensions = {};
};

// How an agent call is retried and reported (spec §5.3).
struct PEAL_EXPORT AgentCallOptions
{
    int phaseNumber = 0;          // used in messages: "Phase 3 timed out after 60s"
    QString phaseName;            // when set, replaces "Phase <phaseNumber>" in messages
    quint64 attempts = 1;         // 1 + retries
    bool emptyAnswerOnFailure = false; // triage: a final non-zero exit yields an empty answer
    QString logName;              // "phase 3" or "phase 3 triage"
    Extensions extensions = {};
};

using AgentCallback = std::function<void(const Result<AgentOutput> &)>;

class Reviewer;

// The few core settings a running phase may need (never the whole configuration).
struct PEAL_EXPORT PhaseSettings
{
    QString repoPath;                     // repo_path as configured
    bool commitAfterPhase2 = false;
    std::chrono::seconds phaseTimeout{0}; // phase_timeout_sec
    quint32 phaseRetryCount = 0;          // phase_retry_count
    Extensions extensions = {};
};

/*
 * What the core offers a running phase. Every process a phase needs is started through here,
 * so it is limited, logged, timed out and cancelled like every other.
 */
class PEAL_EXPORT PhaseServices
{
public:
    virtual ~PhaseServices();

    virtual const PhaseSettings &settings() const = 0;
    virtual const TaskInfo &task() const = 0;
    virtual TaskData &data() = 0;
    // The directory this task changes: repo_path, or the task's own git worktree while it runs
    // in an isolated parallel block. Processes that touch the task's files run here.
    virtual QString workspace() const = 0;
    // This phase's own table: [plugins.<id>] from the config file (empty when none), with the
    // reference's keys that belong to the phase (address: max_address_rounds, ...).
    virtual QJsonObject options() const = 0;

    virtual void runAgent(AgentMode mode, const QString &prompt, const AgentCallOptions &options,
                          AgentCallback done) = 0;
    virtual void runProcess(const ProcessSpec &spec, ProcessCallback done) = 0;
    virtual void log(LogLevel level, const QString &message, const LogFields &fields = {}) = 0;
    // The run's review, or nullptr when phase 3 has no reviewer.
    virtual Reviewer *reviewer() = 0;
    // `git add -A` and commit with `message` when commit_after_phase2 is on; a clean tree is
    // success. Calls `done` at once (success) when committing is off.
    virtual void commitChanges(const QString &message, std::function<void(Result<void>)> done) = 0;
    // The phase's report of its review rounds; the last one filed for a task counts.
    virtual void report(const ReviewReport &report) = 0;
    // Runs the phase's own steps (peal/sdk/steps.h, peal/sdk/servicesteps.h) as part of its
    // task's step: the run's cancel ends them, and a throw in one fails the phase. `done` gets
    // the recipe's result.
    virtual void run(const Step &recipe, std::function<void(Result<void>)> done) = 0;
    // Interfaces the core implements may gain functions here, at the end (docs/plugins.md).
};

// The message of every commit peal makes for a task (spec §5.6): "peal: task <i>", and
// " - <what>" when given (trimmed, at most 80 bytes, cut at a character boundary with "...").
// Phases that commit their fixes name them: commitMessage(task().index, "address round 2").
PEAL_EXPORT QString commitMessage(quint32 task, const std::optional<QString> &what = std::nullopt);

// What `peal run --dry-run` tells a phase when it asks the phase to describe itself.
struct PEAL_EXPORT PhaseOutlineContext
{
    // The agent's command line in `mode`, the prompt shown as <prompt>.
    std::function<QString(AgentMode mode)> agentCommand;
    bool hasReview = false;  // the run has a reviewer
    QString reviewCommand;   // what one review runs
    QString dismissCommand;  // how a finding is dismissed (empty: it cannot be)
    Extensions extensions = {};
};

// One execution of a phase for one task. `done` is called exactly once.
class PEAL_EXPORT PhaseRun
{
public:
    virtual ~PhaseRun();
    virtual void start(PhaseServices &services, std::function<void(Result<void>)> done) = 0;
};

// Phase role: a named step of the per-task pipeline.
class PEAL_EXPORT PhasePlugin : public Plugin
{
public:
    ~PhasePlugin() override;
    PluginRole role() const override;

    // A fresh run for one task. Where the phase stands in the pipeline (`phases` in the
    // configuration) decides when it runs: up to "execute" it is part of the concurrent stream
    // of a parallel block; after "execute" it runs after the block's commit, one task at a time.
    virtual std::unique_ptr<PhaseRun> createRun() const = 0;

    // What the phase would do, for --dry-run: the first line is the phase's own, the others are
    // its steps (printed below it). Empty (the default): "(phase plugin '<id>')".
    virtual QStringList describe(const PhaseOutlineContext &context) const;
};

} // namespace Peal
