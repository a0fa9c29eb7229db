// SPDX-License-Identifier: MIT
// The scheduler, parallel blocks and failure policies on a scripted process launcher: no
// process is spawned, every agent call answers from a script after a few milliseconds, and the
// tests compare the log of starts and ends. The engine itself is the real one.
#include "task/builtinphases.h"
#include "recipe/recipe.h"
#include "run/runcontext.h"
#include "schedule/scheduler.h"
#include "scriptedlauncher.h"

#include <peal/log.h>
#include <peal/plangraph.h>
#include <peal/processjob.h>

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace Peal;
using namespace Peal::Internal;
using namespace PealTest;
using namespace Qt::StringLiterals;

namespace {

// The agent of these tests: argv is {mode, prompt}; the answer is stdout.
class ScriptAgent final : public AgentPlugin
{
public:
    Result<QString> resolveProgram(const QString &command, const std::optional<QString> &) const override
    {
        return command;
    }
    ProcessSpec command(AgentMode mode, const QString &prompt, const AgentSettings &settings) const override
    {
        ProcessSpec spec;
        spec.program = settings.program;
        spec.arguments = {agentModeName(mode), prompt};
        return spec;
    }
    AgentOutput interpret(AgentMode, const ProcessResult &result) const override
    {
        AgentOutput out;
        out.status = result.ending == ProcessEnding::Cancelled ? AgentOutput::Status::Cancelled
                     : result.success()                       ? AgentOutput::Status::Succeeded
                                                              : AgentOutput::Status::Failed;
        out.text = result.stdoutText;
        out.exitCode = result.code();
        return out;
    }
};

using Answer = ScriptedAnswer;

// What the agent answers to `call`: a plan that names the task, so the execute prompt does too.
QString answerTo(const QString &call)
{
    return u"Steps for T"_s + call.section(u' ', 1) + u": do it."_s;
}

// "plan 3" / "execute 3": the call's mode and the task its prompt is about (T<n> in the body).
QString callName(const ProcessSpec &spec)
{
    static const QRegularExpression task(u"T(\\d+):"_s);
    const auto m = task.match(spec.arguments.value(1));
    return spec.arguments.value(0) + u' ' + (m.hasMatch() ? m.captured(1) : u"?"_s);
}

// One run's parts, as the engine puts them together, on the scripted launcher.
struct Harness
{
    QTemporaryDir dir;
    Logger logger;
    std::shared_ptr<ScriptedLauncher> launcher = std::make_shared<ScriptedLauncher>(callName);
    std::unique_ptr<RunContext> run;
    Pipeline pipeline;

    explicit Harness(const QByteArray &plan, const std::function<void(Config &)> &configure = {})
    {
        logger.setFilter(LogFilter::parse(u"off"));
        launcher->script = [](const QString &call, const ProcessSpec &) { return Answer{2, 0, answerTo(call)}; };
        Config config;
        config.planPath = dir.filePath(u"plan.md"_s);
        config.repoPath = dir.path();
        config.stateDir = dir.filePath(u"state"_s);
        config.phases = {u"plan"_s, u"execute"_s};
        if (configure)
            configure(config);
        run = std::make_unique<RunContext>(config, logger);
        run->setLauncher(launcher);
        run->agent().plugin = std::make_shared<ScriptAgent>();
        run->agent().pluginId = u"script"_s;
        run->agent().settings.program = u"agent"_s;
        run->plan() = PlanParser::parse(QString::fromUtf8(plan));
        if (PlanGraph::isGraph(run->plan()))
            run->setGraph(PlanGraph::waitsFor(run->plan()));
        const Config &c = run->config();
        pipeline = {{u"plan"_s, [&c] { return createPlanPhase(c); }, true, {}, nullptr},
                    {u"execute"_s, [&c] { return createExecutePhase(c); }, true, {}, nullptr}};
    }

    // The scheduler's subtree on a runner of its own, as the engine runs it; a cancel ends it
    // as the engine's does (the runner, then the run's processes).
    std::optional<Result<RunOutcome>> schedule(std::function<void(RecipeRunner &)> whileRunning = {})
    {
        Scheduler scheduler(*run, pipeline);
        std::optional<Result<RunOutcome>> result;
        RecipeRunner runner;
        QObject::connect(&runner, &RecipeRunner::cancelled, run.get(), [this] { run->cancel(); });
        runner.start(scheduler.step([&](Result<RunOutcome> r) { result = r; }), [&](Result<void> r) {
            if (!result && !r)
                result = r.error();
        });
        if (whileRunning)
            whileRunning(runner);
        (void)QTest::qWaitFor([&] { return result.has_value(); }, 10000);
        return result;
    }

    QList<quint32> completed() const { return run->state().completedTaskIndices(); }
};

const QByteArray kThree = "## Task 1\nT1: a\n\n## Task 2\nT2: b\n\n## Task 3\nT3: c\n";
// 1 -> 2, 3 -> 4: the diamond of a graph plan.
const QByteArray kDiamond = "## Task 1\nT1: a\n\n## Task 2 (after 1)\nT2: b\n\n## Task 3 (after 1)\nT3: c\n\n"
                            "## Task 4 (after 2, 3)\nT4: d\n";
// 5 waits only for 1: it may run before 2-4 are done.
const QByteArray kShortcut = "## Task 1\nT1: a\n\n## Task 2 (after 1)\nT2: b\n\n## Task 3 (after 2)\nT3: c\n\n"
                             "## Task 4 (after 3)\nT4: d\n\n## Task 5 (after 1)\nT5: e\n";
const QByteArray kBlock = "## Task 1 (parallel)\nT1: a\n\n## Task 2 (parallel)\nT2: b\n\n"
                          "## Task 3 (parallel)\nT3: c\n\n## Task 4 (parallel)\nT4: d\n\n## Task 5\nT5: e\n";

} // namespace

class tst_Scheduler : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sequentialTasksRunPhaseAfterPhase()
    {
        Harness h(kThree);
        auto r = h.schedule();
        QVERIFY(r && r->ok());
        QCOMPARE(h.launcher->log, (QStringList{u"start plan 1"_s, u"end plan 1"_s, u"start execute 1"_s,
                                               u"end execute 1"_s, u"start plan 2"_s, u"end plan 2"_s,
                                               u"start execute 2"_s, u"end execute 2"_s, u"start plan 3"_s,
                                               u"end plan 3"_s, u"start execute 3"_s, u"end execute 3"_s}));
        QCOMPARE(h.completed(), (QList<quint32>{1, 2, 3}));
        QCOMPARE(h.launcher->peak, 1);
    }

    void parallelBlockKeepsTheCapAndThenRunsTheRest()
    {
        Harness h(kBlock, [](Config &c) {
            c.parallel = true;
            c.maxParallel = 2;
        });
        // Task 1's plan is held: the second slot serves tasks 2, 3 and 4 meanwhile
        // (work-conserving), and only then is task 1 let go.
        h.launcher->script = [](const QString &call, const ProcessSpec &) { return Answer{call == u"plan 1" ? -1 : 2, 0, answerTo(call)}; };
        auto r = h.schedule([&](RecipeRunner &) {
            QTRY_VERIFY(h.launcher->log.contains(u"end execute 4"_s));
            h.launcher->release(u"plan 1"_s);
        });
        QVERIFY(r && r->ok());
        QCOMPARE(h.launcher->peak, 2);
        const QStringList &log = h.launcher->log;
        QVERIFY(!log.contains(u"start plan 5"_s) || log.indexOf(u"start plan 5"_s) > log.indexOf(u"end execute 1"_s));
        QVERIFY(log.indexOf(u"start plan 5"_s) > log.indexOf(u"end execute 1"_s)); // the block ends first
        QVERIFY(log.indexOf(u"start plan 4"_s) < log.indexOf(u"end plan 1"_s));
        QCOMPARE(h.completed(), (QList<quint32>{1, 2, 3, 4, 5}));
    }

    void continuingPastAFailureRecordsIt()
    {
        Harness h(kThree, [](Config &c) { c.continueWithRemainingTasks = true; });
        h.launcher->script = [](const QString &call, const ProcessSpec &) {
            return Answer{2, call == u"execute 2" ? 1 : 0, answerTo(call)};
        };
        auto r = h.schedule();
        QVERIFY(r && r->ok());
        QCOMPARE((*r)->failedTaskIndices, QList<quint32>{2});
        QCOMPARE(h.completed(), (QList<quint32>{1, 3}));
    }

    void stoppingAtAFailureNamesTaskAndPhase()
    {
        Harness h(kThree);
        h.launcher->script = [](const QString &call, const ProcessSpec &) {
            return Answer{2, call == u"execute 2" ? 1 : 0, answerTo(call)};
        };
        auto r = h.schedule();
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().message(), u"task 2, phase 2 (execute): agent exited with code 1"_s);
        QVERIFY(!h.launcher->log.contains(u"start plan 3"_s));
        QCOMPARE(h.completed(), QList<quint32>{1});
    }

    void theConsecutiveFailureCapIsCheckedFirst()
    {
        Harness h(kThree, [](Config &c) {
            c.continueWithRemainingTasks = true;
            c.maxConsecutiveTaskFailures = 2;
        });
        h.launcher->script = [](const QString &call, const ProcessSpec &) { return Answer{2, call.startsWith(u"plan") ? 1 : 0, {}}; };
        auto r = h.schedule();
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().kind(), Error::Kind::CapReached);
        QCOMPARE(r->error().message(), u"Run stopped: 2 consecutive task failure(s) reached cap 2."_s);
        QVERIFY(!h.launcher->log.contains(u"start plan 3"_s));
    }

    void aFailureInABlockStopsNewStreamsUnlessContinuing()
    {
        Harness h(kBlock, [](Config &c) {
            c.parallel = true;
            c.maxParallel = 2;
        });
        h.launcher->script = [](const QString &call, const ProcessSpec &) {
            return Answer{call == u"plan 2" ? 1 : 20, call == u"plan 2" ? 1 : 0, answerTo(call)};
        };
        auto r = h.schedule();
        QVERIFY(r && !r->ok());
        const QStringList &log = h.launcher->log;
        QVERIFY(log.contains(u"end execute 1"_s)); // running streams finish
        QVERIFY(!log.contains(u"start plan 3"_s)); // queued ones never start
        QVERIFY(!log.contains(u"start plan 4"_s));
        QCOMPARE(h.completed(), QList<quint32>{1}); // the block's successes are kept
    }

    // ---- graph plans ----

    void aGraphRunsEachTaskAfterWhatItWaitsFor()
    {
        Harness h(kDiamond, [](Config &c) {
            c.parallel = true;
            c.maxParallel = 4;
        });
        auto r = h.schedule();
        QVERIFY(r && r->ok());
        const QStringList &log = h.launcher->log;
        QVERIFY(log.indexOf(u"start plan 2"_s) > log.indexOf(u"end execute 1"_s));
        QVERIFY(log.indexOf(u"start plan 3"_s) > log.indexOf(u"end execute 1"_s));
        // 2 and 3 side by side; 4 only once both are done.
        QVERIFY(log.indexOf(u"start plan 3"_s) < log.indexOf(u"end execute 2"_s));
        QVERIFY(log.indexOf(u"start plan 4"_s) > log.indexOf(u"end execute 2"_s));
        QVERIFY(log.indexOf(u"start plan 4"_s) > log.indexOf(u"end execute 3"_s));
        QCOMPARE(h.launcher->peak, 2);
        QCOMPARE(h.completed(), (QList<quint32>{1, 2, 3, 4}));
    }

    void aGraphWithoutParallelRunsInATopologicalPlanOrder()
    {
        Harness h(kShortcut);
        auto r = h.schedule();
        QVERIFY(r && r->ok());
        QStringList plans = h.launcher->log.filter(u"start plan"_s);
        QCOMPARE(plans, (QStringList{u"start plan 1"_s, u"start plan 2"_s, u"start plan 3"_s, u"start plan 4"_s,
                                     u"start plan 5"_s}));
        QCOMPARE(h.launcher->peak, 1);
    }

    void aReadyTaskDoesNotWaitForUnrelatedOnes()
    {
        Harness h(kShortcut, [](Config &c) {
            c.parallel = true;
            c.maxParallel = 2;
        });
        auto r = h.schedule();
        QVERIFY(r && r->ok());
        const QStringList &log = h.launcher->log;
        // 5 waits only for 1: it runs beside 2, not after 4.
        QVERIFY(log.indexOf(u"start plan 5"_s) < log.indexOf(u"start plan 3"_s));
        QCOMPARE(h.completed(), (QList<quint32>{1, 2, 3, 4, 5}));
    }

    void aFailedTaskBlocksItsDependentsAndTheOthersGoOn()
    {
        Harness h(kShortcut, [](Config &c) { c.continueWithRemainingTasks = true; });
        h.launcher->script = [](const QString &call, const ProcessSpec &) {
            return Answer{2, call == u"execute 2" ? 1 : 0, answerTo(call)};
        };
        auto r = h.schedule();
        QVERIFY(r && r->ok());
        QCOMPARE((*r)->failedTaskIndices, QList<quint32>{2});
        QCOMPARE((*r)->blockedTasks, (QMap<quint32, quint32>{{3, 2}, {4, 2}}));
        QVERIFY(!h.launcher->log.contains(u"start plan 3"_s));
        QVERIFY(h.launcher->log.contains(u"end execute 5"_s)); // 5 does not depend on 2
        QCOMPARE(h.completed(), (QList<quint32>{1, 5}));
    }

    void withoutContinuingAFailureStartsNoNewTask()
    {
        Harness h(kShortcut);
        h.launcher->script = [](const QString &call, const ProcessSpec &) {
            return Answer{2, call == u"execute 2" ? 1 : 0, answerTo(call)};
        };
        auto r = h.schedule();
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().message(), u"task 2, phase 2 (execute): agent exited with code 1"_s);
        QVERIFY(!h.launcher->log.contains(u"start plan 5"_s));
    }

    void theConsecutiveFailureCapCountsAGraphsFailures()
    {
        Harness h(kShortcut, [](Config &c) {
            c.continueWithRemainingTasks = true;
            c.maxConsecutiveTaskFailures = 2;
        });
        h.launcher->script = [](const QString &call, const ProcessSpec &) {
            return Answer{2, call == u"execute 2" || call == u"execute 5" ? 1 : 0, answerTo(call)};
        };
        auto r = h.schedule();
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().kind(), Error::Kind::CapReached);
        QCOMPARE(h.completed(), QList<quint32>{1});
    }

    void cancellingAGraphEndsItsRunningTasks()
    {
        Harness h(kDiamond, [](Config &c) {
            c.parallel = true;
            c.maxParallel = 4;
        });
        h.launcher->script = [](const QString &call, const ProcessSpec &) {
            return Answer{call.endsWith(u" 1") ? 2 : 60000, 0, answerTo(call)};
        };
        auto r = h.schedule([&](RecipeRunner &runner) {
            QTRY_VERIFY(h.launcher->log.contains(u"start plan 3"_s));
            runner.cancel();
        });
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().kind(), Error::Kind::Interrupted);
        QTRY_COMPARE(h.launcher->running, 0);
        QVERIFY(!h.launcher->log.contains(u"start plan 4"_s));
        QCOMPARE(h.completed(), QList<quint32>{1});
    }

    void aResumedGraphRunsWhatIsNotDone()
    {
        Harness h(kDiamond);
        h.run->state().markTaskCompleted(1);
        h.run->state().markTaskCompleted(3);
        auto r = h.schedule();
        QVERIFY(r && r->ok());
        QCOMPARE(h.launcher->log.filter(u"start plan"_s), (QStringList{u"start plan 2"_s, u"start plan 4"_s}));
    }

    void onlyATaskWhoseWaitsAreDoneRunsAlone()
    {
        Harness h(kDiamond);
        h.run->plan() = *PlanParser::filterSingleTask(h.run->plan(), 4);
        h.run->setOnlyTask(4u);
        h.run->state().markTaskCompleted(2);
        auto r = h.schedule();
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().message(), u"task 4 waits for task 3, which is not done"_s);
        QVERIFY(h.launcher->log.isEmpty());
    }

    void cancelEndsEveryStreamAtOnce()
    {
        Harness h(kBlock, [](Config &c) {
            c.parallel = true;
            c.maxParallel = 4;
        });
        h.launcher->script = [](const QString &, const ProcessSpec &) { return Answer{60000, 0, {}}; };
        auto r = h.schedule([&](RecipeRunner &runner) {
            QTimer::singleShot(20, [&] { runner.cancel(); });
        });
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().kind(), Error::Kind::Interrupted);
        QVERIFY(h.completed().isEmpty());
        QTRY_COMPARE(h.launcher->running, 0); // every scripted process was told to end
        QCOMPARE(h.launcher->log.filter(u"cancelled plan"_s).size(), 4);
    }
};

QTEST_GUILESS_MAIN(tst_Scheduler)
#include "tst_scheduler.moc"
