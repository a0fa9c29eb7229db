// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>
#include <peal/sdk/result.h>

#include <QList>
#include <QString>

#include <functional>
#include <memory>
#include <type_traits>

/*
 * Steps: how peal orders asynchronous work, the run's and a phase plugin's alike. A recipe is a
 * tree of steps - leaves that do the work, sequences, loops and parallel groups (with a limit)
 * that order them - declared up front and executed on the event loop by the run's one runner.
 * A phase plugin hands its recipe to PhaseServices::run(); it becomes part of its task's step,
 * so the run's cancel, its stall check and its error handling reach every step of it.
 *
 * - A leaf is started with a StepHandle and ends by calling done() once; it may do so inside its
 *   start (a sequence then goes on in a loop, not by recursion, so 10,000 steps take no stack).
 * - Cancel belongs to the runner: it calls each running leaf's cancel handler and ends the leaf
 *   at once as interrupted, whether or not its work ever reports back; what it reports later is
 *   dropped. Nothing queued starts after a cancel.
 * - Every call into a step's code goes through callGuarded(): a throwing step ends with an
 *   error, never with an exception in the event loop.
 * - State that steps share lives in a Storage, made when its subtree starts and destroyed when
 *   it ends: no captured shared pointers passed from step to step.
 */

namespace Peal {

// The error of a step that the runner ended because the run was cancelled.
PEAL_EXPORT Error interruptedError();

class StepState;
class Step;

/*
 * What a running leaf holds: the way to end it and to learn that it was cancelled. Copies share
 * one state; once the step ended (done, cancel, throw) every call is a no-op, so callbacks that
 * arrive late are harmless.
 */
class PEAL_EXPORT StepHandle
{
public:
    explicit StepHandle(std::shared_ptr<StepState> state);

    // Ends the step; the first call wins.
    void done(const Result<void> &result = {}) const;
    // Ends the step and every step after it in the enclosing sequences of the recipe it was
    // started in, successfully: the recipe has nothing more to do.
    void finishRecipe() const;
    // Called once if the runner cancels the step while it runs.
    void onCancel(std::function<void()> handler) const;
    // Runs `child` as part of this step, in the same recipe: the runner's cancel reaches it, and
    // `done` gets its result (not after this step ended).
    void run(const Step &child, std::function<void(Result<void>)> done) const;
    bool isActive() const;
    const QString &name() const;
    // The runner's record of the step (opaque outside the core).
    const std::shared_ptr<StepState> &state() const { return m_state; }

    // `callback` wrapped for the step: dropped once the step ended, and a throw ends the step
    // with an error. `what` names the code in that error.
    template<typename... Args>
    std::function<void(Args...)> guard(const QString &what, std::function<void(Args...)> callback) const
    {
        return [handle = *this, what, callback = std::move(callback)](Args... args) {
            if (!handle.isActive())
                return;
            if (auto called = callGuarded(what, [&] { callback(args...); }); !called)
                handle.done(called.error());
        };
    }

private:
    std::shared_ptr<StepState> m_state;
};

// A declared step; cheap to copy (copies share what does not change). Build it with the
// factory functions below.
class PEAL_EXPORT Step
{
public:
    enum class Kind { Leaf, Sequence, Parallel, Loop };
    // What a group does when a child fails: stop starting children (a sequence stops, a
    // parallel group lets the running ones finish) or go on. Either way the group ends with
    // the first error.
    enum class OnError { Stop, Continue };

    using Start = std::function<void(const StepHandle &)>;
    class Data; // the core's; opaque to plugins

    explicit Step(std::shared_ptr<Data> data);

    Kind kind() const;
    const QString &name() const;

    // Maps the step's result before its group sees it (a failure policy: count, record, carry
    // on, retry). Runs only for steps that ended by themselves, never for cancelled ones.
    Step &onDone(std::function<Result<void>(const Result<void> &)> map);
    // Told once how the step ended, after onDone: its result, or interruptedError() when the
    // runner cancelled it. What the step's owner reports, whatever happened.
    Step &onEnd(std::function<void(const Result<void> &)> observe);

    const Data &data() const { return *m_data; }

private:
    std::shared_ptr<Data> m_data;
};

// A leaf that does its work asynchronously and calls handle.done().
PEAL_EXPORT Step leafStep(QString name, Step::Start start);
// A leaf that is done when `run` returns.
PEAL_EXPORT Step syncStep(QString name, std::function<Result<void>()> run);
// A leaf with nothing to do (the branch of a deferred step that has no work).
PEAL_EXPORT Step emptyStep(QString name);
// A leaf whose recipe is built when it starts, from what earlier steps produced; it ends when
// that recipe ends and is cancelled with it. The way to branch: build the branch to take.
PEAL_EXPORT Step deferredStep(QString name, std::function<Step()> build);
PEAL_EXPORT Step sequenceStep(QString name, QList<Step> steps, Step::OnError onError = Step::OnError::Stop);
// At most `limit` children run at once; the next starts the moment one ends (work-conserving).
PEAL_EXPORT Step parallelStep(QString name, int limit, QList<Step> steps, Step::OnError onError = Step::OnError::Stop);
// Runs `body`, then again while `again()` says so; the first error ends the loop with it (a
// retry decides in the body's onDone whether an error is one). Iterations run in a loop, not
// by recursion.
PEAL_EXPORT Step loopStep(QString name, Step body, std::function<bool()> again);

/*
 * State scoped to a subtree: storageStep() makes a fresh T when its body starts and destroys
 * it when the body ends, and the body's steps reach it through the same Storage. One Storage
 * serves one running instance of its subtree; concurrent subtrees (the streams of a parallel
 * block) each build their own.
 */
template<typename T>
class Storage
{
public:
    Storage() : m_slot(std::make_shared<std::unique_ptr<T>>()) {}
    T &operator*() const { return **m_slot; }
    T *operator->() const { return m_slot->get(); }
    bool isActive() const { return *m_slot != nullptr; }

private:
    template<typename U>
    friend Step storageStep(QString name, Storage<U> storage, Step body, std::function<std::unique_ptr<U>()> make);
    std::shared_ptr<std::unique_ptr<T>> m_slot;
};

// `body` with a fresh T in `storage` while it runs, made by `make` (default: T()).
template<typename T>
Step storageStep(QString name, Storage<T> storage, Step body, std::function<std::unique_ptr<T>()> make = {})
{
    return sequenceStep(std::move(name), {syncStep(QStringLiteral("make storage"), [storage, make] {
                                              if (make)
                                                  *storage.m_slot = make();
                                              else if constexpr (std::is_default_constructible_v<T>)
                                                  *storage.m_slot = std::make_unique<T>();
                                              return Result<void>();
                                          }),
                                          std::move(body)})
        .onEnd([storage](const Result<void> &) { storage.m_slot->reset(); });
}

} // namespace Peal
