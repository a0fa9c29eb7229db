// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/steps.h>

#include <QObject>

/*
 * The runner of recipes (peal/sdk/steps.h declares the steps; this file and recipe.cpp are
 * their implementation). The run has one runner: every step of the run - the scheduler, the
 * tasks, the agent calls, a phase plugin's own steps - is part of its one recipe.
 */

namespace Peal::Internal {

/*
 * Executes one recipe at a time. `done` is called exactly once: with the recipe's result, or
 * with interruptedError() after cancel(). Destroying the runner drops everything still running
 * without calling back.
 */
class PEAL_EXPORT RecipeRunner : public QObject
{
    Q_OBJECT

public:
    explicit RecipeRunner(QObject *parent = nullptr);
    ~RecipeRunner() override;

    void start(const Step &recipe, std::function<void(Result<void>)> done);
    // Ends every running step at once as interrupted (cancelled() first, so that what they
    // started - processes - is told to end too).
    void cancel();
    bool isRunning() const;
    bool isCancelled() const { return m_cancelled; }

Q_SIGNALS:
    void cancelled();

public:
    class Run; // one execution; internal to recipe.cpp

private:
    std::shared_ptr<Run> m_run;
    bool m_cancelled = false;
};

} // namespace Peal::Internal
