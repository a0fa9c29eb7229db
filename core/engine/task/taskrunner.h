// SPDX-License-Identifier: MIT
#pragma once

#include "recipe/recipe.h"
#include "run/runcontext.h"
#include "task/taskresult.h"

#include <QElapsedTimer>

#include <vector>

namespace Peal::Internal {

/*
 * The pipeline for one task (spec §4.6), a subtree of the run's recipe: each phase in turn, the commit after
 * "execute" when configured, then "mark completed and save". A parallel block uses two runners
 * per task: the concurrent part (up to "execute", no commit, no save) and, after the block's
 * commit, the rest (no save: the block already marked the task).
 *
 * It is the PhaseServices of its task: phases start processes and agent calls through it, and
 * every callback into the phase goes through track(), which drops it once the phase ended and
 * turns a throw into the phase's failure. Cancelling the run ends the task at once. A phase
 * that returns to the event loop with nothing in flight and without calling `done` can never
 * finish: it fails the task instead of hanging the run.
 */
class TaskRunner : public QObject, public PhaseServices
{
    Q_OBJECT

public:
    struct Options
    {
        qsizetype firstPhase = 0;
        qsizetype endPhase = -1;     // -1: to the end of the pipeline
        bool commitAfterExecute = true;
        bool markCompleted = true;
        bool saveOnFailure = true;   // a failure is the task's outcome (recorded, state saved)
        bool endsTask = true;        // its success ends the task (a block's stream does not: the merge and the tail follow)
        QString workspace;           // empty: repo_path; else the task's own worktree
        // Which phases it records as done in the task ledger: every one (their edits are safe
        // once done and committed), or only those that edit nothing (a block's stream, whose
        // edits are safe only once the block merged and committed them), or none.
        enum class Record { All, ReadOnly, None } record = Record::All;
        bool commitFirst = false;    // the edits of the phase before firstPhase are not committed yet
    };

    // Where a task resumes: the phases an earlier run did (task ledger), with what they left.
    struct ResumePoint
    {
        qsizetype firstPhase = 0;
        bool commitFirst = false;
        TaskData data;
    };
    static ResumePoint resumePoint(RunContext &run, const Pipeline &pipeline, const Task &task);
    // Records in the task ledger that `task` has done the first `done` phases of `pipeline`.
    static void recordDone(RunContext &run, const Pipeline &pipeline, const TaskInfo &task, qsizetype done,
                           bool commitPending, const TaskData &data);

    TaskRunner(RunContext &run, const Pipeline &pipeline, const Task &task, int position,
               Options options, QObject *parent = nullptr);
    ~TaskRunner() override;

    // Continues from an earlier runner's results (the tail of a parallel block).
    void setData(const TaskData &data) { m_data = data; }

    // The task's subtree of the run's recipe; `done` hears how the task ended, whatever ended
    // it (the run's cancel included).
    Step step(std::function<void(Result<TaskResult>)> done);
    // The phase running now, or the one the task ended in.
    QString currentPhase() const { return m_pipeline.value(m_current).name; }

    // `callback` for a call the current phase made: counted as in flight until it arrives,
    // dropped if the phase has ended by then, guarded against throws.
    template<typename... Args>
    std::function<void(Args...)> track(const QString &what, std::function<void(Args...)> callback)
    {
        if (!m_phase)
            return [](Args...) {};
        ++m_inFlight;
        QPointer<TaskRunner> self(this);
        return [self, phase = *m_phase, guarded = m_phase->guard(what, std::move(callback))](Args... args) {
            if (!self || !phase.isActive())
                return; // the phase ended: neither its answer nor its count matters any more
            --self->m_inFlight;
            guarded(args...);
            self->checkStalled();
        };
    }
    // The running phase's step; none between phases.
    const std::optional<StepHandle> &runningPhase() const { return m_phase; }
    // Fails the current phase (a plugin threw in a call that returns a value).
    void failPhase(const Error &error);

    // PhaseServices
    const PhaseSettings &settings() const override;
    const TaskInfo &task() const override;
    TaskData &data() override;
    QString workspace() const override;
    QJsonObject options() const override;
    void runAgent(AgentMode mode, const QString &prompt, const AgentCallOptions &options,
                  AgentCallback done) override;
    void runProcess(const ProcessSpec &spec, ProcessCallback done) override;
    void log(LogLevel level, const QString &message, const LogFields &fields) override;
    Reviewer *reviewer() override;
    void commitChanges(const QString &message, std::function<void(Result<void>)> done) override;
    void report(const ReviewReport &report) override;
    void run(const Step &recipe, std::function<void(Result<void>)> done) override;

private:
    Step recipe();
    Step phaseStep(qsizetype index);
    Step phase2CommitStep();
    // After a commit that found nothing to commit: whether execute changed anything (the agent
    // may have committed itself), and what on_no_changes says then (nochanges.cpp).
    Step noChangesStep();
    Step retryExecuteStep();
    Result<void> noChangesOutcome(bool retried);
    Step markCompletedStep();
    void onPhaseDone(qsizetype index, const Result<void> &result);
    bool commitsAfter(qsizetype index) const;
    // The first `done` phases are done (and, `commitPending`, their edits not committed yet).
    void phasesDone(qsizetype done, bool commitPending);
    // A phase that has nothing in flight and has not called `done` fails a moment later.
    void checkStalled();
    // The PhaseFinished event of the current phase; `commit` is the commit made after it.
    void notifyPhaseFinished(const Result<void> &result, const QString &commit = {});
    ProgressEvent taskEvent(ProgressEvent::Kind kind) const;
    void finish(const Result<TaskResult> &result);
    // `error` named after the task and (`inPhase`) the current phase.
    Error named(const Error &error, bool inPhase) const;

    RunContext &m_run;
    const Pipeline &m_pipeline;
    TaskInfo m_task;
    Options m_options;
    TaskData m_data;
    std::optional<ReviewReport> m_report;
    qsizetype m_current = -1;
    qsizetype m_donePhases = 0;              // phases done, this run's and those resumed past
    bool m_nothingCommitted = false;         // the last commit after execute found nothing
    bool m_noChanges = false;                // execute changed nothing (on_no_changes = "warn")
    bool m_retriedNoChanges = false;         // on_no_changes = "retry" asked once more
    bool m_inPhase = false;                  // false in the commit and mark steps
    std::optional<StepHandle> m_phase;       // the running phase's step
    int m_inFlight = 0;                      // calls of the phase not answered yet
    quint64 m_stallCheck = 0;                // generation of the pending stall check
    QElapsedTimer m_phaseClock;
    // The phases' runs, kept until the runner ends; each with its plugin, whose library holds
    // the run's code (destroyed after the run).
    struct OwnedRun
    {
        std::shared_ptr<PhasePlugin> plugin;
        std::unique_ptr<PhaseRun> run;
    };
    std::vector<OwnedRun> m_runs;
    std::unique_ptr<Reviewer> m_reviewer;
    std::function<void(Result<TaskResult>)> m_done;
    bool m_finished = false;
};

} // namespace Peal::Internal
