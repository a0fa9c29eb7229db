// SPDX-License-Identifier: MIT
// The recipe runner on its own: order, limits, failure policies, cancel and exception guards,
// with leaves that finish from timers instead of processes.
#include "recipe/recipe.h"

#include <QSignalSpy>
#include <QCoreApplication>
#include <QTest>
#include <QTimer>

#include <stdexcept>

using namespace Peal;
using namespace Peal::Internal;
using namespace Qt::StringLiterals;

namespace {

// Runs `recipe` to its end (bounded wait) and returns its result.
std::optional<Result<void>> runToEnd(RecipeRunner &runner, const Step &recipe, int timeoutMs = 5000)
{
    std::optional<Result<void>> result;
    runner.start(recipe, [&](Result<void> r) { result = r; });
    (void)QTest::qWaitFor([&] { return result.has_value(); }, timeoutMs);
    return result;
}

// A leaf that ends after `ms` on the event loop with `result`, logging its start and end.
Step timed(QStringList &log, const QString &name, int ms, Result<void> result = {})
{
    return leafStep(name, [&log, name, ms, result](const StepHandle &handle) {
        log << u"start "_s + name;
        QTimer::singleShot(ms, [&log, handle, name, result] {
            if (!handle.isActive())
                return;
            log << u"end "_s + name;
            handle.done(result);
        });
    });
}

Error failure(const QString &what)
{
    return Error(Error::Kind::Generic, what);
}

} // namespace

class TestRecipe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sequenceRunsInOrder()
    {
        QStringList log;
        RecipeRunner runner;
        auto r = runToEnd(runner, sequenceStep(u"seq"_s, {timed(log, u"a"_s, 5), syncStep(u"b"_s, [&] {
                                                                 log << u"b"_s;
                                                                 return Result<void>();
                                                             }),
                                                             timed(log, u"c"_s, 1)}));
        QVERIFY(r && r->ok());
        QCOMPARE(log, (QStringList{u"start a"_s, u"end a"_s, u"b"_s, u"start c"_s, u"end c"_s}));
        QVERIFY(!runner.isRunning());
    }

    void synchronousStepsDoNotRecurse()
    {
        // Every step ends inside its own start; a recursive runner would need a stack frame
        // (several, under ASan) per step and overflow long before the end.
        int count = 0;
        QList<Step> steps;
        for (int i = 0; i < 200000; ++i)
            steps << syncStep(u"s"_s, [&count] {
                ++count;
                return Result<void>();
            });
        RecipeRunner runner;
        auto r = runToEnd(runner, sequenceStep(u"many"_s, steps));
        QVERIFY(r && r->ok());
        QCOMPARE(count, 200000);
    }

    void sequenceStopsAtTheFirstError()
    {
        QStringList log;
        RecipeRunner runner;
        auto r = runToEnd(runner, sequenceStep(u"seq"_s, {timed(log, u"a"_s, 1), timed(log, u"b"_s, 1, failure(u"b failed"_s)),
                                                          timed(log, u"c"_s, 1)}));
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().message(), u"b failed"_s);
        QVERIFY(!log.contains(u"start c"_s));
    }

    void sequenceCanContinueAndReportsTheFirstError()
    {
        QStringList log;
        RecipeRunner runner;
        auto r = runToEnd(runner, sequenceStep(u"seq"_s,
                                               {timed(log, u"a"_s, 1, failure(u"a failed"_s)),
                                                timed(log, u"b"_s, 1, failure(u"b failed"_s)), timed(log, u"c"_s, 1)},
                                               Step::OnError::Continue));
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().message(), u"a failed"_s);
        QVERIFY(log.contains(u"end c"_s));
    }

    void parallelKeepsTheLimitAndRefillsAtOnce()
    {
        int running = 0, peak = 0;
        QStringList order;
        QList<Step> steps;
        const QList<int> durations{40, 5, 5, 5, 5, 5};
        for (int i = 0; i < durations.size(); ++i) {
            steps << leafStep(QString::number(i), [&, i, ms = durations[i]](const StepHandle &handle) {
                peak = std::max(peak, ++running);
                order << u"start %1"_s.arg(i);
                QTimer::singleShot(ms, [&, handle] {
                    --running;
                    handle.done();
                });
            });
        }
        RecipeRunner runner;
        auto r = runToEnd(runner, parallelStep(u"par"_s, 2, steps));
        QVERIFY(r && r->ok());
        QCOMPARE(peak, 2);
        // Work-conserving: while step 0 runs, the other slot serves steps 1..5 one after another.
        QCOMPARE(order.size(), 6);
        QCOMPARE(order.first(), u"start 0"_s);
    }

    void parallelStopsStartingAfterAFailureButLetsRunningOnesFinish()
    {
        QStringList log;
        RecipeRunner runner;
        auto r = runToEnd(runner, parallelStep(u"par"_s, 2,
                                               {timed(log, u"slow"_s, 30), timed(log, u"bad"_s, 1, failure(u"bad"_s)),
                                                timed(log, u"queued"_s, 1)}));
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().message(), u"bad"_s);
        QVERIFY(log.contains(u"end slow"_s));
        QVERIFY(!log.contains(u"start queued"_s));
    }

    void cancelEndsALeafThatNeverFinishes()
    {
        bool cancelHandlerRan = false;
        bool laterStarted = false;
        std::optional<StepHandle> kept;
        RecipeRunner runner;
        std::optional<Result<void>> result;
        runner.start(sequenceStep(u"seq"_s, {leafStep(u"stuck"_s,
                                                      [&](const StepHandle &handle) {
                                                          kept = handle; // never calls done by itself
                                                          handle.onCancel([&] { cancelHandlerRan = true; });
                                                      }),
                                             syncStep(u"later"_s, [&] {
                                                 laterStarted = true;
                                                 return Result<void>();
                                             })}),
                     [&](Result<void> r) { result = r; });
        QCoreApplication::processEvents(); // whatever was queued has run: the leaf still holds
        QVERIFY(!result);
        runner.cancel();
        QVERIFY(result); // at once, not when the leaf gets round to it
        QCOMPARE(result->error().kind(), Error::Kind::Interrupted);
        QVERIFY(cancelHandlerRan);
        QVERIFY(!laterStarted);
        QVERIFY(!kept->isActive());
        kept->done(failure(u"too late"_s)); // dropped
        QCOMPARE(result->error().kind(), Error::Kind::Interrupted);
    }

    void cancelReachesEveryRunningBranch()
    {
        int cancelled = 0;
        QList<Step> steps;
        for (int i = 0; i < 3; ++i)
            steps << leafStep(u"p"_s, [&](const StepHandle &handle) { handle.onCancel([&] { ++cancelled; }); });
        RecipeRunner runner;
        std::optional<Result<void>> result;
        runner.start(parallelStep(u"par"_s, 3, steps), [&](Result<void> r) { result = r; });
        runner.cancel();
        QVERIFY(result && !result->ok());
        QCOMPARE(cancelled, 3);
    }

    void throwsBecomeErrors()
    {
        RecipeRunner runner;
        auto r = runToEnd(runner, sequenceStep(u"seq"_s, {leafStep(u"phase 'boom'"_s, [](const StepHandle &) {
                                                              throw std::runtime_error("kaputt");
                                                          })}));
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().message(), u"phase 'boom' threw: kaputt"_s);

        RecipeRunner later;
        auto r2 = runToEnd(later, leafStep(u"leaf"_s, [](const StepHandle &handle) {
                               auto callback = handle.guard(u"the callback"_s, std::function<void(int)>([](int) { throw 42; }));
                               QTimer::singleShot(1, [callback] { callback(7); });
                           }));
        QVERIFY(r2 && !r2->ok());
        QCOMPARE(r2->error().message(), u"the callback threw an exception"_s);
    }

    void onDoneMapsAResult()
    {
        QStringList log;
        Step forgiving = timed(log, u"a"_s, 1, failure(u"a failed"_s));
        forgiving.onDone([&](const Result<void> &r) {
            log << (r ? u"ok"_s : u"mapped "_s + r.error().message());
            return Result<void>();
        });
        RecipeRunner runner;
        auto r = runToEnd(runner, sequenceStep(u"seq"_s, {forgiving, timed(log, u"b"_s, 1)}));
        QVERIFY(r && r->ok());
        QVERIFY(log.contains(u"mapped a failed"_s));
        QVERIFY(log.contains(u"end b"_s));
    }

    void finishRecipeEndsEveryEnclosingSequence()
    {
        bool after = false;
        RecipeRunner runner;
        auto r = runToEnd(runner,
                          sequenceStep(u"outer"_s, {sequenceStep(u"inner"_s, {leafStep(u"enough"_s, [](const StepHandle &h) {
                                                                                h.finishRecipe();
                                                                            })}),
                                                    syncStep(u"after"_s, [&] {
                                                        after = true;
                                                        return Result<void>();
                                                    })}));
        QVERIFY(r && r->ok());
        QVERIFY(!after);
    }

    void deferredStepsAreBuiltWhenTheyStart()
    {
        int count = 0;
        QStringList log;
        RecipeRunner runner;
        auto r = runToEnd(runner, sequenceStep(u"seq"_s, {syncStep(u"decide"_s, [&] {
                                                              count = 3;
                                                              return Result<void>();
                                                          }),
                                                          deferredStep(u"built"_s, [&] {
                                                              QList<Step> steps;
                                                              for (int i = 0; i < count; ++i)
                                                                  steps << timed(log, QString::number(i), 1);
                                                              return parallelStep(u"p"_s, 2, steps);
                                                          })}));
        QVERIFY(r && r->ok());
        QCOMPARE(log.count(), 6);

        bool innerCancelled = false;
        RecipeRunner cancelled;
        std::optional<Result<void>> result;
        cancelled.start(deferredStep(u"d"_s, [&] {
                            return leafStep(u"inner"_s, [&](const StepHandle &h) { h.onCancel([&] { innerCancelled = true; }); });
                        }),
                        [&](Result<void> res) { result = res; });
        cancelled.cancel();
        QVERIFY(result && !result->ok());
        QVERIFY(innerCancelled);
    }

    void destroyingTheRunnerDropsLateCallbacks()
    {
        std::optional<StepHandle> kept;
        bool called = false;
        {
            RecipeRunner runner;
            runner.start(leafStep(u"pending"_s, [&](const StepHandle &h) { kept = h; }), [&](Result<void>) { called = true; });
        }
        QVERIFY(kept && !kept->isActive());
        kept->done();
        QVERIFY(!called);
    }

    void aLoopRunsItsBodyWhileAskedAndStopsAtAnError()
    {
        QStringList log;
        int round = 0;
        RecipeRunner runner;
        auto result = runToEnd(runner, loopStep(u"loop"_s, syncStep(u"body"_s, [&] {
                                                    log << u"body %1"_s.arg(++round);
                                                    return Result<void>();
                                                }),
                                                [&] { return round < 3; }));
        QVERIFY(result && result->ok());
        QCOMPARE(log, (QStringList{u"body 1"_s, u"body 2"_s, u"body 3"_s}));
        // 10,000 rounds that end at once take no stack.
        round = 0;
        result = runToEnd(runner, loopStep(u"long"_s, syncStep(u"body"_s, [&] {
                                               ++round;
                                               return Result<void>();
                                           }),
                                           [&] { return round < 10000; }));
        QVERIFY(result && result->ok());
        QCOMPARE(round, 10000);
        round = 0;
        result = runToEnd(runner, loopStep(u"failing"_s, syncStep(u"body"_s, [&] {
                                               return ++round == 2 ? Result<void>(Error(Error::Kind::Generic, u"second"_s))
                                                                   : Result<void>();
                                           }),
                                           [] { return true; }));
        QVERIFY(result && !result->ok());
        QCOMPARE(result->error().message(), u"second"_s);
        QCOMPARE(round, 2);
    }

    void onEndHearsOfEveryEndingTheCancelIncluded()
    {
        QStringList log;
        QList<Result<void>> ends;
        RecipeRunner runner;
        Step ok = timed(log, u"ok"_s, 1);
        ok.onEnd([&](const Result<void> &r) { ends << r; });
        auto result = runToEnd(runner, ok);
        QVERIFY(result && result->ok());
        QCOMPARE(ends.size(), 1);
        QVERIFY(ends.first().ok());
        Step stuck = leafStep(u"stuck"_s, [](const StepHandle &) {});
        stuck.onDone([](const Result<void> &) { return Result<void>(Error(Error::Kind::Generic, u"never"_s)); });
        stuck.onEnd([&](const Result<void> &r) { ends << r; });
        runner.start(stuck, [](Result<void>) {});
        runner.cancel();
        QCOMPARE(ends.size(), 2);
        QCOMPARE(ends.last().error().kind(), Error::Kind::Interrupted); // not mapped: cancelled
    }

    void aLeafRunsAChildThatTheCancelReaches()
    {
        QStringList log;
        RecipeRunner runner;
        std::optional<Result<void>> childResult;
        std::optional<StepHandle> parent;
        runner.start(leafStep(u"parent"_s,
                              [&](const StepHandle &handle) {
                                  parent = handle;
                                  handle.run(timed(log, u"child"_s, 1), [&, handle](Result<void> r) {
                                      childResult = r;
                                      handle.run(leafStep(u"stuck child"_s, [](const StepHandle &) {}),
                                                 [&](Result<void> r2) { childResult = r2; });
                                  });
                              }),
                     [](Result<void>) {});
        QVERIFY(QTest::qWaitFor([&] { return childResult.has_value(); }, 5000));
        QVERIFY(childResult->ok());
        QCOMPARE(log, (QStringList{u"start child"_s, u"end child"_s}));
        childResult.reset();
        runner.cancel();
        // The parent and the child it started end as interrupted; the parent had ended first,
        // so nobody hears of the child.
        QVERIFY(!parent->isActive());
        QVERIFY(!childResult);
    }

    void storageLivesAsLongAsItsSubtree()
    {
        struct Counter
        {
            int calls = 0;
        };
        Storage<Counter> counter;
        int seen = 0;
        RecipeRunner runner;
        const auto result = runToEnd(runner, storageStep(u"with a counter"_s, counter,
                                                         loopStep(u"count"_s, syncStep(u"call"_s, [counter] {
                                                                      ++counter->calls;
                                                                      return Result<void>();
                                                                  }),
                                                                  [counter, &seen] {
                                                                      seen = counter->calls;
                                                                      return counter->calls < 4;
                                                                  })));
        QVERIFY(result && result->ok());
        QCOMPARE(seen, 4);
        QVERIFY(!counter.isActive()); // gone with its subtree
    }
};

QTEST_GUILESS_MAIN(TestRecipe)
#include "tst_recipe.moc"
