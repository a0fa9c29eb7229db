// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace Peal {

struct PEAL_EXPORT DismissPattern
{
    QString pattern;
    QString reason;
    friend bool operator==(const DismissPattern &, const DismissPattern &) = default;
};

/*
 * One layer of configuration: the TOML file, the PEAL_* environment or the command line.
 * An engaged optional means "this layer has a value for the key" (spec §2.1): an empty string
 * from the file or the command line counts, an empty environment variable does not.
 */
struct PEAL_EXPORT ConfigLayer
{
    std::optional<QString> agentCmd;
    std::optional<QString> planPath;
    std::optional<QString> repoPath;
    std::optional<QStringList> stetCommands;
    std::optional<QString> sandbox;
    std::optional<QString> model;
    std::optional<quint32> maxAddressRounds;
    std::optional<QString> onFindingsRemaining;
    std::optional<QString> stateDir;
    std::optional<quint64> phaseTimeoutSec;
    std::optional<quint32> phaseRetryCount;
    std::optional<quint32> phase3RetryCount;
    std::optional<bool> parallel;
    std::optional<quint32> maxParallel;
    std::optional<bool> continueWithRemainingTasks;
    std::optional<QString> logLevel;
    std::optional<QString> logFile;
    std::optional<QString> stetPath;
    std::optional<QString> stetStartRef;
    std::optional<QStringList> stetStartExtraArgs;
    std::optional<QStringList> stetRunExtraArgs;
    std::optional<bool> stetDisableLlmTriage;
    std::optional<QList<DismissPattern>> stetDismissPatterns;
    std::optional<QString> onStetFail;
    std::optional<QStringList> postRunCommands;
    std::optional<quint64> postRunTimeoutSec;
    std::optional<bool> normalizePlan;
    std::optional<bool> normalizeGraph;
    std::optional<quint32> normalizeRetryCount;
    std::optional<QString> normalizePromptPath;
    std::optional<bool> validatePlanText;
    std::optional<quint64> minPlanTextLen;
    std::optional<QString> runSummaryPath;
    std::optional<quint32> maxConsecutiveTaskFailures;
    std::optional<bool> commitAfterPhase2;
    std::optional<QString> isolation;
    std::optional<QString> onNoChanges;
    std::optional<QStringList> phases;
    std::optional<QString> agentPlugin;
    std::optional<QString> reviewerPlugin;
    std::optional<QString> executor;
    std::optional<QString> worktreeRoot;
    std::optional<QString> planAgent;
    std::optional<QString> executeAgent;
    std::optional<QString> reviewAgent;
    std::optional<QString> planModel;
    std::optional<QString> executeModel;
    std::optional<QString> reviewModel;
    std::optional<QStringList> agentFallback;
    std::optional<QStringList> planAgentFallback;
    std::optional<QStringList> executeAgentFallback;
    std::optional<QStringList> reviewAgentFallback;
    std::optional<quint32> fallbackAfterOverloads;
    std::optional<bool> allowDirty;
    std::optional<bool> strictPlan;
    std::optional<QString> onRateLimit;
    std::optional<quint64> rateLimitMaxWaitSec;
    std::optional<quint64> rateLimitBackoffSec;
    std::optional<QStringList> rateLimitPatterns;
    std::optional<quint64> agentIdleTimeoutSec;
    std::optional<bool> resumeSessions;
    std::optional<double> maxCostUsd;
    std::optional<quint64> maxTokens;
    std::optional<double> taskMaxCostUsd;
    std::optional<quint64> taskMaxTokens;
    std::optional<quint32> reviewPatience;
    std::optional<QList<QStringList>> notifyCommands;
    std::optional<QStringList> notifyOn;
    // [plugins.<id>] tables of the config file (TOML only), as JSON objects.
    std::optional<QHash<QString, QJsonObject>> pluginOptions;
};

// The merged configuration with defaults applied (spec §2.2). Unset optionals mean "not set".
struct PEAL_EXPORT Config
{
    QString agentCmd = QStringLiteral("agent");
    QString planPath;
    QString repoPath;
    QStringList stetCommands;
    QString sandbox = QStringLiteral("disabled");
    std::optional<QString> model;
    quint32 maxAddressRounds = 5;
    QString onFindingsRemaining = QStringLiteral("fail");
    QString stateDir = QStringLiteral(".peal");
    quint64 phaseTimeoutSec = 1800;
    quint32 phaseRetryCount = 0;
    quint32 phase3RetryCount = 0;
    bool parallel = false;
    quint32 maxParallel = 4;
    bool continueWithRemainingTasks = false;
    std::optional<QString> logLevel;
    std::optional<QString> logFile;
    std::optional<QString> stetPath;
    std::optional<QString> stetStartRef;
    QStringList stetStartExtraArgs;
    QStringList stetRunExtraArgs;
    bool stetDisableLlmTriage = false;
    QList<DismissPattern> stetDismissPatterns;
    QString onStetFail = QStringLiteral("fail");
    QStringList postRunCommands;
    std::optional<quint64> postRunTimeoutSec;
    bool normalizePlan = false;
    bool normalizeGraph = false; // normalise into a graph plan (beyond the reference)
    quint32 normalizeRetryCount = 0;
    std::optional<QString> normalizePromptPath;
    bool validatePlanText = false;
    std::optional<quint64> minPlanTextLen;
    std::optional<QString> runSummaryPath;
    std::optional<quint32> maxConsecutiveTaskFailures;
    bool commitAfterPhase2 = false;
    QString isolation = QStringLiteral("none"); // "none" or "worktree" (not in the reference)
    QString onNoChanges = QStringLiteral("warn"); // "warn", "fail" or "retry": execute changed nothing
    QStringList phases{QStringLiteral("plan"), QStringLiteral("execute"), QStringLiteral("address")};
    QString agentPlugin = QStringLiteral("cursor"); // the agent plugin's id (not in the reference)
    QString reviewerPlugin = QStringLiteral("stet"); // the reviewer plugin's id (not in the reference)
    QString executor = QStringLiteral("local"); // where agent calls run (docs/distributed.md)
    std::optional<QString> worktreeRoot;        // unset: <state_dir>/worktrees
    // Per-phase agents and models (not in the reference): unset, agent_plugin and model. "review"
    // is the address phase and its triage; normalisation is planning.
    std::optional<QString> planAgent;
    std::optional<QString> executeAgent;
    std::optional<QString> reviewAgent;
    std::optional<QString> planModel;
    std::optional<QString> executeModel;
    std::optional<QString> reviewModel;
    // Fallback back-ends (docs/unattended.md): agent_fallback after each role's own back-end, or
    // the role's own list (unset: agent_fallback); overloads in a row that move a call on.
    QStringList agentFallback;
    std::optional<QStringList> planAgentFallback;
    std::optional<QStringList> executeAgentFallback;
    std::optional<QStringList> reviewAgentFallback;
    quint32 fallbackAfterOverloads = 3;
    bool allowDirty = false;  // commit_after_phase2 on a tree with changes peal did not make
    bool strictPlan = false;  // headings that look like tasks but are not stop the run
    // Unattended runs (docs/unattended.md; not in the reference).
    QString onRateLimit = QStringLiteral("wait"); // "wait" or "fail"
    quint64 rateLimitMaxWaitSec = 3600;           // the longest wait for one rate-limit event
    quint64 rateLimitBackoffSec = 30;             // the first backoff when no reset time is known
    QStringList rateLimitPatterns;                // extra regexes that mark output as rate limited
    quint64 agentIdleTimeoutSec = 0;              // the stall watchdog; 0: off
    bool resumeSessions = true;                   // a retried call continues its conversation
    std::optional<double> maxCostUsd;             // budgets; unset: no limit
    std::optional<quint64> maxTokens;
    std::optional<double> taskMaxCostUsd;
    std::optional<quint64> taskMaxTokens;
    quint32 reviewPatience = 0;                   // address rounds without progress; 0: off
    QList<QStringList> notifyCommands;            // argv lists run on events
    QStringList notifyOn;                         // the events that notify; empty: all
    QHash<QString, QJsonObject> pluginOptions;  // [plugins.<id>] tables, by plugin id

    // Where each key's value came from, for error messages: "--max-parallel",
    // "PEAL_MAX_PARALLEL", "peal.toml: max_parallel". Keys left at their default are absent.
    QHash<QString, QString> origins;
    QString originOf(const QString &key) const { return origins.value(key); }
};

// Looks up PEAL_<suffix>; returns a value only when it is set, valid Unicode and non-empty.
using EnvLookup = std::function<std::optional<QString>(const QString &suffix)>;

// What the documentation, `--help` and the tests know about each key (one row per key).
struct PEAL_EXPORT ConfigKeyInfo
{
    QString key;          // TOML key
    QString envVar;       // PEAL_* variable
    QString cliFlag;      // "--agent-cmd", or empty when there is no flag
    QString type;         // "string", "path", "u32", "u64", "bool", "string list", ...
    QString defaultText;  // the default as a person reads it
    QString help;         // one line for --help and docs
    QString valueName;    // "<PATH>", "<N>", ... for --help; empty for switches
    bool cliSwitch = false; // the flag takes no value and can only turn the setting on
    QStringList choices;    // the accepted values, when they are a fixed set
};

namespace ConfigLoader {

// The whole load-time pipeline of spec §2.6 stage 1: file, environment, command line, merge,
// required keys, dismiss-pattern reasons. `cli` is the command-line layer.
PEAL_EXPORT Result<Config> load(const std::optional<QString> &configFile, const ConfigLayer &cli,
                                const EnvLookup &env);

PEAL_EXPORT Result<ConfigLayer> readFile(const QString &path);
PEAL_EXPORT Result<ConfigLayer> parseToml(const QByteArray &text, const QString &sourceName);
PEAL_EXPORT Result<ConfigLayer> readEnvironment(const EnvLookup &env);
PEAL_EXPORT Config merge(const ConfigLayer &file, const QString &fileName, const ConfigLayer &env,
                         const ConfigLayer &cli);

// The real process environment.
PEAL_EXPORT EnvLookup systemEnvironment();

// Stage 2 of spec §2.6 without the git work-tree check, which runs a process and belongs to
// the engine: plan file, repo path (steps 1-4) and the enumerated values (steps 6-7).
PEAL_EXPORT Result<void> validatePaths(const Config &config);
PEAL_EXPORT Result<void> validateValues(const Config &config);

// A validation hint: `detail` followed by "set by <origin>" of `key` (the flag, variable or
// file and key the value came from), joined by "; ". Either part may be missing.
PEAL_EXPORT QString withOrigin(const Config &config, const QString &key, const QString &detail);

PEAL_EXPORT const QList<ConfigKeyInfo> &keys();

// Stores a command-line value into `layer` for the key whose flag is `flag` (for example
// "--max-parallel"); switches pass an empty value. Errors name the flag and the value.
PEAL_EXPORT Result<void> setFromCommandLine(ConfigLayer &layer, const QString &flag,
                                            const QString &value);
PEAL_EXPORT QString suggestKey(const QString &unknownKey);
// The settings as the run uses them, every key by its TOML name (a run's history record).
PEAL_EXPORT QJsonObject toJson(const Config &config);

// The options of plugin `id`: its [plugins.<id>] table, plus the reference's keys that belong
// to it and are not in that table (address: max_address_rounds, on_findings_remaining,
// on_stet_fail, phase3_retry_count, review_patience, stet_disable_llm_triage,
// stet_dismiss_patterns; stet: stet_path, stet_start_ref, stet_start_args, stet_run_args,
// stet_commands, on_stet_fail). Plugins read their settings from here only.
PEAL_EXPORT QJsonObject pluginOptions(const Config &config, const QString &id);

} // namespace ConfigLoader

namespace ConfigValues {

// List splitting shared by environment variables and command-line flags (spec §2.5).
PEAL_EXPORT QStringList splitExtraArgs(QStringView text);         // comma, then whitespace
PEAL_EXPORT QStringList splitCommands(QStringView text, bool keepEmpty);
PEAL_EXPORT QList<DismissPattern> parseDismissPatterns(QStringView text);

PEAL_EXPORT bool isDismissReason(QStringView reason);

// Rust-compatible unsigned parsing: optional '+', ASCII digits, within range. On failure
// returns the reference detail text ("invalid digit found in string", ...).
PEAL_EXPORT Result<quint64> parseUnsigned(QStringView text, quint64 max);
PEAL_EXPORT Result<bool> parseBool(QStringView text);
// A non-negative decimal amount ("2.50", "0.1"): no sign, exponent or "inf".
PEAL_EXPORT Result<double> parseMoney(QStringView text);

} // namespace ConfigValues

} // namespace Peal
