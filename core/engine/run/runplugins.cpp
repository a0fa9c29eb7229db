// SPDX-License-Identifier: MIT
#include "run/runplugins.h"

#include "recipe/processstep.h"
#include "run/filesystems.h"
#include "task/builtinphases.h"
#include <peal/sdk/result.h>

#include <peal/log.h>
#include <peal/sdk/executor.h>
#include <peal/sdk/phase.h>
#include <peal/sdk/reviewer.h>
#include <peal/textutil.h>

#include <QRegularExpression>

#include <array>
#include <tuple>

namespace Peal::Internal {

namespace {

bool isBuiltinPhase(const QString &name)
{
    return name == u"plan" || name == u"execute";
}

} // namespace

RunPlugins::RunPlugins(RunContext &r, const RunRequest &req, QObject *context)
    : run(&r), request(req), logger(r.logger()), m_context(context)
{
}

Result<void> RunPlugins::configure(const QString &id, Plugin &plugin, bool agent)
{
    const Config &c = run->config();
    PluginConfig settings;
    settings.id = id;
    settings.options = ConfigLoader::pluginOptions(c, id);
    if (agent)
        settings.options.remove(QStringLiteral("model")); // the core's key (agentModelOf)
    settings.repoPath = run->phaseSettings().repoPath;
    settings.phaseTimeout = run->phaseSettings().phaseTimeout;
    settings.commitAfterPhase2 = run->phaseSettings().commitAfterPhase2;
    settings.pathVariable = request.pathVariable;
    Result<void> configured;
    if (auto called = callGuarded(QStringLiteral("plugin '%1' (configure)").arg(id),
                                  [&] { configured = plugin.configure(settings); });
        !called)
        return called.error();
    if (configured)
        return {};
    const QString file = c.originOf(QStringLiteral("plugins.") + id);
    QStringList hint;
    if (!configured.error().hint().isEmpty())
        hint << configured.error().hint();
    hint << (file.isEmpty() ? QStringLiteral("the configuration has no [plugins.%1] table").arg(id)
                            : QStringLiteral("in ") + file);
    return Error(Error::Kind::Config, QStringLiteral("[plugins.%1] %2").arg(id, configured.error().message()),
                 hint.join(QStringLiteral("; ")));
}

Result<AgentHandle> RunPlugins::agentHandle(const QString &id, const std::optional<QString> &model)
{
    const Config &c = run->config();
    AgentHandle agent;
    if (auto loaded = agentPlugins.constFind(id); loaded != agentPlugins.cend()) {
        agent = *loaded;
    } else {
        auto plugin = plugins.load(id, PluginRole::Agent);
        if (!plugin)
            return plugin.error();
        agent.plugin = pluginCast<AgentPlugin>(*plugin);
        agent.pluginId = id;
        auto tableModel = agentModelOf(id);
        if (!tableModel)
            return tableModel.error();
        agent.tableModel = *tableModel;
        if (auto configured = configure(id, *agent.plugin, true); !configured)
            return configured.error();
        // agent_cmd names the program of agent_plugin; at its default ("agent", Cursor's), and
        // for the other back-ends, each runs its own program ("claude").
        QString command = id == c.agentPlugin ? c.agentCmd : QStringLiteral("agent");
        Result<QString> program = Error();
        if (auto called = callGuarded(QStringLiteral("agent plugin '%1' (resolve)").arg(id), [&] {
                if (command == u"agent")
                    command = agent.plugin->defaultCommand();
                program = agent.plugin->resolveProgram(command, request.pathVariable);
            });
            !called)
            program = called.error();
        if (!program && !request.dryRun)
            return program.error();
        if (!program) {
            // A dry run shows the commands a run would start, installed or not.
            logger.warning(u"peal::main", QStringLiteral("a run would stop here: ") + program.error().toDisplayString());
            program = command;
        }
        agent.settings.program = *program;
        agent.settings.workspace = c.repoPath;
        agent.settings.sandbox = c.sandbox;
        agent.settings.timeout = run->timeout();
        agent.settings.options = c.pluginOptions.value(id);
        agent.settings.options.remove(QStringLiteral("model"));
        agentPlugins.insert(id, agent);
    }
    agent.settings.model = model ? model : agent.tableModel;
    return agent;
}

Result<std::optional<QString>> RunPlugins::agentModelOf(const QString &id) const
{
    // [plugins.<id>] model: the back-end's own model (as a fallback, or when no model key names
    // one); read by the core, never passed to the plugin.
    const QJsonValue model = run->config().pluginOptions.value(id).value(QStringLiteral("model"));
    if (model.isUndefined())
        return std::optional<QString>();
    if (!model.isString() || model.toString().isEmpty())
        return Error(Error::Kind::Config, QStringLiteral("[plugins.%1] model must be a model name (a string)").arg(id),
                     QStringLiteral("in ") + run->config().originOf(QStringLiteral("plugins.") + id));
    return std::optional<QString>(model.toString());
}

Step RunPlugins::checkAgentVersions()
{
    QList<Step> checks;
    if (request.dryRun)
        return emptyStep(QStringLiteral("no version check"));
    for (const AgentHandle &agent : std::as_const(agentPlugins)) {
        QString tested;
        (void)callGuarded(QStringLiteral("agent plugin '%1' (tested version)").arg(agent.pluginId),
                          [&] { tested = agent.plugin->testedVersion(); });
        if (tested.isEmpty())
            continue;
        ProcessSpec spec;
        spec.program = agent.settings.program;
        spec.arguments = {QStringLiteral("--version")};
        spec.stdinMode = ProcessSpec::Stdin::Null;
        spec.timeout = std::chrono::seconds(30);
        spec.label = agent.pluginId + QStringLiteral(" --version");
        checks << processStep(*run, m_context, spec.label, [spec] { return spec; },
                              [this, id = agent.pluginId, program = spec.program, tested](const ProcessResult &r) {
                                  static const QRegularExpression version(QStringLiteral("(\\d+)\\.(\\d+)\\.(\\d+)"));
                                  const auto found = version.match(QString(r.stdoutText + u' ' + r.stderrText));
                                  const auto want = version.match(tested);
                                  if (!r.success() || !found.hasMatch()) {
                                      logger.warning(u"peal::main", QStringLiteral("cannot tell the version of %1 (%2 --version: %3); "
                                                                                   "peal is tested with %4")
                                                                        .arg(id, program,
                                                                             r.failedToStart() ? r.errorString
                                                                                               : Text::firstLine(QString(r.stderrText + r.stdoutText)),
                                                                             tested));
                                      return Result<void>();
                                  }
                                  // Before 1.0 a minor version may change the output as a major one does.
                                  const int part = want.captured(1) == u"0" ? 2 : 1;
                                  if (found.captured(1) != want.captured(1) || (part == 2 && found.captured(2) != want.captured(2)))
                                      logger.warning(u"peal::main", QStringLiteral("%1 is version %2, peal is tested with %3: its output "
                                                                                   "may differ (docs/agents.md)")
                                                                        .arg(program, found.captured(0), tested));
                                  else
                                      logger.info(u"peal::main", QStringLiteral("agent CLI version"),
                                                  {{QStringLiteral("agent"), id}, {QStringLiteral("version"), found.captured(0)}});
                                  return Result<void>();
                              });
    }
    return sequenceStep(QStringLiteral("agent versions"), checks);
}

Result<void> RunPlugins::loadAgent()
{
    plugins.discover(PluginManager::defaultSearchPath(request.pluginDirs));
    const Config &c = run->config();
    auto agent = agentHandle(c.agentPlugin, c.model);
    if (!agent)
        return agent.error();
    run->agent() = *agent;
    // plan_agent, execute_agent, review_agent and their models: another back-end or model
    // for one role; unset, the role uses agent_plugin and model.
    using Role = RunContext::AgentRole;
    const std::array<std::tuple<Role, const std::optional<QString> *, const std::optional<QString> *, const char *>, 3> roles{
        {{Role::Plan, &c.planAgent, &c.planModel, "plan_agent"},
         {Role::Execute, &c.executeAgent, &c.executeModel, "execute_agent"},
         {Role::Review, &c.reviewAgent, &c.reviewModel, "review_agent"}}};
    for (const auto &[role, id, model, key] : roles) {
        if (!*id && !*model)
            continue;
        auto own = agentHandle(id->value_or(c.agentPlugin), *model ? *model : c.model);
        if (!own)
            return Error(own.error().kind(),
                         QStringLiteral("%1 (set by %2): %3").arg(QLatin1String(key), c.originOf(QLatin1String(key)),
                                                                  own.error().message()),
                         own.error().hint());
        run->setRoleAgent(role, *own);
    }
    return loadFallbacks();
}

Result<void> RunPlugins::loadFallbacks()
{
    // agent_fallback, or a role's own list: the back-ends its calls move to, each with the
    // model of its [plugins.<id>] table; the role's own back-end is left out of its chain.
    const Config &c = run->config();
    using Role = RunContext::AgentRole;
    const std::array<std::tuple<Role, AgentMode, const std::optional<QStringList> *, const char *>, 3> roles{
        {{Role::Plan, AgentMode::Plan, &c.planAgentFallback, "plan_agent_fallback"},
         {Role::Execute, AgentMode::Execute, &c.executeAgentFallback, "execute_agent_fallback"},
         {Role::Review, AgentMode::Address, &c.reviewAgentFallback, "review_agent_fallback"}}};
    for (const auto &[role, mode, own, ownKey] : roles) {
        const QLatin1String key(*own ? ownKey : "agent_fallback");
        const QString primary = run->agentFor(mode).pluginId;
        QList<AgentHandle> chain;
        QStringList seen{primary};
        for (const QString &id : own->value_or(c.agentFallback)) {
            if (seen.contains(id))
                continue;
            seen << id;
            auto handle = agentHandle(id, std::nullopt);
            if (!handle)
                return Error(handle.error().kind(),
                             QStringLiteral("%1 (set by %2): %3").arg(key, c.originOf(key), handle.error().message()),
                             handle.error().hint());
            chain << *handle;
        }
        run->setFallbacks(role, chain);
    }
    return {};
}

Result<void> RunPlugins::loadPhases()
{
    // Phase plugins are loaded before anything runs, so a missing one costs no agent time; what
    // their manifests say they need decides whether the run starts a review session.
    const Config &c = run->config();
    for (const QString &name : c.phases) {
        if (isBuiltinPhase(name) || phasePlugins.contains(name))
            continue;
        auto plugin = plugins.load(name, PluginRole::Phase);
        if (!plugin)
            return Error(Error::Kind::Plugin,
                         QStringLiteral("phase '%1' (set by %2) cannot be used: %3")
                             .arg(name, c.originOf(QStringLiteral("phases")), plugin.error().message()),
                         plugin.error().hint());
        if (auto configured = configure(name, **plugin); !configured)
            return configured.error();
        phasePlugins.insert(name, pluginCast<PhasePlugin>(*plugin));
        if (const PluginSpec *spec = plugins.find(name); spec && spec->manifest.needsReviewer)
            needReviewer.insert(name);
    }
    QStringList used{c.agentPlugin, c.reviewerPlugin, c.executor};
    for (const std::optional<QString> *role : {&c.planAgent, &c.executeAgent, &c.reviewAgent}) {
        if (*role)
            used << **role;
    }
    used += c.agentFallback;
    for (const std::optional<QStringList> *chain : {&c.planAgentFallback, &c.executeAgentFallback, &c.reviewAgentFallback})
        used += chain->value_or(QStringList());
    used += c.phases;
    for (auto it = c.pluginOptions.cbegin(); it != c.pluginOptions.cend(); ++it) {
        if (!used.contains(it.key()))
            logger.warn(u"peal::main",
                        QStringLiteral("config table [plugins.%1] is not used: no plugin '%1' takes part in this run")
                            .arg(it.key()));
    }
    return {};
}

Result<RunPlugins::ChosenReviewer> RunPlugins::chooseReviewer()
{
    const Config &c = run->config();
    if (needReviewer.isEmpty()) {
        if (!c.phases.contains(QStringLiteral("address"))) {
            logger.info(u"peal::stet", QStringLiteral("phase 3 (address) is not in phases; no review"));
            return ChosenReviewer{nullptr, {}, QStringLiteral("off: address is not in phases")};
        }
        return ChosenReviewer{nullptr, {}, QStringLiteral("off: no phase needs a reviewer")};
    }
    // Removing the reviewer plugin only matters to runs that ask for a review explicitly.
    const QString id = c.reviewerPlugin;
    const QString chosenBy = c.originOf(QStringLiteral("reviewer_plugin")); // empty: the default
    if (id == u"none") {
        logger.info(u"peal::stet", QStringLiteral("reviews are off (reviewer_plugin = none, set by %1)").arg(chosenBy));
        return ChosenReviewer{nullptr, {}, QStringLiteral("off: reviewer_plugin = none (set by %1)").arg(chosenBy)};
    }
    auto plugin = plugins.load(id, PluginRole::Reviewer);
    if (!plugin) {
        if (!c.stetCommands.isEmpty() || c.stetPath || !chosenBy.isEmpty())
            return plugin.error();
        logger.warn(u"peal::stet", QStringLiteral("reviewer plugin unavailable; phase 3 will be skipped"),
                    {{QStringLiteral("err"), plugin.error().message()}});
        warnNoReview(QStringLiteral("the reviewer plugin '%1' cannot be loaded (%2)").arg(id, plugin.error().message()));
        return ChosenReviewer{nullptr, {}, QStringLiteral("off: the reviewer plugin is unavailable")};
    }
    auto reviewer = pluginCast<ReviewerPlugin>(*plugin);
    if (auto configured = configure(id, *reviewer); !configured)
        return configured.error();
    ReviewerReadiness readiness;
    if (auto asked = callGuarded(QStringLiteral("reviewer plugin '%1' (readiness)").arg(id),
                                 [&] { readiness = reviewer->readiness(); });
        !asked)
        return asked.error();
    if (!readiness.warning.isEmpty())
        logger.warn(u"peal::stet", readiness.warning, {{QStringLiteral("stet_path"), c.stetPath.value_or(QString())}});
    if (!readiness.program.isEmpty())
        logger.info(u"peal::stet", QStringLiteral("%1 found, phase 3 enabled").arg(id),
                    {{QStringLiteral("stet_path"), readiness.program}});
    else
        logger.info(u"peal::stet", QStringLiteral("%1 not found, phase 3 will be skipped").arg(id));
    const QString note = readiness.program.isEmpty() ? QStringLiteral("off: %1 not found").arg(id) : QString();
    // A reviewer the user chose by name must be there; stet found nowhere only skips phase 3
    // (spec §8.1).
    if (readiness.program.isEmpty() && !chosenBy.isEmpty())
        return Error(Error::Kind::Plugin, QStringLiteral("reviewer '%1' (set by %2) cannot run").arg(id, chosenBy),
                     readiness.warning);
    if (!readiness.ready) {
        warnNoReview(readiness.warning.isEmpty() ? QStringLiteral("%1 was not found on PATH").arg(id)
                                                 : readiness.warning);
        return ChosenReviewer{nullptr, {}, note};
    }
    return createReview(reviewer, note);
}

void RunPlugins::warnNoReview(const QString &why)
{
    // A review that vanishes quietly is a run nobody checked: said on every output.
    logger.warning(u"peal::stet",
                   QStringLiteral("no review: %1; tasks will not be reviewed. Install stet or set --stet-path, choose "
                                  "another reviewer with --reviewer-plugin, or pass --no-review to run without reviews "
                                  "on purpose")
                       .arg(why));
}

Result<RunPlugins::ChosenReviewer> RunPlugins::createReview(std::shared_ptr<ReviewerPlugin> plugin, const QString &note)
{
    const Config &c = run->config();
    ChosenReviewer chosen{nullptr, {}, note};
    std::unique_ptr<ReviewSession> session;
    bool seesUncommitted = true;
    if (auto created = callGuarded(QStringLiteral("reviewer plugin (session)"), [&] {
            session = plugin->createSession();
            chosen.stateDirectories = plugin->repositoryStateDirectories();
            seesUncommitted = !session || session->seesUncommittedChanges();
        });
        !created)
        return created.error();
    if (!session)
        return Error(Error::Kind::Plugin, QStringLiteral("reviewer plugin '%1' created no session").arg(c.reviewerPlugin));
    chosen.review = std::make_unique<RunReview>(*run, m_context, plugin, std::move(session));
    if (!c.commitAfterPhase2 && !seesUncommitted)
        logger.warning(u"peal::stet",
                       QStringLiteral("reviews will see no change: stet reviews committed changes only and "
                                      "commit_after_phase2 is off (turn it on with --commit-after-phase2, or review "
                                      "with stet_commands that look at the work tree)"));
    return chosen;
}

Result<void> RunPlugins::loadExecutor()
{
    const Config &c = run->config();
    if (c.executor == u"local")
        return {};
    auto plugin = plugins.load(c.executor, PluginRole::Executor);
    if (!plugin)
        return Error(Error::Kind::Plugin,
                     QStringLiteral("executor '%1' (set by %2) cannot be used: %3")
                         .arg(c.executor, c.originOf(QStringLiteral("executor")), plugin.error().message()),
                     plugin.error().hint());
    if (auto configured = configure(c.executor, **plugin); !configured)
        return configured.error();
    auto executor = pluginCast<ExecutorPlugin>(*plugin);
    bool shared = true;
    (void)callGuarded(QStringLiteral("executor plugin '%1'").arg(c.executor), [&] { shared = executor->needsSharedFileSystem(); });
    if (shared) {
        QStringList paths{c.repoPath};
        if (c.isolation == u"worktree")
            paths << (c.worktreeRoot ? *c.worktreeRoot : StateStore::directory(c.stateDir));
        for (const QString &path : std::as_const(paths)) {
            if (const QString type = FileSystems::nodeLocalType(path); !type.isEmpty())
                logger.warning(u"peal::main", QStringLiteral("%1 is on a node-local file system (%2): agents that the %3 executor "
                                                             "runs on other nodes cannot see it; put it on a shared file system "
                                                             "(docs/distributed.md)")
                                                  .arg(path, type, c.executor));
        }
    }
    run->setExecutor(std::move(executor), c.executor);
    logger.info(u"peal::main", QStringLiteral("agent calls run through an executor"), {{QStringLiteral("executor"), c.executor}});
    return {};
}

Pipeline RunPlugins::buildPipeline(bool reviewing) const
{
    // The phases up to "execute" are the concurrent part of a parallel block; the rest run
    // after the block's commit, one task at a time.
    const Config &c = run->config();
    const qsizetype execute = c.phases.indexOf(QStringLiteral("execute"));
    Pipeline p;
    for (qsizetype i = 0; i < c.phases.size(); ++i) {
        const QString &name = c.phases[i];
        PhaseDef def{name, {}, i <= execute, ConfigLoader::pluginOptions(c, name), nullptr};
        if (name == u"plan") {
            def.create = [&c] { return createPlanPhase(c); };
        } else if (name == u"execute") {
            def.create = [&c] { return createExecutePhase(c); };
        } else {
            // A phase that needs a reviewer (address) is skipped when the run has none (spec §8.1).
            std::shared_ptr<PhasePlugin> plugin = phasePlugins.value(name);
            if (!plugin || (needReviewer.contains(name) && !reviewing))
                continue;
            def.create = [plugin] { return plugin->createRun(); };
            def.plugin = plugin;
        }
        p.append(def);
    }
    return p;
}

} // namespace Peal::Internal
