// SPDX-License-Identifier: MIT
#pragma once

// The engine's private part, shared by engine.cpp (the run's stages) and closing.cpp (how a
// run ends: the closing recipe, the verdict, the records and the notification).

#include <peal/engine.h>

#include "recipe/recipe.h"
#include "review/review.h"
#include "run/runcontext.h"
#include "run/runplugins.h"
#include "schedule/scheduler.h"

#include <peal/log.h>
#include <peal/plan.h>
#include <peal/state.h>
#include <peal/summary.h>

#include <QCoreApplication>
#include <QDateTime>

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
    Result<void> lockState();
    Result<void> preflight();
    void inspectPlan(const StepHandle &step);
    bool taskIsAlreadyDone();
    // The reviewer a phase needs, its session created (not started yet); the reviewer's state
    // directories go to `reviewerDirs`.
    Result<void> chooseReviewer();
    // Keeps peal's and the reviewer's files out of git, then checks for the user's own
    // uncommitted changes (UserTree).
    Step protectWorkingTree();
    void startReview(const StepHandle &step);
    Result<void> logConfig();
    Step readPlan();
    Result<void> loadState();
    Result<void> openJournal();
    // Moves the state file that a fresh start replaces aside; the text that says where.
    Result<QString> keepReplacedState();
    void schedule(const StepHandle &step);
    QString describeSchedule();
    void printDryRun(const StepHandle &step, const QString &text); // the dry run's report on stdout, then exit 0
    void finishReview(const StepHandle &step);
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
    // With an executor, a run first cancels the jobs that earlier runs of this state left (a
    // peal killed with -9), and waits for that, before it starts any of its own.
    void cancelStaleJobs(const StepHandle &step);
    // spend.json read, and a word when a cost budget meets a back-end that reports no cost.
    Result<void> loadSpend();
    void forceStop();
    Result<void> recordLastRun(int code);

    // The longest the closing work may take after a second SIGINT/SIGTERM (the command line's
    // watchdog steps in after 2.5 s should the event loop be blocked).
    static constexpr std::chrono::milliseconds kForcedExit{2000};

    Engine *q;
    RunRequest request;
    Logger logger;
    // Declared before everything that may hold plugin code (objects, callbacks that plugins
    // made, pending in the run's processes), so that the libraries outlive them.
    std::unique_ptr<RunPlugins> runPlugins;
    std::unique_ptr<RunContext> run;
    std::unique_ptr<RunReview> review;
    QStringList reviewerDirs; // the reviewer's state directories, kept out of git
    Pipeline pipeline;
    Scheduler *scheduler = nullptr;
    std::optional<RunOutcome> outcome;
    // The one runner of the run: its recipe, then the closing recipe.
    RecipeRunner recipe;
    int exitCode = 0;
    StateLock stateLock;
    QString startedAt = SummaryFile::rfc3339(std::chrono::system_clock::now());
    // Names the run in the history and in the records of its calls.
    QString runId = RunHistory::makeRunId(QDateTime::currentDateTimeUtc(), QCoreApplication::applicationPid());
    QString lastError;
    QString reviewNote; // why phase 3 is off, for --dry-run
    std::optional<PlanDocument> planDocument; // read by inspectPlan(), parsed by readPlan()

    // Where the run is; it only moves forward.
    enum class Stage {
        Running, // the run recipe
        Closing, // the closing recipe
        Exited,  // `finished` is on its way
    };
    Stage stage = Stage::Running;
    // SIGINT/SIGTERM: the first stops the run and closes it; the second stops the closing too.
    enum class Interruption { None, Stopping, Forced };
    Interruption interruption = Interruption::None;
    ExitCode interruptedWith = ExitCode::Interrupted;
    bool interrupted() const { return interruption != Interruption::None; }
    bool nothingToDo = false; // "--task N" of a completed task: the run ends before it starts
    // The run held the state directory and did something: it has a last run to record.
    bool recordsItsEnd() const { return stateLock.isHeld() && !nothingToDo; }
};

} // namespace Peal
