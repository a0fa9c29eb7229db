// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/extensions.h>
#include <peal/sdk/log.h>
#include <peal/sdk/plugin.h>
#include <peal/sdk/process.h>
#include <peal/sdk/steps.h>

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
    Extensions extensions = {};
    friend bool operator==(const Finding &, const Finding &) = default;
};

// The keys of ReviewerPlugin::openFindings() for `findings`: each one's id, else
// "<path>:<line>: <message>"; a finding reported twice (the same key) counts once.
PEAL_EXPORT QStringList findingKeys(const QList<Finding> &findings);
// `count` findings that cannot be told apart: "#1" ... "#count".
PEAL_EXPORT QStringList numberedFindingKeys(int count);

// The reasons a finding may be dismissed with (stet's, spec §8.8), the first the fallback for
// a reason it does not know.
PEAL_EXPORT const QStringList &dismissReasons();

// One review run. A session fills the first four fields; the core adds what the reviewer
// plugin reads of the output before a phase sees it.
struct PEAL_EXPORT ReviewResult
{
    QString stdoutText;
    QString stderrText;
    std::optional<int> exitCode;
    bool hasFindings = false;
    std::optional<QList<Finding>> findings; // parseFindings(): none when the output is not structured
    std::optional<QString> suggestions;     // extractSuggestions()
    int findingCount = 0;                   // countFindings()
    QStringList openFindings;               // openFindings(): the keys review_patience counts
    Extensions extensions = {};
};

// What configure() found: whether sessions can run, and what they run (for the log).
struct PEAL_EXPORT ReviewerReadiness
{
    bool ready = false;  // false: the reviewer is not installed (phase 3 is skipped, or the run
                         // fails when the user chose this reviewer)
    QString program;     // the program its reviews run, when there is one
    QString warning;     // why a configured program is not used ("stet_path is not executable")
    Extensions extensions = {};
};

// What the core offers a review session: processes and the log.
class PEAL_EXPORT ReviewServices
{
public:
    virtual ~ReviewServices();
    virtual void runProcess(const ProcessSpec &spec, ProcessCallback done) = 0;
    virtual void log(LogLevel level, const QString &message, const LogFields &fields = {}) = 0;
    // Runs the session's own steps (peal/sdk/steps.h, peal/sdk/servicesteps.h) as part of the
    // step that called into the session (the run's start of the review, a phase's review, the
    // finish). `done` gets the recipe's result, also when the run's cancel ends it
    // (interruptedError()): a session always learns how its steps ended.
    virtual void run(const Step &recipe, std::function<void(Result<void>)> done) = 0;
    // The uncommitted changes in the work tree that the run accepts: what an interrupted run of
    // peal left there, and the user's own with allow_dirty (paths from the top of the work
    // tree; "." for the whole tree when allow_dirty is set and peal does not check it; empty when
    // the tree is clean or not checked). A reviewer that refuses to start on a
    // dirty tree is told to accept these (stet: `--allow-dirty`).
    virtual QStringList acceptedChanges() const;
    // Interfaces the core implements may gain functions here, at the end (docs/plugins.md).
};

// What a session would run, as lines a person reads (`peal run --dry-run`); nothing is run.
struct PEAL_EXPORT ReviewOutline
{
    QString mode;           // "built-in session", "custom stet_commands"
    QStringList atStart;    // before the first task
    QString perReview;      // each review of a task
    QString dismiss;        // how a finding is dismissed; empty when findings cannot be
    QStringList atFinish;   // after the last task
    Extensions extensions = {};
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

    // Whether sessions can run, asked once after configure() (which reads the plugin's table
    // and finds its program on PluginConfig::pathVariable).
    virtual ReviewerReadiness readiness() const = 0;
    // A session for one run, built from what configure() read.
    virtual std::unique_ptr<ReviewSession> createSession() const = 0;
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
 * top of the session and the plugin; callbacks arrive on the event loop, and every result
 * carries what the plugin read of it (ReviewResult::findings, ...).
 */
class PEAL_EXPORT Reviewer
{
public:
    virtual ~Reviewer();
    virtual void review(std::function<void(Result<ReviewResult>)> done) = 0;
    virtual bool canDismiss() const = 0;
    virtual void dismiss(const QString &id, const QString &reason, std::function<void()> done) = 0;
    // The name used in messages: "stet run", "custom stet command".
    virtual QString reviewName() const = 0;
    // Interfaces the core implements may gain functions here, at the end (docs/plugins.md).
};

} // namespace Peal
