// SPDX-License-Identifier: MIT
#include <peal/engine.h>

#include "builtinphases.h"
#include "gitexclude.h"
#include "planloader.h"
#include "postrun.h"
#include "review.h"
#include "runcontext.h"
#include "scheduler.h"

#include <peal/log.h>
#include <peal/phase.h>
#include <peal/pluginmanager.h>
#include <peal/reviewer.h>
#include <peal/summary.h>
#include <peal/textutil.h>
#include <peal/validation.h>

#include <cstdio>

namespace Peal {

using namespace Internal;

class Engine::Private
{
public:
    Private(Engine *engine, RunRequest r) : q(engine), request(std::move(r)) {}

    void initLogging();
    void validate();
    void lockState();
    void loadAgent();
    void setUpReview();
    void startReview(std::shared_ptr<ReviewerPlugin> plugin, const std::optional<QString> &stetPath);
    void protectWorkingTree(const QStringList &reviewerDirs, std::function<void()> then);
    void logConfig();
    void finishReview(std::function<void()> then);
    void readPlan();
    void loadState();
    void runScheduler();
    void afterScheduler(const Result<RunOutcome> &result);
    void report(const RunOutcome &outcome);
    void fail(const Error &error);
    void exit(int code);
    Pipeline buildPipeline();

    Engine *q;
    RunRequest request;
    Logger logger;
    PluginManager plugins;
    std::unique_ptr<RunContext> run;
    std::unique_ptr<RunReview> review;
    bool reviewing = false; // the session started: phase 3 reviews (else `review` only finishes)
    std::shared_ptr<PhasePlugin> addressPlugin;
    Pipeline pipeline;
    Scheduler *scheduler = nullptr;
    StateLock stateLock;
    std::optional<ExitCode> cancelledWith;
    bool exited = false;
};

Engine::Engine(RunRequest request, QObject *parent)
    : QObject(parent), d(std::make_unique<Private>(this, std::move(request)))
{
}

Engine::~Engine() = default;

void Engine::start()
{
    d->initLogging();
}

void Engine::cancel(ExitCode exitCode)
{
    if (d->exited || d->cancelledWith)
        return;
    d->cancelledWith = exitCode;
    d->logger.warn(u"peal::main", QStringLiteral("interrupted; stopping running processes"));
    // Every step of the run ends in fail() or afterScheduler(), which see the cancel, save the
    // state, finish the review session and exit with the signal's code.
    if (d->run)
        d->run->cancel();
    else
        d->exit(toInt(exitCode));
}

void Engine::Private::exit(int code)
{
    if (exited)
        return;
    exited = true;
    QMetaObject::invokeMethod(q, [this, code] { Q_EMIT q->finished(code); }, Qt::QueuedConnection);
}

void Engine::Private::fail(const Error &error)
{
    // Unlike the reference, a review session that was started (or may have been, by a start
    // that was killed) is always finished.
    finishReview([this, error] {
        if (cancelledWith)
            return exit(toInt(*cancelledWith));
        logger.fatal(u"peal::main", error.toDisplayString());
        exit(toInt(error.kind() == Error::Kind::CapReached ? ExitCode::CapReached : ExitCode::Failure));
    });
}

void Engine::Private::finishReview(std::function<void()> then)
{
    if (!review || review->isFinished())
        return then();
    if (run->isCancelled())
        run->reopenForCleanup();
    review->finish(std::move(then));
}

void Engine::Private::initLogging()
{
    const Config &config = request.config;
    logger.setFilter(LogFilter::effective(request.pealLog, config.logLevel));
    if (config.logFile) {
        if (auto opened = logger.openFile(*config.logFile); !opened) {
            // The log is not there to carry this one: print it directly.
            std::fprintf(stderr, "error: %s\n", qPrintable(opened.error().toDisplayString()));
            return exit(toInt(ExitCode::Failure));
        }
    }
    run = std::make_unique<RunContext>(config, logger, q);
    validate();
}

void Engine::Private::validate()
{
    validateConfig(run->config(), q, [this](Result<void> valid) {
        if (!valid)
            return fail(valid.error());
        lockState();
    });
}

void Engine::Private::lockState()
{
    // Two runs on one state directory would overwrite each other's state.json.
    if (auto locked = stateLock.acquire(run->config().stateDir); !locked)
        return fail(locked.error());
    loadAgent();
}

void Engine::Private::loadAgent()
{
    plugins.discover(PluginManager::defaultSearchPath(request.pluginDirs));
    auto plugin = plugins.load(request.agentPlugin, PluginRole::Agent);
    if (!plugin)
        return fail(plugin.error());
    AgentHandle &agent = run->agent();
    agent.plugin = pluginCast<AgentPlugin>(*plugin);
    agent.pluginId = request.agentPlugin;
    Result<QString> program = Error();
    try {
        program = agent.plugin->resolveProgram(run->config().agentCmd, request.pathVariable);
    } catch (...) {
        program = Error(Error::Kind::Plugin, QStringLiteral("agent plugin '%1' failed to resolve '%2'")
                                                 .arg(request.agentPlugin, run->config().agentCmd));
    }
    if (!program)
        return fail(program.error());
    const Config &c = run->config();
    agent.settings.program = *program;
    agent.settings.workspace = c.repoPath;
    agent.settings.model = c.model;
    agent.settings.sandbox = c.sandbox;
    agent.settings.timeout = run->timeout();
    setUpReview();
}

void Engine::Private::setUpReview()
{
    const Config &c = run->config();
    // Removing the reviewer plugin only matters to runs that ask for a review explicitly.
    auto plugin = plugins.load(QStringLiteral("stet"), PluginRole::Reviewer);
    if (!plugin) {
        if (!c.stetCommands.isEmpty() || c.stetPath)
            return fail(plugin.error());
        logger.warn(u"peal::stet", QStringLiteral("reviewer plugin unavailable; phase 3 will be skipped"),
                    {{QStringLiteral("err"), plugin.error().message()}});
        return protectWorkingTree({}, [this] { logConfig(); });
    }
    auto reviewer = pluginCast<ReviewerPlugin>(*plugin);
    QString warning;
    std::optional<QString> stetPath;
    const bool resolved = guardPlugin(QStringLiteral("reviewer plugin (resolve)"),
                                      [&] { stetPath = reviewer->resolve(c.stetPath, request.pathVariable, &warning); },
                                      [this](const Error &e) { fail(e); });
    if (!resolved)
        return;
    if (!warning.isEmpty())
        logger.warn(u"peal::stet", warning, {{QStringLiteral("stet_path"), c.stetPath.value_or(QString())}});
    if (stetPath)
        logger.info(u"peal::stet", QStringLiteral("stet found, phase 3 enabled"),
                    {{QStringLiteral("stet_path"), *stetPath}});
    else
        logger.info(u"peal::stet", QStringLiteral("stet not found, phase 3 will be skipped"));
    if (c.stetCommands.isEmpty() && !stetPath)
        return protectWorkingTree({}, [this] { logConfig(); });
    startReview(reviewer, stetPath);
}

void Engine::Private::startReview(std::shared_ptr<ReviewerPlugin> plugin, const std::optional<QString> &stetPath)
{
    const Config &c = run->config();
    auto address = plugins.load(QStringLiteral("address"), PluginRole::Phase);
    if (!address)
        return fail(address.error());
    addressPlugin = pluginCast<PhasePlugin>(*address);

    ReviewerSettings settings;
    settings.program = stetPath.value_or(QString());
    settings.repo = c.repoPath;
    settings.timeout = run->timeout();
    settings.startRef = c.stetStartRef;
    settings.startExtraArgs = c.stetStartExtraArgs;
    settings.runExtraArgs = c.stetRunExtraArgs;
    settings.customCommands = c.stetCommands;
    settings.onFail = c.onStetFail;
    std::unique_ptr<ReviewSession> session;
    QStringList stateDirs;
    if (!guardPlugin(QStringLiteral("reviewer plugin (session)"),
                     [&] {
                         session = plugin->createSession(settings);
                         stateDirs = plugin->repositoryStateDirectories();
                     },
                     [this](const Error &e) { fail(e); }))
        return;
    if (!session)
        return fail(Error(Error::Kind::Plugin, QStringLiteral("reviewer plugin 'stet' created no session")));
    review = std::make_unique<RunReview>(*run, q, plugin, std::move(session));
    protectWorkingTree(stateDirs, [this] {
        review->start([this](Result<bool> active) {
            reviewing = active && *active;
            // A session that did not start is not finished either, unless a start that was
            // killed (timeout, Ctrl-C) may have left one: then it is finished, never used.
            if (!reviewing && !review->session().needsFinish())
                review.reset();
            if (!active)
                return fail(active.error());
            logConfig();
        });
    });
}

void Engine::Private::protectWorkingTree(const QStringList &reviewerDirs, std::function<void()> then)
{
    // Neither the reviewer's state nor ours may be committed or make the tree look dirty.
    excludeFromGit(*run, q, reviewerDirs, {run->config().stateDir}, std::move(then));
}

void Engine::Private::logConfig()
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
    readPlan();
}

void Engine::Private::readPlan()
{
    loadPlan(*run, q, request.task, request.fromTask, [this](Result<Plan> plan) {
        if (!plan)
            return fail(plan.error());
        run->plan() = std::move(plan).value();
        loadState();
    });
}

void Engine::Private::loadState()
{
    const Config &c = run->config();
    auto loaded = StateStore::load(c.stateDir);
    if (!loaded)
        return fail(loaded.error());
    if (!loaded->warning.isEmpty()) {
        std::fprintf(stderr, "warning: %s\n", qPrintable(loaded->warning));
        logger.warn(u"peal::state", QStringLiteral("ignoring invalid state file"),
                    {{QStringLiteral("detail"), loaded->warning}});
    }
    if (loaded->state) {
        if (loaded->state->matchesContext(c.planPath, c.repoPath)) {
            run->state() = *loaded->state;
            logger.info(u"peal::state", QStringLiteral("resumed from existing state"),
                        {{QStringLiteral("completed"), run->state().completedTaskIndices().size()}});
        } else {
            std::fprintf(stderr,
                         "warning: state file does not match current plan/repo paths; starting fresh\n");
            logger.info(u"peal::state",
                        QStringLiteral("state file does not match current plan/repo paths; starting fresh"));
        }
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
    runScheduler();
}

Pipeline Engine::Private::buildPipeline()
{
    Pipeline p;
    p.append(PhaseDef{QStringLiteral("plan"), &createPlanPhase, true, {}});
    p.append(PhaseDef{QStringLiteral("execute"), &createExecutePhase, true, {}});
    if (review && reviewing && addressPlugin) {
        std::shared_ptr<PhasePlugin> address = addressPlugin;
        p.append(PhaseDef{QStringLiteral("address"), [address] { return address->createRun(); }, false, {}});
    }
    return p;
}

void Engine::Private::runScheduler()
{
    if (cancelledWith)
        return finishReview([this] { exit(toInt(*cancelledWith)); });
    run->setReview(reviewing ? review.get() : nullptr);
    pipeline = buildPipeline();
    scheduler = new Scheduler(*run, pipeline, q);
    scheduler->start([this](Result<RunOutcome> result) { afterScheduler(result); });
}

void Engine::Private::afterScheduler(const Result<RunOutcome> &result)
{
    if (cancelledWith) {
        run->saveStateBestEffort(QStringLiteral("interruption"));
        return finishReview([this] {
            logger.fatal(u"peal::main",
                         QStringLiteral("interrupted by %1; the state is saved in %2; run the same command "
                                        "again to resume")
                             .arg(*cancelledWith == ExitCode::Terminated ? QStringLiteral("SIGTERM")
                                                                         : QStringLiteral("SIGINT"),
                                  StateStore::stateFilePath(run->config().stateDir)));
            exit(toInt(*cancelledWith));
        });
    }
    // stet finish runs whether or not the scheduler succeeded (spec §4.1 step 12).
    finishReview([this, result] {
        if (!result)
            return fail(result.error());
        runPostRunCommands(*run, q, [this, outcome = *result] { report(outcome); });
    });
}

void Engine::Private::report(const RunOutcome &outcome)
{
    bool unresolved = false;
    for (const TaskResult &r : outcome.results) {
        logger.info(u"peal::main", QStringLiteral("task complete"),
                    {{QStringLiteral("task_index"), r.index},
                     {QStringLiteral("plan_text_len"), Text::utf8Length(r.planText)},
                     {QStringLiteral("phase2_stdout_len"), Text::utf8Length(r.executeOutput)},
                     {QStringLiteral("phase3_rounds"), r.review ? QVariant(r.review->roundsUsed) : QVariant()},
                     {QStringLiteral("phase3_resolved"), r.review ? QVariant(r.review->findingsResolved) : QVariant()}});
        unresolved = unresolved || (r.review && !r.review->findingsResolved);
    }
    const bool hasIssues = !outcome.failedTaskIndices.isEmpty() || unresolved;
    const int code = toInt(hasIssues ? ExitCode::Issues : ExitCode::Success);

    const Config &c = run->config();
    RunSummary summary;
    for (const TaskResult &r : outcome.results) {
        if (r.review && !r.review->findingsResolved)
            summary.tasksWithRemainingFindings.append(r.index);
        else if (!outcome.failedTaskIndices.contains(r.index))
            summary.tasksCompleted.append(r.index);
    }
    summary.tasksFailed = outcome.failedTaskIndices;
    summary.exitCode = code;
    summary.planPath = c.planPath;
    summary.repoPath = c.repoPath;
    summary.completedAt = SummaryFile::rfc3339(std::chrono::system_clock::now());
    const QString path = SummaryFile::path(c);
    if (auto written = SummaryFile::write(path, summary); !written)
        logger.warn(u"peal::main", written.error().message(),
                    {{QStringLiteral("path"), path}, {QStringLiteral("err"), written.error().hint()}});
    else
        logger.info(u"peal::main", QStringLiteral("run summary written"),
                    {{QStringLiteral("path"), path}, {QStringLiteral("exit_code"), code}});
    exit(code);
}

} // namespace Peal
