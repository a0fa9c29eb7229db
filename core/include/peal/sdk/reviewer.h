// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/log.h>
#include <peal/sdk/phase.h>
#include <peal/sdk/plugin.h>
#include <peal/sdk/process.h>

#include <QJsonObject>

#include <functional>
#include <memory>

namespace Peal {

// One finding as the address phase needs it (spec §8.5 parse_findings).
struct PEAL_EXPORT Finding
{
    QString id;
    QString message;
    std::optional<QString> suggestion;
    std::optional<QString> path;
    std::optional<qint64> line;
    friend bool operator==(const Finding &, const Finding &) = default;
};

// The keys of Reviewer::openFindings() for `findings`: each one's id, else
// "<path>:<line>: <message>"; a finding reported twice (the same key) counts once.
PEAL_EXPORT QStringList findingKeys(const QList<Finding> &findings);
// `count` findings that cannot be told apart: "#1" ... "#count".
PEAL_EXPORT QStringList numberedFindingKeys(int count);

// What a reviewer session needs to build its commands.
struct PEAL_EXPORT ReviewerSettings
{
    QString program;                 // resolved reviewer executable (built-in mode)
    QString repo;                    // repo_path as configured; every command runs there
    std::chrono::milliseconds timeout{0};
    std::optional<QString> startRef;
    QStringList startExtraArgs;
    QStringList runExtraArgs;
    QStringList customCommands;      // stet_commands; non-empty selects custom mode
    QString onFail = QStringLiteral("fail"); // on_stet_fail
    QJsonObject options;
};

// What the core offers a review session: processes and the log.
class PEAL_EXPORT ReviewServices
{
public:
    virtual ~ReviewServices();
    virtual void runProcess(const ProcessSpec &spec, ProcessCallback done) = 0;
    virtual void log(LogLevel level, const QString &message, const LogFields &fields = {}) = 0;
};

// What a session would run, as lines a person reads (`peal run --dry-run`); nothing is run.
struct PEAL_EXPORT ReviewOutline
{
    QString mode;           // "built-in session", "custom stet_commands"
    QStringList atStart;    // before the first task
    QString perReview;      // each review of a task
    QString dismiss;        // how a finding is dismissed; empty when findings cannot be
    QStringList atFinish;   // after the last task
};

/*
 * A review session for one run. start() runs once before the plan is read and applies the
 * on_stet_fail policy itself: it ends with true (reviews active), false (a `skip` policy
 * swallowed a failure: phase 3 is off for the run) or an error (the run stops).
 */
class PEAL_EXPORT ReviewSession
{
public:
    virtual ~ReviewSession();
    virtual void start(ReviewServices &services, std::function<void(Result<bool>)> done) = 0;
    // One review of the current state. A non-zero exit is not an error; failing to run is.
    virtual void review(ReviewServices &services, std::function<void(Result<ReviewResult>)> done) = 0;
    virtual bool canDismiss() const = 0;
    // Best effort: failures are logged, never returned.
    virtual void dismiss(ReviewServices &services, const QString &id, const QString &reason,
                         std::function<void()> done) = 0;
    // Whether finish() must run before the run ends, asked after start() whatever its result:
    // in built-in mode once a session may exist, which a start that was killed may have left.
    virtual bool needsFinish() const = 0;
    virtual void finish(ReviewServices &services, std::function<void(Result<void>)> done) = 0;
    // The name used in messages: "stet run", "custom stet command".
    virtual QString reviewName() const = 0;
    virtual ReviewOutline outline() const = 0;
    // Whether a review sees changes that are not committed. When it does not, reviews see
    // nothing of a task unless commit_after_phase2 is on, and peal warns at the start.
    virtual bool seesUncommittedChanges() const;
};

// Reviewer role: finds the reviewer, creates sessions and understands its output.
class PEAL_EXPORT ReviewerPlugin : public Plugin
{
public:
    ~ReviewerPlugin() override;
    PluginRole role() const override;

    // The reviewer executable: the configured path when it is usable (no fallback), else a
    // search of `pathVariable`. `warning` is set when a configured path is unusable.
    virtual std::optional<QString> resolve(const std::optional<QString> &configuredPath,
                                           const std::optional<QString> &pathVariable,
                                           QString *warning) const = 0;
    virtual std::unique_ptr<ReviewSession> createSession(const ReviewerSettings &settings) const = 0;
    // Directories the reviewer keeps inside the repository, to be ignored by git ("/.review/").
    virtual QStringList repositoryStateDirectories() const;

    virtual bool detectFindings(std::optional<int> exitCode, const QString &output) const = 0;
    virtual std::optional<QList<Finding>> parseFindings(const QString &output) const = 0;
    virtual std::optional<QString> extractSuggestions(const QString &output) const = 0;
    virtual int countFindings(const QString &output) const = 0;
    // The open findings of a review, each as a key that names it across reviews: its id,
    // else "<path>:<line>: <message>", each key once; findings of output that cannot be
    // parsed are numbered ("#1", "#2", ...). Default: from parseFindings(), else
    // countFindings() numbered keys. review_patience counts these keys.
    virtual QStringList openFindings(const QString &output) const;
};

/*
 * The active review as a phase sees it (PhaseServices::reviewer()). The core implements it on
 * top of the session and the plugin; callbacks arrive on the event loop.
 */
class PEAL_EXPORT Reviewer
{
public:
    virtual ~Reviewer();
    virtual void review(std::function<void(Result<ReviewResult>)> done) = 0;
    virtual bool canDismiss() const = 0;
    virtual void dismiss(const QString &id, const QString &reason, std::function<void()> done) = 0;
    virtual std::optional<QList<Finding>> parseFindings(const QString &output) const = 0;
    virtual std::optional<QString> extractSuggestions(const QString &output) const = 0;
    virtual int countFindings(const QString &output) const = 0;
    virtual QStringList openFindings(const QString &output) const = 0;
    virtual QString reviewName() const = 0;
};

} // namespace Peal
