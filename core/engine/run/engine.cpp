// SPDX-License-Identifier: MIT
#include <peal/engine.h>

#include "task/builtinphases.h"
#include "run/dryrun.h"
#include "run/filesystems.h"
#include "git/gitexclude.h"
#include "run/planloader.h"
#include "run/postrun.h"
#include "recipe/recipe.h"
#include "review/review.h"
#include "run/runcontext.h"
#include "run/runvalidation.h"
#include "schedule/scheduler.h"

#include <peal/log.h>
#include <peal/sdk/phase.h>
#include <peal/pluginmanager.h>
#include <peal/sdk/executor.h>
#include <peal/sdk/reviewer.h>
#include <peal/summary.h>
#include <peal/textutil.h>
#include <peal/validation.h>

#include <QJsonArray>
#include <QSet>
#include <QRegularExpression>
#include <QTimer>

#include <cstdio>

namespace Peal {

using namespace Internal;

/*
 * The run is a recipe (recipe.h): one step per stage of spec §4.1, in the order below, then the
 * closing recipe (finish the review session, report, record what tasks left in the tree). A
 * stage fails the run by ending with an error; a dry run or a run with nothing to do ends the
 * recipe early with finishRecipe(). Cancel ends whatever stage runs; a second cancel also ends
 * the closing work, and the run finishes within kForcedExit whatever a plugin does.
 */
class Engine::Private
{
public:
    Private(Engine *engine, RunRequest r) : q(engine), request(std::move(r)) {}

    Step runRecipe();
    bool initLogging();
    void validate(const StepHandle &step);
    Result<void> loadAgent();
    // The agent plugin `id` (loaded, configured and resolved once) with `model`.
    Result<AgentHandle> agentHandle(const QString &id, const std::optional<QString> &model);
    // The plugin's configure() with its table; an error names the table and the file.
    Result<void> configure(const QString &id, Plugin &plugin);
    Result<void> loadPhases();
    // `<program> --version` of each back-end that names a tested version; a warning when it
    // differs in its major version. Never an error.
    Step checkAgentVersions();
    Result<void> lockState();
    Result<void> preflight();
    void inspectPlan(const StepHandle &step);
    bool taskIsAlreadyDone();
    // Loads the reviewer a phase needs and creates its session (not started yet); the
    // reviewer's state directories go to `reviewerDirs`.
    Result<void> chooseReviewer();
    Result<void> createReview(std::shared_ptr<ReviewerPlugin> plugin);
    // Keeps peal's and the reviewer's files out of git, then checks for the user's own
    // uncommitted changes (UserTree).
    Step protectWorkingTree();
    void startReview(const StepHandle &step);
    Result<void> logConfig();
    void readPlan(const StepHandle &step);
    Result<void> loadState();
    // Moves the state file that a fresh start replaces aside; the text that says where.
    Result<QString> keepReplacedState();
    void schedule(const StepHandle &step);
    QString describeSchedule();
    void printDryRun(const StepHandle &step, const QString &text); // the dry run's report on stdout, then exit 0
    void finishReview(std::function<void()> then);
    Result<void> report();
    void warnIssues(const RunOutcome &outcome);
    void afterRecipe(const Result<void> &result);
    void fail(const Error &error);
    void exit(int code);
    // The closing recipe, then finishExit(); `verdict` prints the run's last word and returns
    // the exit code.
    void closeRun(std::function<int()> verdict);
    void finishExit(int code);
    void notifyRunDone(int code);
    // `executor`: the plugin (none for local), and a warning for workspaces on node-local file
    // systems when it needs shared ones.
    Result<void> loadExecutor();
    // With an executor, a run first cancels the jobs that earlier runs of this state left (a
    // peal killed with -9), and waits for that, before it starts any of its own.
    void cancelStaleJobs(const StepHandle &step);
    // spend.json read, and a word when a cost budget meets a back-end that reports no cost.
    Result<void> loadSpend();
    void forceStop();
    Pipeline buildPipeline();
    Result<void> recordLastRun(int code);

    // The longest the closing work may take after a second SIGINT/SIGTERM (the command line's
    // watchdog steps in after 2.5 s should the event loop be blocked).
    static constexpr std::chrono::milliseconds kForcedExit{2000};

    Engine *q;
    RunRequest request;
    Logger logger;
    PluginManager plugins;
    std::unique_ptr<RunContext> run;
    std::unique_ptr<RunReview> review;
    bool reviewing = false; // the session started: phase 3 reviews (else `review` only finishes)
    bool reviewStarting = false;
    QStringList reviewerDirs; // the reviewer's state directories, kept out of git
    QHash<QString, AgentHandle> agentPlugins; // by id: loaded, configured, resolved
    std::function<void()> afterReviewStart; // the closing recipe waits for a start to end
    QHash<QString, std::shared_ptr<PhasePlugin>> phasePlugins; // plugin phases, by id
    QSet<QString> needReviewer; // phases whose manifest says they need a reviewer
    Pipeline pipeline;
    Scheduler *scheduler = nullptr;
    std::optional<RunOutcome> outcome;
    RecipeRunner recipe;
    RecipeRunner closing;
    bool closingStarted = false;
    int exitCode = 0;
    StateLock stateLock;
    bool locked = false;
    std::optional<ExitCode> cancelledWith;
    bool forced = false;
    bool exited = false;
    QString startedAt = SummaryFile::rfc3339(std::chrono::system_clock::now());
    QString lastError;
    QString reviewNote; // why phase 3 is off, for --dry-run
    std::optional<PlanDocument> planDocument; // read by inspectPlan(), parsed by readPlan()
    bool nothingDone = false; // --task N of a completed task: the run ends before it starts
};

Engine::Engine(RunRequest request, QObject *parent)
    : QObject(parent), d(std::make_unique<Private>(this, std::move(request)))
{
}

Engine::~Engine() = default;

void Engine::start()
{
    if (!d->initLogging())
        return;
    d->recipe.start(d->runRecipe(), [this](Result<void> result) { d->afterRecipe(result); });
}

Logger &Engine::logger()
{
    return d->logger;
}

void Engine::cancel(ExitCode exitCode)
{
    if (d->exited)
        return;
    if (d->cancelledWith)
        return d->forceStop();
    d->cancelledWith = exitCode;
    d->logger.warn(u"peal::main", QStringLiteral("interrupted; stopping running processes"));
    if (!d->run)
        return d->exit(toInt(exitCode));
    // Every stage ends at once as interrupted; afterRecipe() saves the state, finishes the
    // review session and exits with the signal's code.
    d->run->cancel();
    d->recipe.cancel();
}

void Engine::Private::forceStop()
{
    if (forced)
        return;
    forced = true;
    logger.warning(u"peal::main", QStringLiteral("interrupted again; stopping now without finishing the review session"));
    if (run) {
        run->cancel(); // also the clean-up processes
        run->sideCommands().killAll();
    }
    recipe.cancel();
    closing.cancel();
    // Whatever a plugin does with the event loop's time, the run ends now or very soon.
    QTimer::singleShot(kForcedExit, q, [this] { finishExit(toInt(*cancelledWith)); });
}

Step Engine::Private::runRecipe()
{
    // Spec §4.1 steps 3-18, in this order.
    return sequenceStep(QStringLiteral("run"), {
        leafStep(QStringLiteral("validate"), [this](const StepHandle &s) { validate(s); }),
        syncStep(QStringLiteral("load agent"), [this] { return loadAgent(); }),
        syncStep(QStringLiteral("load phases"), [this] { return loadPhases(); }),
        syncStep(QStringLiteral("load executor"), [this] { return loadExecutor(); }),
        deferredStep(QStringLiteral("check agent versions"), [this] { return checkAgentVersions(); }),
        syncStep(QStringLiteral("lock state"), [this] { return lockState(); }),
        leafStep(QStringLiteral("cancel stale jobs"), [this](const StepHandle &s) { cancelStaleJobs(s); }),
        syncStep(QStringLiteral("preflight"), [this] { return preflight(); }),
        leafStep(QStringLiteral("inspect plan"), [this](const StepHandle &s) { inspectPlan(s); }),
        syncStep(QStringLiteral("choose reviewer"), [this] { return chooseReviewer(); }),
        deferredStep(QStringLiteral("protect the work tree"), [this] { return protectWorkingTree(); }),
        leafStep(QStringLiteral("start review"), [this](const StepHandle &s) { startReview(s); }),
        syncStep(QStringLiteral("log config"), [this] { return logConfig(); }),
        leafStep(QStringLiteral("read plan"), [this](const StepHandle &s) { readPlan(s); }),
        syncStep(QStringLiteral("load state"), [this] { return loadState(); }),
        syncStep(QStringLiteral("load spend"), [this] { return loadSpend(); }),
        leafStep(QStringLiteral("schedule"), [this](const StepHandle &s) { schedule(s); }),
        // stet finish runs whether or not the scheduler succeeded (spec §4.1 step 12): a failed
        // stage reaches it through fail().
        leafStep(QStringLiteral("finish review"), [this](const StepHandle &s) { finishReview([s] { s.done(); }); }),
        deferredStep(QStringLiteral("post-run commands"), [this] { return postRunCommands(*run, q); }),
        syncStep(QStringLiteral("report"), [this] { return report(); }),
    });
}

void Engine::Private::afterRecipe(const Result<void> &result)
{
    if (cancelledWith) {
        if (!scheduler)
            return exit(toInt(*cancelledWith));
        // Tasks that were running are not completed; those that finished were saved already.
        run->outcomes().save(QStringLiteral("interruption"));
        return closeRun([this] {
            logger.fatal(u"peal::main",
                         QStringLiteral("interrupted by %1; the state is saved in %2; run the same command "
                                        "again to resume")
                             .arg(*cancelledWith == ExitCode::Terminated ? QStringLiteral("SIGTERM")
                                                                         : QStringLiteral("SIGINT"),
                                  StateStore::stateFilePath(run->config().stateDir)));
            return toInt(*cancelledWith);
        });
    }
    if (!result)
        return fail(result.error());
    exit(exitCode);
}

void Engine::Private::exit(int code)
{
    closeRun([code] { return code; });
}

void Engine::Private::fail(const Error &error)
{
    // Unlike the reference, a review session that was started (or may have been, by a start
    // that was killed) is always finished.
    closeRun([this, error] {
        if (cancelledWith)
            return toInt(*cancelledWith);
        logger.fatal(u"peal::main", error.toDisplayString());
        lastError = error.toDisplayString();
        return toInt(error.kind() == Error::Kind::CapReached ? ExitCode::CapReached : ExitCode::Failure);
    });
}

void Engine::Private::closeRun(std::function<int()> verdict)
{
    if (closingStarted)
        return;
    closingStarted = true;
    exitCode = cancelledWith ? toInt(*cancelledWith) : toInt(ExitCode::Failure);
    const Step steps = sequenceStep(QStringLiteral("close"), {
        leafStep(QStringLiteral("finish review"), [this](const StepHandle &s) { finishReview([s] { s.done(); }); }),
        syncStep(QStringLiteral("verdict"), [this, verdict] {
            exitCode = verdict();
            return Result<void>();
        }),
        // The edits that tasks leave uncommitted are recorded, so that the next run tells them
        // from the user's (UserTree); after a cancel these few git calls still run.
        deferredStep(QStringLiteral("record leftovers"), [this] {
            if (!run || !locked)
                return emptyStep(QStringLiteral("record leftovers"));
            if (run->isCancelled())
                run->reopenForCleanup();
            return run->userTree().recordLeftovers(*run, q);
        }),
        // An interrupted run cancels every job it handed an executor (finishExit waits for it).
        syncStep(QStringLiteral("cancel executor jobs"), [this] {
            if (run && cancelledWith && !forced && run->usedExecutor())
                run->cancelExecutorJobs({run->executorRunTag()});
            return Result<void>();
        }),
    });
    closing.start(steps, [this](Result<void>) { finishExit(exitCode); });
}

void Engine::Private::finishExit(int code)
{
    if (exited)
        return;
    exited = true;
    if (auto recorded = recordLastRun(code); !recorded) {
        // Output that cannot be written is a failure, not a warning; a run that already failed
        // keeps its own code.
        logger.fatal(u"peal::state", recorded.error().toDisplayString());
        if (code == toInt(ExitCode::Success) || code == toInt(ExitCode::Issues))
            code = toInt(ExitCode::Failure);
    }
    const auto emitFinished = [this, code] {
        QMetaObject::invokeMethod(q, [this, code] { Q_EMIT q->finished(code); }, Qt::QueuedConnection);
    };
    if (!run || !locked || nothingDone || request.dryRun || forced)
        return emitFinished();
    notifyRunDone(code);
    // The notify commands get their 10 s, executor clean-up its own; a second Ctrl-C ends them
    // (forceStop).
    run->sideCommands().whenIdle(emitFinished);
}

void Engine::Private::notifyRunDone(int code)
{
    const QString ending = cancelledWith                                ? QStringLiteral("interrupted")
                            : code == toInt(ExitCode::Success)           ? QStringLiteral("success")
                            : code == toInt(ExitCode::Issues)            ? QStringLiteral("issues")
                            : code == toInt(ExitCode::CapReached)        ? QStringLiteral("cap_reached")
                                                                         : QStringLiteral("failed");
    QJsonArray failed;
    for (quint32 index : run->outcomes().failedTasks())
        failed.append(qint64(index));
    QJsonObject fields{{QStringLiteral("exit_code"), code},
                       {QStringLiteral("outcome"), ending},
                       {QStringLiteral("failed_tasks"), failed}};
    if (!lastError.isEmpty())
        fields.insert(QStringLiteral("reason"), lastError);
    if (const QJsonObject usage = run->outcomes().usageJson(); !usage.isEmpty())
        fields.insert(QStringLiteral("totals"), usage);
    QJsonObject paths{{QStringLiteral("last_run"), LastRunFile::path(run->config().stateDir)}};
    if (ending == u"success" || ending == u"issues")
        paths.insert(QStringLiteral("summary"), SummaryFile::path(run->config()));
    if (run->config().logFile)
        paths.insert(QStringLiteral("log_file"), *run->config().logFile);
    fields.insert(QStringLiteral("paths"), paths);
    const QString message = lastError.isEmpty() ? QStringLiteral("peal run %1 (exit %2)").arg(ending).arg(code)
                                                : QStringLiteral("peal run %1 (exit %2): %3").arg(ending).arg(code).arg(lastError);
    run->notifier().send(QStringLiteral("run_done"), message, fields);
}

void Engine::Private::finishReview(std::function<void()> then)
{
    if (reviewStarting) {
        afterReviewStart = [this, then] { finishReview(then); };
        return;
    }
    if (!review || review->isFinished() || request.dryRun)
        return then();
    if (run->isCancelled())
        run->reopenForCleanup();
    review->finish(std::move(then));
}

bool Engine::Private::initLogging()
{
    const Config &config = request.config;
    if (request.pealLog && !request.pealLog->trimmed().isEmpty()) {
        // Checked like every setting: a typo must not silently log at the default level.
        if (auto valid = LogFilter::validate(*request.pealLog, QStringLiteral("PEAL_LOG")); !valid) {
            std::fprintf(stderr, "error: %s\n", qPrintable(valid.error().toDisplayString()));
            exit(toInt(ExitCode::Failure));
            return false;
        }
    }
    // --quiet wins over log_level and PEAL_LOG: stderr keeps only the "warning:" and "error:"
    // lines a person must see; the log file still gets every event.
    logger.setFilter(request.quiet || !request.logLines ? LogFilter::parse(u"off")
                                                        : LogFilter::effective(request.pealLog, config.logLevel));
    if (config.logFile) {
        if (auto opened = logger.openFile(*config.logFile); !opened) {
            // The log is not there to carry this one: print it directly.
            std::fprintf(stderr, "error: %s\n", qPrintable(opened.error().toDisplayString()));
            exit(toInt(ExitCode::Failure));
            return false;
        }
    }
    run = std::make_unique<RunContext>(config, logger, q);
    run->setProgressSink([this](const ProgressEvent &event) {
        Q_EMIT q->progress(event);
    });
    return true;
}

void Engine::Private::validate(const StepHandle &step)
{
    validateRun(*run, q, [step](Result<void> valid) { step.done(valid); });
}

Result<void> Engine::Private::lockState()
{
    // Taken after the agent and the phases are known (their errors come first, as in the
    // reference) and before anything runs. A dry run reads the state directory but never
    // writes it, so it needs no lock.
    if (request.dryRun)
        return {};
    // Two runs on one state directory would overwrite each other's state.json.
    if (auto acquired = stateLock.acquire(run->config().stateDir); !acquired)
        return acquired.error();
    locked = true;
    if (request.logToStateDir && !run->config().logFile) {
        // The terminal view shows events; the log lines go here.
        const QString path = StateStore::pathIn(run->config().stateDir, QStringLiteral("peal.log"));
        if (auto opened = logger.openFile(path); !opened)
            logger.warning(u"peal::main", opened.error().toDisplayString());
    }
    return {};
}

Result<void> Engine::Private::preflight()
{
    // Where the run's results go must be writable before any agent time is spent.
    const QString summary = SummaryFile::path(run->config());
    if (auto writable = SummaryFile::checkWritable(summary); !writable) {
        if (!request.dryRun)
            return writable.error();
        logger.warning(u"peal::main", QStringLiteral("a run would fail: ") + writable.error().toDisplayString());
    }
    return {};
}

void Engine::Private::inspectPlan(const StepHandle &step)
{
    // Read once, here, before anything runs: its notices are warned about (and stop a strict
    // run) first. A plan that cannot be read is reported where the reference reads it (spec
    // §4.1 step 9), after the review session started.
    auto document = PlanParser::readDocument(run->config().planPath);
    if (document) {
        if (document->canonical) {
            if (auto reported = reportNotices(*run, run->config().planPath, document->notices); !reported)
                return step.done(reported.error());
        }
        planDocument = std::move(document).value();
    }
    if (taskIsAlreadyDone()) {
        exitCode = toInt(ExitCode::Success);
        return step.finishRecipe();
    }
    step.done();
}

bool Engine::Private::taskIsAlreadyDone()
{
    // `--task N` on a completed task: said so, and nothing starts (no review session, no
    // post-run commands, no summary). Decided only where the run itself would skip the task.
    const Config &c = run->config();
    if (!request.task || request.redo || !planDocument || !planDocument->canonical
        || !planDocument->plan.taskByIndex(*request.task))
        return false;
    auto loaded = StateStore::load(c.stateDir);
    if (!loaded || !loaded->state || !loaded->state->matchesContext(c.planPath, c.repoPath)
        || !loaded->state->isTaskCompleted(*request.task))
        return false;
    nothingDone = true;
    logger.warning(u"peal::state", QStringLiteral("task %1 is already completed (%2); nothing to do. Run 'peal run "
                                                  "--redo %1' to run it again")
                                       .arg(*request.task)
                                       .arg(StateStore::stateFilePath(c.stateDir)));
    return true;
}

Result<void> Engine::Private::configure(const QString &id, Plugin &plugin)
{
    const Config &c = run->config();
    PluginConfig settings;
    settings.id = id;
    settings.options = ConfigLoader::pluginOptions(c, id);
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

Result<AgentHandle> Engine::Private::agentHandle(const QString &id, const std::optional<QString> &model)
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
        if (auto configured = configure(id, *agent.plugin); !configured)
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
        agentPlugins.insert(id, agent);
    }
    agent.settings.model = model;
    return agent;
}

Step Engine::Private::checkAgentVersions()
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
        checks << processStep(*run, q, spec.label, [spec] { return spec; },
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

Result<void> Engine::Private::loadAgent()
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
    return {};
}

namespace {

bool isBuiltinPhase(const QString &name)
{
    return name == u"plan" || name == u"execute";
}

} // namespace

Result<void> Engine::Private::loadPhases()
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
    used += c.phases;
    for (auto it = c.pluginOptions.cbegin(); it != c.pluginOptions.cend(); ++it) {
        if (!used.contains(it.key()))
            logger.warn(u"peal::main",
                        QStringLiteral("config table [plugins.%1] is not used: no plugin '%1' takes part in this run")
                            .arg(it.key()));
    }
    return {};
}

Result<void> Engine::Private::chooseReviewer()
{
    const Config &c = run->config();
    if (needReviewer.isEmpty()) {
        if (!c.phases.contains(QStringLiteral("address"))) {
            reviewNote = QStringLiteral("off: address is not in phases");
            logger.info(u"peal::stet", QStringLiteral("phase 3 (address) is not in phases; no review"));
        } else {
            reviewNote = QStringLiteral("off: no phase needs a reviewer");
        }
        return {};
    }
    // Removing the reviewer plugin only matters to runs that ask for a review explicitly.
    const QString id = c.reviewerPlugin;
    const QString chosenBy = c.originOf(QStringLiteral("reviewer_plugin")); // empty: the default
    auto plugin = plugins.load(id, PluginRole::Reviewer);
    if (!plugin) {
        if (!c.stetCommands.isEmpty() || c.stetPath || !chosenBy.isEmpty())
            return plugin.error();
        reviewNote = QStringLiteral("off: the reviewer plugin is unavailable");
        logger.warn(u"peal::stet", QStringLiteral("reviewer plugin unavailable; phase 3 will be skipped"),
                    {{QStringLiteral("err"), plugin.error().message()}});
        return {};
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
    if (readiness.program.isEmpty())
        reviewNote = QStringLiteral("off: %1 not found").arg(id);
    // A reviewer the user chose by name must be there; stet found nowhere only skips phase 3
    // (spec §8.1).
    if (readiness.program.isEmpty() && !chosenBy.isEmpty())
        return Error(Error::Kind::Plugin, QStringLiteral("reviewer '%1' (set by %2) cannot run").arg(id, chosenBy),
                     readiness.warning);
    if (!readiness.ready)
        return {};
    return createReview(reviewer);
}

Result<void> Engine::Private::createReview(std::shared_ptr<ReviewerPlugin> plugin)
{
    const Config &c = run->config();
    std::unique_ptr<ReviewSession> session;
    bool seesUncommitted = true;
    if (auto created = callGuarded(QStringLiteral("reviewer plugin (session)"), [&] {
            session = plugin->createSession();
            reviewerDirs = plugin->repositoryStateDirectories();
            seesUncommitted = !session || session->seesUncommittedChanges();
        });
        !created)
        return created.error();
    if (!session)
        return Error(Error::Kind::Plugin, QStringLiteral("reviewer plugin '%1' created no session").arg(c.reviewerPlugin));
    review = std::make_unique<RunReview>(*run, q, plugin, std::move(session));
    if (!c.commitAfterPhase2 && !seesUncommitted)
        logger.warning(u"peal::stet",
                       QStringLiteral("reviews will see no change: stet reviews committed changes only and "
                                      "commit_after_phase2 is off (turn it on with --commit-after-phase2, or review "
                                      "with stet_commands that look at the work tree)"));
    if (request.dryRun)
        reviewing = true; // described, never started
    return {};
}

void Engine::Private::startReview(const StepHandle &step)
{
    if (!review || request.dryRun)
        return step.done();
    // Not dropped when the step is cancelled: a start that was killed may have left a session,
    // which the closing recipe finishes once the start has ended.
    reviewStarting = true;
    review->start([this, step](Result<bool> active) {
        reviewStarting = false;
        reviewing = active && *active;
        // A session that did not start is not finished either, unless a start that was killed
        // (timeout, Ctrl-C) may have left one: then it is finished, never used.
        if (!reviewing && !review->session().needsFinish())
            review.reset();
        if (auto then = std::exchange(afterReviewStart, nullptr))
            then();
        if (!active)
            return step.done(active.error());
        step.done();
    });
}

Step Engine::Private::protectWorkingTree()
{
    // Neither the reviewer's state nor ours may be committed or make the tree look dirty;
    // then the user's own uncommitted changes are found before anything runs.
    Step check = run->userTree().check(*run, q, reviewerDirs, request.dryRun);
    if (request.dryRun)
        return check;
    return sequenceStep(QStringLiteral("protect the work tree"),
                        {excludeFromGit(*run, q, reviewerDirs, {run->config().stateDir}), check});
}

Result<void> Engine::Private::logConfig()
{
    const Config &c = run->config();
    logger.info(u"peal::main", QStringLiteral("config loaded"),
                {{QStringLiteral("plan"), c.planPath},
                 {QStringLiteral("repo"), c.repoPath},
                 {QStringLiteral("agent_cmd"), c.agentCmd},
                 {QStringLiteral("agent_path"), run->agent().settings.program},
                 {QStringLiteral("model"), c.model.value_or(QStringLiteral("auto"))},
                 {QStringLiteral("parallel"), c.parallel},
                 {QStringLiteral("timeout_sec"), c.phaseTimeoutSec}});
    return {};
}

void Engine::Private::readPlan(const StepHandle &step)
{
    // A plan that needs normalising has no tasks until the agent answers.
    if (request.dryRun && planDocument && !planDocument->canonical && run->config().normalizePlan)
        return printDryRun(step, describeNormalization(*run));
    loadPlan(*run, q, request.task, request.fromTask, std::exchange(planDocument, std::nullopt),
             [this, step](Result<Plan> plan) {
                 if (!plan)
                     return step.done(plan.error());
                 run->plan() = std::move(plan).value();
                 step.done();
             });
}

Result<void> Engine::Private::loadState()
{
    const Config &c = run->config();
    auto loaded = StateStore::load(c.stateDir);
    if (!loaded)
        return loaded.error();
    if (loaded->isInvalid()) {
        auto kept = keepReplacedState();
        if (!kept)
            return kept.error();
        logger.warning(u"peal::state", loaded->invalidWarning(c.stateDir) + QStringLiteral("; starting fresh") + *kept);
    } else if (loaded->state && !loaded->state->matchesContext(c.planPath, c.repoPath)) {
        auto kept = keepReplacedState();
        if (!kept)
            return kept.error();
        logger.warning(u"peal::state",
                       QStringLiteral("state file does not match current plan/repo paths; starting fresh "
                                      "(recorded: plan %1, repo %2; current: plan %3, repo %4)%5")
                           .arg(loaded->state->planPath(), loaded->state->repoPath(), c.planPath, c.repoPath,
                                *kept));
    } else if (loaded->state) {
        run->state() = *loaded->state;
        logger.info(u"peal::state", QStringLiteral("resumed from existing state"),
                    {{QStringLiteral("completed"), run->state().completedTaskIndices().size()}});
    }
    if (request.redo && run->state().isTaskCompleted(*request.task)) {
        // Saved at once, under the lock: the task is to be done again whatever happens next.
        logger.info(u"peal::state", QStringLiteral("task marked not completed, to run again"),
                    {{QStringLiteral("task_index"), *request.task}});
        if (request.dryRun)
            run->state().markTaskIncomplete(*request.task);
        else if (auto saved = run->outcomes().reopened(*request.task); !saved)
            return saved.error();
    }
    const QList<quint32> &done = run->state().completedTaskIndices();
    if (!done.isEmpty()) {
        QVariant firstIncomplete;
        for (const Task &t : run->plan().tasks) {
            if (!run->state().isTaskCompleted(t.index)) {
                firstIncomplete = t.index;
                break;
            }
        }
        logger.info(u"peal::state", QStringLiteral("resume: previously completed tasks"),
                    {{QStringLiteral("completed"), Text::debugList(done)},
                     {QStringLiteral("first_incomplete"), firstIncomplete}});
    }
    return {};
}

Result<void> Engine::Private::loadExecutor()
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

void Engine::Private::cancelStaleJobs(const StepHandle &step)
{
    if (request.dryRun || run->executorId().isEmpty())
        return step.done();
    // The state is locked: no other run of it is alive, so whatever its runs left is stale.
    logger.info(u"peal::main", QStringLiteral("executor jobs are tagged"),
                {{QStringLiteral("state_tag"), run->executorStateTag()}, {QStringLiteral("run_tag"), run->executorRunTag()}});
    run->cancelExecutorJobs({run->executorStateTag()});
    run->sideCommands().whenIdle([step] { step.done(); });
}

Result<void> Engine::Private::loadSpend()
{
    const Config &c = run->config();
    if (request.dryRun)
        return {};
    QString warning;
    if (auto loaded = run->outcomes().loadSpend(&warning); !loaded)
        return loaded.error();
    if (!warning.isEmpty())
        logger.warning(u"peal::state", warning);
    if (!c.maxCostUsd && !c.taskMaxCostUsd)
        return {};
    QStringList silent;
    for (AgentMode mode : {AgentMode::Plan, AgentMode::Execute, AgentMode::Address}) {
        const AgentHandle &agent = run->agentFor(mode);
        if (!agent.reportsCost(mode) && !silent.contains(agent.pluginId))
            silent.append(agent.pluginId);
    }
    if (!silent.isEmpty())
        logger.warning(u"peal::main",
                       QStringLiteral("%1 is set, but the %2 back-end reports no cost: its calls count only against "
                                      "max_tokens and task_max_tokens")
                           .arg(c.maxCostUsd ? QStringLiteral("max_cost_usd") : QStringLiteral("task_max_cost_usd"),
                                silent.join(QStringLiteral(", "))));
    return {};
}

Result<QString> Engine::Private::keepReplacedState()
{
    // A fresh start never destroys the old file: it is moved aside first (a dry run only says
    // where it would go).
    const QString stateDir = run->config().stateDir;
    if (request.dryRun)
        return QStringLiteral("; a run would move it aside to state.json.<time>.bak");
    auto kept = StateStore::setAside(stateDir);
    if (!kept)
        return kept.error();
    return QString(QStringLiteral("; the old file is kept as ") + *kept);
}

Pipeline Engine::Private::buildPipeline()
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
            if (!plugin || (needReviewer.contains(name) && !(review && reviewing)))
                continue;
            def.create = [plugin] { return plugin->createRun(); };
            def.plugin = plugin;
        }
        p.append(def);
    }
    return p;
}

QString Engine::Private::describeSchedule()
{
    pipeline = buildPipeline();
    const std::optional<ReviewOutline> outline = review ? std::optional(review->session().outline()) : std::nullopt;
    return describeRun(*run, pipeline, outline ? &*outline : nullptr, reviewNote);
}

void Engine::Private::printDryRun(const StepHandle &step, const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stdout);
    std::fflush(stdout);
    exitCode = toInt(ExitCode::Success);
    step.finishRecipe();
}

void Engine::Private::schedule(const StepHandle &step)
{
    if (request.dryRun)
        return printDryRun(step, describeSchedule());
    run->setReview(reviewing ? review.get() : nullptr);
    pipeline = buildPipeline();
    scheduler = new Scheduler(*run, pipeline, q);
    ProgressEvent started;
    started.kind = ProgressEvent::Kind::RunStarted;
    started.taskCount = int(run->plan().tasks.size());
    run->notify(started);
    step.onCancel([this] { scheduler->cancel(); });
    scheduler->start([this, step](Result<RunOutcome> result) {
        ProgressEvent finished;
        finished.kind = ProgressEvent::Kind::RunFinished;
        finished.ok = result.ok();
        run->notify(finished);
        if (!result)
            return step.done(result.error());
        outcome = *result;
        step.done();
    });
}


Result<void> Engine::Private::recordLastRun(int code)
{
    // Only a run that held the state directory may write into it; one that did nothing leaves
    // the record of the last run that did something.
    if (!locked || nothingDone)
        return {};
    return run->outcomes().writeLastRun({startedAt, code, cancelledWith.has_value(), lastError});
}

void Engine::Private::warnIssues(const RunOutcome &done)
{
    // Why the run exits 2, in one line that --quiet keeps.
    QStringList why;
    if (!done.failedTaskIndices.isEmpty())
        why << QStringLiteral("failed: task %1").arg(Text::joinIndices(done.failedTaskIndices));
    QList<quint32> findings;
    for (const TaskResult &r : done.results) {
        if (r.review && !r.review->resolved)
            findings.append(r.index);
    }
    if (!findings.isEmpty())
        why << QStringLiteral("findings left: task %1").arg(Text::joinIndices(findings));
    logger.warning(u"peal::main", QStringLiteral("finished with issues (exit 2): ") + why.join(QStringLiteral("; ")));
}

Result<void> Engine::Private::report()
{
    const RunOutcome &done = *outcome;
    for (const TaskResult &r : done.results) {
        logger.info(u"peal::main", QStringLiteral("task complete"),
                    {{QStringLiteral("task_index"), r.index},
                     {QStringLiteral("plan_text_len"), Text::utf8Length(r.planText)},
                     {QStringLiteral("phase2_stdout_len"), Text::utf8Length(r.executeOutput)},
                     {QStringLiteral("phase3_rounds"), r.review ? QVariant(r.review->rounds) : QVariant()},
                     {QStringLiteral("phase3_resolved"), r.review ? QVariant(r.review->resolved) : QVariant()}});
    }
    const int code = TaskOutcomes::exitCodeOf(done);
    if (code != toInt(ExitCode::Success))
        warnIssues(done);
    // A summary that scripts cannot read is a failed run (the reference only warns).
    auto path = run->outcomes().writeSummary(done, code);
    if (!path)
        return path.error();
    logger.info(u"peal::main", QStringLiteral("run summary written"),
                {{QStringLiteral("path"), *path}, {QStringLiteral("exit_code"), code}});
    exitCode = code;
    return {};
}

} // namespace Peal
