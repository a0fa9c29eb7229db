// SPDX-License-Identifier: MIT
#include "run/engineprivate.h"

#include "git/gitexclude.h"
#include "run/dryrun.h"
#include "run/planloader.h"
#include "run/postrun.h"
#include "run/runvalidation.h"

#include <peal/callrecordfiles.h>
#include <peal/sdk/reviewer.h>
#include <peal/textutil.h>

#include <QTimer>

#include <cstdio>

namespace Peal {

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
    if (d->stage == Private::Stage::Exited)
        return;
    if (d->interrupted())
        return d->forceStop();
    d->interruption = Private::Interruption::Stopping;
    d->interruptedWith = exitCode;
    d->logger.warn(u"peal::main", QStringLiteral("interrupted; stopping running processes"));
    if (!d->run)
        return d->exit(toInt(exitCode));
    // The closing work goes on (its processes end); a second interrupt stops it (forceStop).
    if (d->stage == Private::Stage::Closing)
        return d->run->cancel();
    // One cancel path: the runner ends every step at once as interrupted and, through the run,
    // every process; afterRecipe() saves the state, finishes the review session and exits
    // with the signal's code.
    d->recipe.cancel();
}

void Engine::Private::forceStop()
{
    if (interruption == Interruption::Forced)
        return;
    interruption = Interruption::Forced;
    logger.warning(u"peal::main", QStringLiteral("interrupted again; stopping now without finishing the review session"));
    if (run)
        run->sideCommands().killAll();
    recipe.cancel(); // the closing recipe now, its clean-up processes with it
    // Whatever a plugin does with the event loop's time, the run ends now or very soon.
    QTimer::singleShot(kForcedExit, q, [this] { finishExit(toInt(interruptedWith)); });
}

Step Engine::Private::runRecipe()
{
    // Spec §4.1 steps 3-18, in this order.
    return sequenceStep(QStringLiteral("run"), {
        deferredStep(QStringLiteral("validate"), [this] { return validateStep(*run, q); }),
        syncStep(QStringLiteral("load agent"), [this] { return runPlugins->loadAgent(); }),
        syncStep(QStringLiteral("load phases"), [this] { return runPlugins->loadPhases(); }),
        syncStep(QStringLiteral("load executor"), [this] { return runPlugins->loadExecutor(); }),
        deferredStep(QStringLiteral("check agent versions"), [this] { return runPlugins->checkAgentVersions(); }),
        syncStep(QStringLiteral("lock state"), [this] { return lockState(); }),
        syncStep(QStringLiteral("open the journal"), [this] { return openJournal(); }),
        leafStep(QStringLiteral("cancel stale jobs"), [this](const StepHandle &s) { cancelStaleJobs(s); }),
        leafStep(QStringLiteral("executor allocation"), [this](const StepHandle &s) {
            if (request.dryRun)
                return s.done();
            run->makeAllocation(s, q);
        }),
        syncStep(QStringLiteral("preflight"), [this] { return preflight(); }),
        leafStep(QStringLiteral("inspect plan"), [this](const StepHandle &s) { inspectPlan(s); }),
        syncStep(QStringLiteral("choose reviewer"), [this] { return chooseReviewer(); }),
        deferredStep(QStringLiteral("protect the work tree"), [this] { return protectWorkingTree(); }),
        leafStep(QStringLiteral("start review"), [this](const StepHandle &s) { startReview(s); }),
        syncStep(QStringLiteral("log config"), [this] { return logConfig(); }),
        deferredStep(QStringLiteral("read plan"), [this] { return readPlan(); }),
        syncStep(QStringLiteral("load state"), [this] { return loadState(); }),
        syncStep(QStringLiteral("load spend"), [this] { return loadSpend(); }),
        leafStep(QStringLiteral("schedule"), [this](const StepHandle &s) { schedule(s); }),
        // stet finish runs whether or not the scheduler succeeded (spec §4.1 step 12): a failed
        // stage reaches it through fail().
        leafStep(QStringLiteral("finish review"), [this](const StepHandle &s) { finishReview(s); }),
        deferredStep(QStringLiteral("post-run commands"), [this] { return postRunCommands(*run, q); }),
        syncStep(QStringLiteral("report"), [this] { return report(); }),
    });
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
    run->records().setRunId(runId);
    run->setProgressSink([this](const ProgressEvent &event) {
        Q_EMIT q->progress(event);
    });
    if (request.launcher)
        run->setLauncher(request.launcher);
    runPlugins = std::make_unique<RunPlugins>(*run, request, q);
    // The runner's cancel is the run's: what the run started ends with its steps.
    QObject::connect(&recipe, &RecipeRunner::cancelled, run.get(), [this] { run->cancel(); });
    return true;
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
    // A task whose review an earlier run left owed is not done.
    if (auto ledger = TaskLedger::load(c.stateDir); !ledger || ledger->owesPhases(*request.task))
        return false;
    nothingToDo = true;
    logger.warning(u"peal::state", QStringLiteral("task %1 is already completed (%2); nothing to do. Run 'peal run "
                                                  "--redo %1' to run it again")
                                       .arg(*request.task)
                                       .arg(StateStore::stateFilePath(c.stateDir)));
    return true;
}

Result<void> Engine::Private::chooseReviewer()
{
    auto chosen = runPlugins->chooseReviewer();
    if (!chosen)
        return chosen.error();
    review = std::move(chosen->review);
    reviewerDirs = chosen->stateDirectories;
    reviewNote = chosen->note;
    return {};
}

void Engine::Private::startReview(const StepHandle &step)
{
    if (!review || request.dryRun)
        return step.done();
    // A start that was killed may have left a session, which the closing recipe finishes once
    // the start has ended (RunReview).
    review->start(step, [step](Result<bool> active) {
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

Step Engine::Private::readPlan()
{
    // A plan that needs normalising has no tasks until the agent answers.
    if (request.dryRun && planDocument && !planDocument->canonical && run->config().normalizePlan)
        return leafStep(QStringLiteral("describe the normalisation"),
                        [this](const StepHandle &step) { printDryRun(step, describeNormalization(*run)); });
    return readPlanStep(*run, q, request.task, request.fromTask, std::exchange(planDocument, std::nullopt));
}

Result<void> Engine::Private::openJournal()
{
    if (request.dryRun)
        return {};
    // Best effort: the journal is for watching a run, not for running it.
    if (auto opened = run->journal().open(RunJournal::path(run->config().stateDir, runId)); !opened)
        logger.warn(u"peal::main", QStringLiteral("cannot keep the run's journal"),
                    {{QStringLiteral("err"), opened.error().toDisplayString()}});
    return {};
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
    if (auto ledger = run->outcomes().loadLedger(); !ledger)
        return ledger.error();
    if (auto context = request.dryRun ? Result<void>() : run->outcomes().ledgerFor(c.planPath, c.repoPath); !context)
        return context.error();
    if (request.redo && !request.dryRun)
        CallRecordFiles::startFresh(c.stateDir, *request.task); // no earlier conversation of it is continued
    if (request.redo && (run->state().isTaskCompleted(*request.task) || run->outcomes().ledger().entry(*request.task))) {
        // Saved at once, under the lock: the task is to be done again whatever happens next.
        logger.info(u"peal::state", QStringLiteral("task marked not completed, to run again from its first phase"),
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
            if (!run->outcomes().isDone(t.index)) {
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

QString Engine::Private::describeSchedule()
{
    // A dry run describes the review it would start.
    pipeline = runPlugins->buildPipeline(review != nullptr);
    const std::optional<ReviewOutline> outline = review ? review->outline() : std::nullopt;
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
    const bool reviewing = review && review->isReviewing();
    run->setReview(reviewing ? review.get() : nullptr);
    pipeline = runPlugins->buildPipeline(reviewing);
    scheduler = new Scheduler(*run, pipeline, q);
    ProgressEvent started;
    started.kind = ProgressEvent::Kind::RunStarted;
    started.taskCount = int(run->plan().tasks.size());
    for (const Task &t : run->plan().tasks)
        started.alreadyDone += run->outcomes().isDone(t.index) ? 1 : 0;
    if (started.alreadyDone == started.taskCount && started.taskCount > 0)
        logger.info(u"peal::runner", QStringLiteral("nothing to do: every task of the plan is done"),
                    {{QStringLiteral("task_count"), started.taskCount}});
    run->journalPlan();
    run->notify(started);
    step.run(scheduler->step([this, step](Result<RunOutcome> result) {
        ProgressEvent finished;
        finished.kind = ProgressEvent::Kind::RunFinished;
        finished.ok = result.ok();
        run->notify(finished);
        if (!result)
            return step.done(result.error());
        outcome = *result;
        step.done();
    }),
             [](Result<void>) {});
}


} // namespace Peal
