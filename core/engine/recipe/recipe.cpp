// SPDX-License-Identifier: MIT
#include "recipe/recipe.h"

#include <map>

namespace Peal::Internal {

namespace {

// How a child reports to its group: its result, and whether the whole recipe is to end.
using Completion = std::function<void(const Result<void> &, bool finishRecipe)>;

} // namespace

Error interruptedError()
{
    return Error(Error::Kind::Interrupted, QStringLiteral("run cancelled"));
}

// One execution of a recipe: the leaves that run now, so that cancel() can reach them.
class RecipeRunner::Run
{
public:
    bool cancelled = false;
    bool dropped = false; // the runner went away: nothing calls back any more
    quint64 nextKey = 0;
    std::map<quint64, std::shared_ptr<StepState>> active; // in start order
};
using RunPtr = std::shared_ptr<RecipeRunner::Run>;

class StepState
{
public:
    StepState(const RunPtr &run, QString name, Completion finished)
        : m_run(run), m_key(run->nextKey++), m_name(std::move(name)), m_finished(std::move(finished))
    {
    }

    quint64 key() const { return m_key; }
    bool isActive() const { return m_finished != nullptr; }
    const QString &name() const { return m_name; }
    RunPtr run() const { return m_run.lock(); }

    void setCancelHandler(std::function<void()> handler) { m_cancel = std::move(handler); }

    void end(const Result<void> &result, bool finishRecipe)
    {
        if (!m_finished)
            return;
        Completion finished = std::exchange(m_finished, nullptr);
        m_cancel = nullptr;
        // Removing the run's reference may free this object: keep it until we return.
        std::shared_ptr<StepState> self;
        if (RunPtr run = m_run.lock()) {
            if (auto it = run->active.find(m_key); it != run->active.end()) {
                self = std::move(it->second);
                run->active.erase(it);
            }
        }
        m_run.reset();
        finished(result, finishRecipe);
    }

    void cancel()
    {
        if (!m_finished)
            return;
        if (auto handler = std::exchange(m_cancel, nullptr))
            (void)callGuarded(m_name + QStringLiteral(" (cancel)"), handler);
        end(interruptedError(), false);
    }

    void drop()
    {
        m_finished = nullptr;
        m_cancel = nullptr;
        m_run.reset();
    }

private:
    std::weak_ptr<RecipeRunner::Run> m_run;
    quint64 m_key;
    QString m_name;
    Completion m_finished;
    std::function<void()> m_cancel;
};

StepHandle::StepHandle(std::shared_ptr<StepState> state) : m_state(std::move(state)) {}

void StepHandle::done(const Result<void> &result) const
{
    m_state->end(result, false);
}

void StepHandle::finishRecipe() const
{
    m_state->end(Result<void>(), true);
}

void StepHandle::onCancel(std::function<void()> handler) const
{
    if (m_state->isActive())
        m_state->setCancelHandler(std::move(handler));
}

bool StepHandle::isActive() const
{
    return m_state->isActive();
}

const QString &StepHandle::name() const
{
    return m_state->name();
}

Step &Step::onDone(std::function<Result<void>(const Result<void> &)> map)
{
    m_map = std::move(map);
    return *this;
}

Step &Step::onEnd(std::function<void(const Result<void> &)> observe)
{
    m_observe = std::move(observe);
    return *this;
}

Step leafStep(QString name, Step::Start start)
{
    Step step;
    step.m_kind = Step::Kind::Leaf;
    step.m_name = std::move(name);
    step.m_start = std::move(start);
    return step;
}

Step syncStep(QString name, std::function<Result<void>()> run)
{
    return leafStep(std::move(name), [run = std::move(run)](const StepHandle &handle) { handle.done(run()); });
}

Step emptyStep(QString name)
{
    return syncStep(std::move(name), [] { return Result<void>(); });
}

Step sequenceStep(QString name, QList<Step> steps, Step::OnError onError)
{
    Step step;
    step.m_kind = Step::Kind::Sequence;
    step.m_name = std::move(name);
    step.m_children = std::make_shared<const QList<Step>>(std::move(steps));
    step.m_onError = onError;
    return step;
}

Step parallelStep(QString name, int limit, QList<Step> steps, Step::OnError onError)
{
    Step step = sequenceStep(std::move(name), std::move(steps), onError);
    step.m_kind = Step::Kind::Parallel;
    step.m_limit = std::max(1, limit);
    return step;
}

Step loopStep(QString name, Step body, std::function<bool()> again)
{
    Step step = sequenceStep(std::move(name), {std::move(body)});
    step.m_kind = Step::Kind::Loop;
    step.m_again = std::move(again);
    return step;
}

/*
 * A running sequence or parallel group. Children that end inside their own start are counted
 * in the loop that started them, so a long run of synchronous steps neither recurses nor
 * re-enters.
 */
class GroupRun : public std::enable_shared_from_this<GroupRun>
{
public:
    GroupRun(const Step &step, const RunPtr &run, Completion done)
        : m_step(step), m_run(run), m_done(std::move(done))
    {
    }

    static void execute(const Step &step, const RunPtr &run, Completion done)
    {
        // A step's own mapping applies to what it did, not to the runner's cancel; its
        // observer hears of both.
        Completion finished = step.m_map || step.m_observe
            ? Completion([map = step.m_map, observe = step.m_observe, run, done](const Result<void> &r, bool stop) {
                  Result<void> mapped = r;
                  if (map && !run->cancelled && !run->dropped) {
                      if (auto called = callGuarded(QStringLiteral("on-done"), [&] { mapped = map(r); }); !called)
                          mapped = called.error();
                  }
                  if (observe && !run->dropped)
                      (void)callGuarded(QStringLiteral("on-end"), [&] { observe(run->cancelled ? Result<void>(interruptedError()) : mapped); });
                  done(mapped, stop);
              })
            : std::move(done);
        if (step.m_kind == Step::Kind::Leaf)
            return startLeaf(step, run, std::move(finished));
        auto group = std::make_shared<GroupRun>(step, run, std::move(finished));
        group->advance();
    }

private:
    static void startLeaf(const Step &step, const RunPtr &run, Completion done)
    {
        auto state = std::make_shared<StepState>(run, step.m_name, std::move(done));
        run->active.emplace(state->key(), state);
        StepHandle handle(state);
        if (auto started = callGuarded(step.m_name, [&] { step.m_start(handle); }); !started)
            state->end(started.error(), false);
    }

    bool stopping() const
    {
        return m_finishRecipe || m_run->cancelled || m_run->dropped
               || (m_firstError && m_step.m_onError == Step::OnError::Stop);
    }

    void advance()
    {
        const QList<Step> &children = *m_step.m_children;
        if (m_inLoop)
            return; // the loop below picks up what changed
        m_inLoop = true;
        auto self = shared_from_this(); // a child's end may drop the last other reference
        for (;;) {
            while (!stopping() && m_next < children.size() && m_running < m_step.m_limit) {
                const Step &child = children[m_next++];
                ++m_running;
                execute(child, m_run, [self](const Result<void> &r, bool stop) { self->childEnded(r, stop); });
            }
            // A loop's body ended: once more while it asks for it.
            if (m_step.m_kind != Step::Kind::Loop || m_running > 0 || stopping() || m_next < children.size()
                || !again())
                break;
            m_next = 0;
        }
        m_inLoop = false;
        if (m_running == 0 && (stopping() || m_next >= children.size()))
            finish();
    }

    bool again()
    {
        bool more = false;
        if (auto called = callGuarded(m_step.m_name, [&] { more = m_step.m_again(); }); !called)
            m_firstError = called.error();
        return more;
    }

    void childEnded(const Result<void> &result, bool finishRecipe)
    {
        --m_running;
        if (!result && !m_firstError)
            m_firstError = result.error();
        m_finishRecipe = m_finishRecipe || finishRecipe;
        advance();
    }

    void finish()
    {
        if (!m_done)
            return;
        Completion done = std::exchange(m_done, nullptr);
        if (m_run->dropped)
            return;
        if (m_firstError)
            return done(*m_firstError, m_finishRecipe);
        if (m_run->cancelled)
            return done(interruptedError(), false);
        done(Result<void>(), m_finishRecipe);
    }

    Step m_step;
    RunPtr m_run;
    Completion m_done;
    qsizetype m_next = 0;
    int m_running = 0;
    bool m_inLoop = false;
    bool m_finishRecipe = false;
    std::optional<Error> m_firstError;
};

void StepHandle::run(const Step &child, std::function<void(Result<void>)> done) const
{
    const RunPtr run = m_state->run();
    if (!run || !m_state->isActive())
        return;
    GroupRun::execute(child, run, [handle = *this, done = std::move(done)](const Result<void> &r, bool) {
        if (!handle.isActive())
            return; // this step ended first: nobody waits for the answer
        if (auto called = callGuarded(handle.name(), [&] { done(r); }); !called)
            handle.done(called.error());
    });
}

Step deferredStep(QString name, std::function<Step()> build)
{
    return leafStep(name, [name, build = std::move(build)](const StepHandle &handle) {
        std::optional<Step> recipe;
        if (auto built = callGuarded(name, [&] { recipe = build(); }); !built)
            return handle.done(built.error());
        const RunPtr &run = handle.m_state->run();
        GroupRun::execute(*recipe, run, [handle](const Result<void> &r, bool stop) {
            if (stop && r)
                return handle.finishRecipe();
            handle.done(r);
        });
    });
}

RecipeRunner::RecipeRunner(QObject *parent) : QObject(parent) {}

RecipeRunner::~RecipeRunner()
{
    if (!m_run)
        return;
    m_run->dropped = true;
    const auto active = std::exchange(m_run->active, {});
    for (const auto &entry : active)
        entry.second->drop();
}

void RecipeRunner::start(const Step &recipe, std::function<void(Result<void>)> done)
{
    m_cancelled = false;
    auto run = std::make_shared<Run>();
    m_run = run;
    GroupRun::execute(recipe, run, [this, run, done = std::move(done)](const Result<void> &r, bool) {
        if (run->dropped)
            return;
        if (m_run == run)
            m_run.reset();
        done(r);
    });
}

void RecipeRunner::cancel()
{
    if (!m_run || m_cancelled)
        return;
    m_cancelled = true;
    std::shared_ptr<Run> run = m_run;
    run->cancelled = true;
    Q_EMIT cancelled();
    // Ending one leaf may end its group and with it the recipe; each is ended once.
    QList<std::shared_ptr<StepState>> active;
    for (const auto &entry : run->active)
        active.append(entry.second);
    for (const auto &state : active)
        state->cancel();
}

bool RecipeRunner::isRunning() const
{
    return m_run != nullptr;
}

} // namespace Peal::Internal
