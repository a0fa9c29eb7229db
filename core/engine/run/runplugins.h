// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/recipe.h"
#include "review/review.h"
#include "run/runcontext.h"
#include "task/taskresult.h"

#include <peal/engine.h>
#include <peal/pluginmanager.h>

#include <QHash>
#include <QSet>

#include <memory>

namespace Peal::Internal {

/*
 * The plugins of one run, loaded before anything runs so that a missing or misconfigured one
 * costs no agent time (spec §4.1 steps 3-5): the agent back-ends (agent_plugin and the per-role
 * ones), the phase plugins of `phases`, the executor and the reviewer a phase needs. Each is
 * configured once with its own table; every call into plugin code is guarded. The pipeline of
 * a task is built from them.
 */
class RunPlugins
{
public:
    // `context` owns the processes a step starts (the version checks).
    RunPlugins(RunContext &run, const RunRequest &request, QObject *context);

    // agent_plugin, plan_agent, execute_agent, review_agent and their models, into `run`.
    Result<void> loadAgent();
    Result<void> loadPhases();
    // `executor`: the plugin (none for local), and a warning for workspaces on node-local file
    // systems when it needs shared ones.
    Result<void> loadExecutor();
    // `<program> --version` of each back-end that names a tested version; a warning when it
    // differs in its major version. Never an error.
    Step checkAgentVersions();

    // The review a phase needs, with its session created (not started yet), or none and why.
    struct ChosenReviewer
    {
        std::unique_ptr<RunReview> review;
        QStringList stateDirectories; // the reviewer's directories inside the repository
        QString note;                 // why phase 3 is off, for --dry-run
    };
    Result<ChosenReviewer> chooseReviewer();

    // The phases of `phases` in order; a phase that needs a reviewer is left out unless
    // `reviewing` (spec §8.1).
    // The `warning:` line of a run that expected a review and has no reviewer.
    void warnNoReview(const QString &why);
    Pipeline buildPipeline(bool reviewing) const;

private:
    // The agent plugin `id` (loaded, configured and resolved once) with `model` (unset: the
    // model of its [plugins.<id>] table).
    Result<AgentHandle> agentHandle(const QString &id, const std::optional<QString> &model);
    // `model` of the [plugins.<id>] table of an agent, checked.
    Result<std::optional<QString>> agentModelOf(const QString &id) const;
    // The fallback chains of the three roles (agent_fallback, plan_agent_fallback, ...).
    Result<void> loadFallbacks();
    // The plugin's configure() with its table (an agent's without the core's `model` key); an
    // error names the table and the file.
    Result<void> configure(const QString &id, Plugin &plugin, bool agent = false);
    Result<ChosenReviewer> createReview(std::shared_ptr<ReviewerPlugin> plugin, const QString &note);

    RunContext *run;
    const RunRequest &request;
    Logger &logger;
    QObject *m_context;
    PluginManager plugins;
    QHash<QString, AgentHandle> agentPlugins;                  // by id: loaded, configured, resolved
    QHash<QString, std::shared_ptr<PhasePlugin>> phasePlugins; // plugin phases, by id
    QSet<QString> needReviewer; // phases whose manifest says they need a reviewer
};

} // namespace Peal::Internal
