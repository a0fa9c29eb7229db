// SPDX-License-Identifier: MIT
// A task whose execute changed nothing is not silently done (on_no_changes): TaskRunner's
// check after a commit that found nothing to commit.
#include "task/taskrunner.h"

#include "agent/agentcall.h"
#include "git/commit.h"
#include "recipe/processstep.h"

#include <peal/prompt.h>

namespace Peal::Internal {

namespace {

// What the retry adds to the reference's execute prompt.
const QString kNothingChanged = QStringLiteral(
    "\n\nYour previous attempt at this plan changed no file in the repository and committed nothing. "
    "Implement the plan now: make the changes it describes in the files of the repository.");

} // namespace

Step TaskRunner::noChangesStep()
{
    return sequenceStep(QStringLiteral("no changes?"), {
        // Nothing to commit; an agent that committed by itself moved HEAD, and that is a change.
        gitStep(m_run, this, QStringLiteral("git rev-parse HEAD"),
                [this] {
                    return GitCall{workspace(), {QStringLiteral("rev-parse"), QStringLiteral("-q"), QStringLiteral("--verify"),
                                                 QStringLiteral("HEAD")}, {}, m_task.index};
                },
                [this](const ProcessResult &head) {
                    const QString now = head.success() ? gitFirstLine(head) : QString();
                    if (now != m_run.userTree().head()) {
                        m_run.userTree().committed(now);
                        m_nothingCommitted = false;
                    }
                    return Result<void>();
                }),
        deferredStep(QStringLiteral("on_no_changes"), [this] {
            if (!m_nothingCommitted)
                return emptyStep(QStringLiteral("changed"));
            if (m_run.config().onNoChanges == u"retry" && !m_retriedNoChanges)
                return retryExecuteStep();
            return syncStep(QStringLiteral("no changes"), [this] { return noChangesOutcome(m_retriedNoChanges); });
        }),
    });
}

Step TaskRunner::retryExecuteStep()
{
    m_retriedNoChanges = true;
    m_run.logger().warning(u"peal::runner", QStringLiteral("task %1: execute changed nothing; asking the agent once more "
                                                           "(on_no_changes = \"retry\")")
                                                .arg(m_task.index));
    AgentCallOptions options;
    options.phaseNumber = 2;
    options.attempts = 1 + quint64(m_run.config().phaseRetryCount);
    return sequenceStep(QStringLiteral("retry execute"), {
        agentCallStep(m_run, this,
                      {AgentMode::Execute, Prompts::execute(m_data.planText) + kNothingChanged, options, m_task.index,
                       m_options.workspace},
                      [this](const Result<AgentOutput> &out) {
                          if (out)
                              m_data.executeOutput = out->text;
                      }),
        deferredStep(QStringLiteral("commit"), [this] {
            return commitAfterPhase2Step(m_run, this, m_task.index, planSuffix(m_data.planText),
                                         [this](const QString &commit) { m_nothingCommitted = commit.isEmpty(); });
        }),
        deferredStep(QStringLiteral("changes"), [this] {
            return m_nothingCommitted ? noChangesStep() : emptyStep(QStringLiteral("committed"));
        }),
    });
}

Result<void> TaskRunner::noChangesOutcome(bool retried)
{
    const QString policy = m_run.config().onNoChanges;
    if (policy == u"warn") {
        m_noChanges = true;
        m_run.logger().warning(u"peal::runner",
                               QStringLiteral("task %1: execute changed nothing - no file added, changed or removed, "
                                              "nothing committed (on_no_changes = \"warn\"; \"retry\" asks the agent once "
                                              "more, \"fail\" fails the task)")
                                   .arg(m_task.index));
        return {};
    }
    // An execute that did nothing is no work to keep: a run again executes once more, with the plan.
    phasesDone(std::max<qsizetype>(0, m_donePhases - 1), false);
    return Error(Error::Kind::Phase,
                 // The task's name is added by the runner ("task 3: ...").
                 retried ? QStringLiteral("execute changed nothing, also when asked once more (on_no_changes = \"retry\")")
                         : QStringLiteral("execute changed nothing (on_no_changes = \"fail\")"),
                 QStringLiteral("the agent's answer is in 'peal logs %1'; set on_no_changes = \"warn\" for tasks that "
                                "may change nothing")
                     .arg(m_task.index));
}

} // namespace Peal::Internal
