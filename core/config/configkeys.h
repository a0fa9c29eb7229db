// SPDX-License-Identifier: MIT
#pragma once

#include <peal/config.h>

#include <tuple>

namespace Peal::Internal {

// How a key's value is written in the environment, on the command line and in TOML.
enum class ValueKind {
    String,
    Path,
    U32,
    U64,
    Bool,
    StetCommands,    // list; env/CLI split on ',' keeping empty pieces
    CommaList,       // list; env/CLI split on ',' dropping empty pieces
    ExtraArgs,       // list; env/CLI split on ',' then on whitespace
    DismissPatterns, // TOML array of {pattern, reason}; env "pattern|reason,..."
    Money,           // a non-negative decimal number (US dollars)
    Commands,        // list of argv lists; TOML items are arrays of strings or strings split on
                     // whitespace; env/CLI split on ',' then on whitespace
};

enum class CliStyle {
    None,   // no command-line flag
    Value,  // --flag <VALUE>
    Switch, // --flag (can only enable)
};

/*
 * One row of the key table: the single place that ties a TOML key to its environment variable,
 * command-line flag, value syntax, layer member, merged member and documentation.
 */
template<typename T, typename M>
struct KeyDef
{
    const char *name;
    ValueKind kind;
    CliStyle cli;
    const char *cliFlag;
    const char *valueName;
    const char *defaultText;
    const char *help;
    std::optional<T> ConfigLayer::*layer;
    M Config::*merged;
};

template<typename T, typename M>
constexpr KeyDef<T, M> key(const char *name, ValueKind kind, CliStyle cli, const char *cliFlag,
                           const char *valueName, const char *defaultText, const char *help,
                           std::optional<T> ConfigLayer::*layer, M Config::*merged)
{
    return {name, kind, cli, cliFlag, valueName, defaultText, help, layer, merged};
}

/*
 * The keys in the order of spec §2.2. The order matters: environment variables are parsed in
 * table order and the first bad one is reported, which is the reference order (spec §2.5).
 */
inline auto keyTable()
{
    using K = ValueKind;
    using C = CliStyle;
    using L = ConfigLayer;
    using G = Config;
    return std::make_tuple(
        key("agent_cmd", K::String, C::Value, "--agent-cmd", "CMD", "agent",
            "agent program name or path", &L::agentCmd, &G::agentCmd),
        key("plan_path", K::Path, C::Value, "--plan", "PLAN", "(required)",
            "markdown plan file", &L::planPath, &G::planPath),
        key("repo_path", K::Path, C::Value, "--repo", "REPO", "(required)",
            "target git repository", &L::repoPath, &G::repoPath),
        key("stet_commands", K::StetCommands, C::None, "", "", "[]",
            "custom review commands (switches phase 3 to custom mode)", &L::stetCommands,
            &G::stetCommands),
        key("sandbox", K::String, C::Value, "--sandbox", "SANDBOX", "disabled",
            "agent sandbox mode for execute/address", &L::sandbox, &G::sandbox),
        key("model", K::String, C::Value, "--model", "MODEL", "(agent default)",
            "model passed as --model to the agent", &L::model, &G::model),
        key("max_address_rounds", K::U32, C::Value, "--max-address-rounds", "N", "5",
            "max address rounds per task", &L::maxAddressRounds, &G::maxAddressRounds),
        key("on_findings_remaining", K::String, C::Value, "--on-findings-remaining", "POLICY",
            "fail", "fail or warn when findings remain after the last round",
            &L::onFindingsRemaining, &G::onFindingsRemaining),
        key("state_dir", K::Path, C::Value, "--state-dir", "DIR", ".peal",
            "state directory (relative to the current directory)", &L::stateDir, &G::stateDir),
        key("phase_timeout_sec", K::U64, C::Value, "--phase-timeout-sec", "SECS", "1800",
            "timeout for every agent, reviewer and post-run command", &L::phaseTimeoutSec,
            &G::phaseTimeoutSec),
        key("phase_retry_count", K::U32, C::Value, "--phase-retry-count", "N", "0",
            "retries of phases 1 and 2 on timeout or non-zero exit", &L::phaseRetryCount,
            &G::phaseRetryCount),
        key("phase_3_retry_count", K::U32, C::Value, "--phase-3-retry-count", "N", "0",
            "retries of phase 3 agent calls (at most 2 are used)", &L::phase3RetryCount,
            &G::phase3RetryCount),
        key("parallel", K::Bool, C::Switch, "--parallel", "", "false (true if max_parallel is set)",
            "run (parallel) tasks concurrently", &L::parallel, &G::parallel),
        key("max_parallel", K::U32, C::Value, "--max-parallel", "N", "4",
            "max concurrent agent processes (0 disables parallel mode)", &L::maxParallel,
            &G::maxParallel),
        key("continue_with_remaining_tasks", K::Bool, C::Switch, "--continue-with-remaining-tasks",
            "", "false", "keep going after a task fails (the run then exits 2)",
            &L::continueWithRemainingTasks, &G::continueWithRemainingTasks),
        key("log_level", K::String, C::Value, "--log-level", "LEVEL", "info",
            "stderr log level or filter (PEAL_LOG overrides)", &L::logLevel, &G::logLevel),
        key("log_file", K::Path, C::Value, "--log-file", "PATH", "(none)",
            "also append JSON log lines to this file", &L::logFile, &G::logFile),
        key("stet_path", K::Path, C::Value, "--stet-path", "PATH", "(search PATH)",
            "stet executable; an invalid path disables phase 3", &L::stetPath, &G::stetPath),
        key("stet_start_ref", K::String, C::Value, "--stet-start-ref", "REF", "(none)",
            "git ref passed to 'stet start'", &L::stetStartRef, &G::stetStartRef),
        key("stet_start_extra_args", K::ExtraArgs, C::Value, "--stet-start-args", "ARGS", "[]",
            "extra arguments for 'stet start' (split on commas and spaces)",
            &L::stetStartExtraArgs, &G::stetStartExtraArgs),
        key("stet_run_extra_args", K::ExtraArgs, C::Value, "--stet-run-args", "ARGS", "[]",
            "extra arguments for 'stet run' (split on commas and spaces)", &L::stetRunExtraArgs,
            &G::stetRunExtraArgs),
        key("stet_disable_llm_triage", K::Bool, C::Value, "--stet-disable-llm-triage", "BOOL",
            "false", "dismiss findings by stet_dismiss_patterns only (true or false)",
            &L::stetDisableLlmTriage, &G::stetDisableLlmTriage),
        key("stet_dismiss_patterns", K::DismissPatterns, C::None, "", "", "[]",
            "rules {pattern, reason} that dismiss matching findings", &L::stetDismissPatterns,
            &G::stetDismissPatterns),
        key("on_stet_fail", K::String, C::Value, "--on-stet-fail", "POLICY", "fail",
            "fail, retry_once or skip when stet fails", &L::onStetFail, &G::onStetFail),
        key("post_run_commands", K::CommaList, C::Value, "--post-run-commands", "CMDS",
            "[]", "commands run after a successful run (comma-separated, no shell)",
            &L::postRunCommands, &G::postRunCommands),
        key("post_run_timeout_sec", K::U64, C::Value, "--post-run-timeout-sec", "SECS",
            "(phase_timeout_sec)", "timeout per post-run command", &L::postRunTimeoutSec,
            &G::postRunTimeoutSec),
        key("normalize_plan", K::Bool, C::Switch, "--normalize", "", "false",
            "turn a non-canonical plan into canonical form through the agent",
            &L::normalizePlan, &G::normalizePlan),
        key("normalize_retry_count", K::U32, C::Value, "--normalize-retry-count", "N", "0",
            "extra normalisation attempts when the output does not parse",
            &L::normalizeRetryCount, &G::normalizeRetryCount),
        key("normalize_prompt_path", K::Path, C::None, "", "", "(built-in prompt)",
            "custom normalisation prompt template with {{DOC}}", &L::normalizePromptPath,
            &G::normalizePromptPath),
        key("validate_plan_text", K::Bool, C::Switch, "--validate-plan-text", "", "false",
            "re-run phase 1 once when its output is empty or too short", &L::validatePlanText,
            &G::validatePlanText),
        key("min_plan_text_len", K::U64, C::Value, "--min-plan-text-len", "BYTES", "(none)",
            "minimum plan text length in bytes when validating", &L::minPlanTextLen,
            &G::minPlanTextLen),
        key("run_summary_path", K::Path, C::Value, "--run-summary-path", "PATH",
            "(<state_dir>/run_summary.json)", "where to write the run summary JSON",
            &L::runSummaryPath, &G::runSummaryPath),
        key("max_consecutive_task_failures", K::U32, C::Value,
            "--max-consecutive-task-failures", "N", "(no cap)",
            "stop the run (exit 3) after this many consecutive task failures",
            &L::maxConsecutiveTaskFailures, &G::maxConsecutiveTaskFailures),
        key("commit_after_phase2", K::Bool, C::Switch, "--commit-after-phase2", "", "false",
            "git add -A and commit after phase 2 of each task", &L::commitAfterPhase2,
            &G::commitAfterPhase2),
        key("normalize_graph", K::Bool, C::Switch, "--graph", "", "false",
            "with normalize_plan, ask the agent for a graph plan: tasks that name what they wait for, (after 2, 4)",
            &L::normalizeGraph, &G::normalizeGraph),
        key("on_no_changes", K::String, C::Value, "--on-no-changes", "POLICY", "warn",
            "warn, fail, or retry (one more execute call) when a task's execute changed nothing "
            "(with commit_after_phase2)",
            &L::onNoChanges, &G::onNoChanges),
        // Beyond the reference (docs/parallel.md).
        key("isolation", K::String, C::Value, "--isolation", "MODE", "none",
            "none, or worktree: each task of a parallel block works in its own git worktree",
            &L::isolation, &G::isolation),
        key("worktree_root", K::Path, C::Value, "--worktree-root", "DIR", "(state_dir)/worktrees",
            "a directory for the worktrees of isolated tasks, in its peal-worktrees (shared for executor = slurm)",
            &L::worktreeRoot, &G::worktreeRoot),
        key("phases", K::CommaList, C::Value, "--phases", "NAMES", "plan, execute, address",
            "the per-task pipeline; a phase plugin is inserted by its id", &L::phases, &G::phases),
        key("agent_plugin", K::String, C::Value, "--agent-plugin", "ID", "cursor",
            "the agent plugin that builds the agent's command lines (see peal plugins)",
            &L::agentPlugin, &G::agentPlugin),
        key("reviewer_plugin", K::String, C::Value, "--reviewer-plugin", "ID", "stet",
            "the reviewer plugin of phases that need one, such as address (see peal plugins)",
            &L::reviewerPlugin, &G::reviewerPlugin),
        key("executor", K::String, C::Value, "--executor", "ID", "local",
            "where agent calls run: local, or an executor plugin such as slurm (docs/distributed.md)",
            &L::executor, &G::executor),
        key("plan_agent", K::String, C::Value, "--plan-agent", "ID", "(agent_plugin)",
            "the agent plugin of phase 1 and plan normalisation", &L::planAgent, &G::planAgent),
        key("execute_agent", K::String, C::Value, "--execute-agent", "ID", "(agent_plugin)",
            "the agent plugin of phase 2", &L::executeAgent, &G::executeAgent),
        key("review_agent", K::String, C::Value, "--review-agent", "ID", "(agent_plugin)",
            "the agent plugin of phase 3: addressing findings and their triage", &L::reviewAgent,
            &G::reviewAgent),
        key("plan_model", K::String, C::Value, "--plan-model", "MODEL", "(model)",
            "the model of phase 1 and plan normalisation", &L::planModel, &G::planModel),
        key("execute_model", K::String, C::Value, "--execute-model", "MODEL", "(model)",
            "the model of phase 2", &L::executeModel, &G::executeModel),
        key("review_model", K::String, C::Value, "--review-model", "MODEL", "(model)",
            "the model of phase 3", &L::reviewModel, &G::reviewModel),
        key("agent_fallback", K::CommaList, C::Value, "--agent-fallback", "IDS", "[]",
            "back-ends a call moves to, in order, when its own is limited for longer than rate_limit_max_wait_sec, "
            "refuses the account (auth, billing) or is overloaded fallback_after_overloads times in a row",
            &L::agentFallback, &G::agentFallback),
        key("plan_agent_fallback", K::CommaList, C::Value, "--plan-agent-fallback", "IDS", "(agent_fallback)",
            "the fallback back-ends of phase 1", &L::planAgentFallback, &G::planAgentFallback),
        key("execute_agent_fallback", K::CommaList, C::Value, "--execute-agent-fallback", "IDS", "(agent_fallback)",
            "the fallback back-ends of phase 2", &L::executeAgentFallback, &G::executeAgentFallback),
        key("review_agent_fallback", K::CommaList, C::Value, "--review-agent-fallback", "IDS", "(agent_fallback)",
            "the fallback back-ends of phase 3", &L::reviewAgentFallback, &G::reviewAgentFallback),
        key("fallback_after_overloads", K::U32, C::Value, "--fallback-after-overloads", "N", "3",
            "overloaded answers in a row of a back-end that move its calls to the next one (0: never)",
            &L::fallbackAfterOverloads, &G::fallbackAfterOverloads),
        key("allow_dirty", K::Bool, C::Switch, "--allow-dirty", "", "false",
            "with commit_after_phase2, run on a tree with changes peal did not make and leave "
            "them out of its commits", &L::allowDirty, &G::allowDirty),
        key("strict_plan", K::Bool, C::Switch, "--strict-plan", "", "false",
            "stop before anything runs when a plan heading looks like a task but is not one",
            &L::strictPlan, &G::strictPlan),
        // Unattended runs (docs/unattended.md).
        key("on_rate_limit", K::String, C::Value, "--on-rate-limit", "POLICY", "wait",
            "wait (then run the call again) or fail when an agent is rate limited or overloaded",
            &L::onRateLimit, &G::onRateLimit),
        key("rate_limit_max_wait_sec", K::U64, C::Value, "--rate-limit-max-wait-sec", "SECS", "3600",
            "the longest wait for one rate-limit event; a longer reset fails the call",
            &L::rateLimitMaxWaitSec, &G::rateLimitMaxWaitSec),
        key("rate_limit_backoff_sec", K::U64, C::Value, "--rate-limit-backoff-sec", "SECS", "30",
            "the first wait when no reset time was reported (doubles, with jitter)",
            &L::rateLimitBackoffSec, &G::rateLimitBackoffSec),
        key("rate_limit_patterns", K::CommaList, C::Value, "--rate-limit-patterns", "REGEXES", "[]",
            "extra regexes on a failed call's output that mean it was rate limited",
            &L::rateLimitPatterns, &G::rateLimitPatterns),
        key("agent_idle_timeout_sec", K::U64, C::Value, "--agent-idle-timeout-sec", "SECS", "0 (off)",
            "end an agent call that writes nothing for this long and run it once more",
            &L::agentIdleTimeoutSec, &G::agentIdleTimeoutSec),
        key("resume_sessions", K::Bool, C::Value, "--resume-sessions", "BOOL", "true",
            "a call retried after a stall, a timeout or a rate-limit wait continues the agent's conversation "
            "where its back-end can (true or false)",
            &L::resumeSessions, &G::resumeSessions),
        key("max_cost_usd", K::Money, C::Value, "--max-cost-usd", "USD", "(no limit)",
            "stop the run (exit 3) once its agent calls cost this much", &L::maxCostUsd, &G::maxCostUsd),
        key("max_tokens", K::U64, C::Value, "--max-tokens", "N", "(no limit)",
            "stop the run (exit 3) once its agent calls used this many tokens", &L::maxTokens, &G::maxTokens),
        key("task_max_cost_usd", K::Money, C::Value, "--task-max-cost-usd", "USD", "(no limit)",
            "the cost budget of each task", &L::taskMaxCostUsd, &G::taskMaxCostUsd),
        key("task_max_tokens", K::U64, C::Value, "--task-max-tokens", "N", "(no limit)",
            "the token budget of each task", &L::taskMaxTokens, &G::taskMaxTokens),
        key("review_patience", K::U32, C::Value, "--review-patience", "N", "0 (off)",
            "end the address loop after N rounds in a row that leave as many open findings",
            &L::reviewPatience, &G::reviewPatience),
        key("notify_commands", K::Commands, C::Value, "--notify-commands", "CMDS", "[]",
            "commands run on run events with a JSON object on stdin (no shell)",
            &L::notifyCommands, &G::notifyCommands),
        key("notify_on", K::CommaList, C::Value, "--notify-on", "EVENTS", "(all events)",
            "the events that run notify_commands", &L::notifyOn, &G::notifyOn));
}

template<typename F>
void forEachKey(F &&f)
{
    std::apply([&](const auto &...def) { (f(def), ...); }, keyTable());
}

QString envVarName(const char *key);

} // namespace Peal::Internal
