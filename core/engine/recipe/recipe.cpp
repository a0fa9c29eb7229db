// SPDX-License-Identifier: MIT
#include "recipe/recipe.h"

#include <map>

namespace Peal::Internal {

// One execution of a recipe: the leaves that run now, so that cancel() can reach them.
class RecipeRunner::Run
{
public:
    bool cancelled = false;
    bool dropped = false; // the runner went away: nothing calls back any more
    quint64 nextKey = 0;
    std::map<quint64, std::shared_ptr<StepState>> active; // in start order
};

} // namespace Peal::Internal

namespace Peal {

namespace {

// How a child reports to its group: its result, and whether the whole recipe is to end.
using Completion = std::function<void(const Result<void> &, bool finishRecipe)>;
using RunPtr = std::shared_ptr<Internal::RecipeRunner::Run>;

} // namespace

class Step::Data
{
public:
    Kind kind = Kind::Leaf;
    QString name;
    Start start;
    std::shared_ptr<const QList<Step>> children;
    int limit = 1;
    OnError onError = OnError::Stop;
    std::function<Result<void>(const Result<void> &)> map;
    std::function<void(const Result<void> &)> observe;
    std::function<bool()> again; // Loop: run the body once more
};

Error interruptedError()
{
    return Error(Error::Kind::Interrupted, QStringLiteral("run cancelled"));
}

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
    std::weak_ptr<Internal::RecipeRunner::Run> m_run;
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

Step::Step(std::shared_ptr<Data> data) : m_data(std::move(data)) {}

Step::Kind Step::kind() const
{
    return m_data->kind;
}

const QString &Step::name() const
{
    return m_data->name;
}

// A copy of the data for this step alone, before it changes.
static Step::Data &detached(std::shared_ptr<Step::Data> &data)
{
    if (data.use_count() > 1)
        data = std::make_shared<Step::Data>(*data);
    return *data;
}

Step &Step::onDone(std::function<Result<void>(const Result<void> &)> map)
{
    detached(m_data).map = std::move(map);
    return *this;
}

Step &Step::onEnd(std::function<void(const Result<void> &)> observe)
{
    detached(m_data).observe = std::move(observe);
    return *this;
}

namespace {

std::shared_ptr<Step::Data> dataOf(Step::Kind kind, QString name)
{
    auto data = std::make_shared<Step::Data>();
    data->kind = kind;
    data->name = std::move(name);
    return data;
}

} // namespace

Step leafStep(QString name, Step::Start start)
{
    auto data = dataOf(Step::Kind::Leaf, std::move(name));
    data->start = std::move(start);
    return Step(std::move(data));
}

Step syncStep(QString name, std::function<Result<void>()> run)
{
    return leafStep(std::move(name), [run = std::move(run)](const StepHandle &handle) { handle.done(run()); });
}

Step emptyStep(QString name)
{
    return syncStep(std::move(name), [] { return Result<void>(); });
}

namespace {

std::shared_ptr<Step::Data> groupOf(Step::Kind kind, QString name, QList<Step> steps, Step::OnError onError,
                                    int limit = 1)
{
    auto data = dataOf(kind, std::move(name));
    data->children = std::make_shared<const QList<Step>>(std::move(steps));
    data->onError = onError;
    data->limit = std::max(1, limit);
    return data;
}

} // namespace

Step sequenceStep(QString name, QList<Step> steps, Step::OnError onError)
{
    return Step(groupOf(Step::Kind::Sequence, std::move(name), std::move(steps), onError));
}

Step parallelStep(QString name, int limit, QList<Step> steps, Step::OnError onError)
{
    return Step(groupOf(Step::Kind::Parallel, std::move(name), std::move(steps), onError, limit));
}

Step loopStep(QString name, Step body, std::function<bool()> again)
{
    auto data = groupOf(Step::Kind::Loop, std::move(name), {std::move(body)}, Step::OnError::Stop);
    data->again = std::move(again);
    return Step(std::move(data));
}

namespace {

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
        Completion finished = step.data().map || step.data().observe
            ? Completion([map = step.data().map, observe = step.data().observe, run, done](const Result<void> &r, bool stop) {
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
        if (step.data().kind == Step::Kind::Leaf)
            return startLeaf(step, run, std::move(finished));
        auto group = std::make_shared<GroupRun>(step, run, std::move(finished));
        group->advance();
    }

private:
    static void startLeaf(const Step &step, const RunPtr &run, Completion done)
    {
        auto state = std::make_shared<StepState>(run, step.data().name, std::move(done));
        run->active.emplace(state->key(), state);
        StepHandle handle(state);
        if (auto started = callGuarded(step.data().name, [&] { step.data().start(handle); }); !started)
            state->end(started.error(), false);
    }

    bool stopping() const
    {
        return m_finishRecipe || m_run->cancelled || m_run->dropped
               || (m_firstError && m_step.data().onError == Step::OnError::Stop);
    }

    void advance()
    {
        const QList<Step> &children = *m_step.data().children;
        if (m_inLoop)
            return; // the loop below picks up what changed
        m_inLoop = true;
        auto self = shared_from_this(); // a child's end may drop the last other reference
        for (;;) {
            while (!stopping() && m_next < children.size() && m_running < m_step.data().limit) {
                const Step &child = children[m_next++];
                ++m_running;
                execute(child, m_run, [self](const Result<void> &r, bool stop) { self->childEnded(r, stop); });
            }
            // A loop's body ended: once more while it asks for it.
            if (m_step.data().kind != Step::Kind::Loop || m_running > 0 || stopping() || m_next < children.size()
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
        if (auto called = callGuarded(m_step.data().name, [&] { more = m_step.data().again(); }); !called)
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

} // namespace

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
        const RunPtr run = handle.state()->run();
        GroupRun::execute(*recipe, run, [handle](const Result<void> &r, bool stop) {
            if (stop && r)
                return handle.finishRecipe();
            handle.done(r);
        });
    });
}

} // namespace Peal

namespace Peal::Internal {

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
