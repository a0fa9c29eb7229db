// SPDX-License-Identifier: MIT
#pragma once

#include "runcontext.h"
#include "taskresult.h"

#include <QElapsedTimer>

#include <vector>

namespace Peal::Internal {

/*
 * Runs the pipeline for one task (spec §4.6) as a state machine: each phase in turn, the
 * commit after "execute" when configured, then "mark completed and save". A parallel block
 * uses two runners per task: the concurrent part (up to "execute", no commit, no save) and,
 * after the block's commit, the rest (no save: the block already marked the task).
 *
 * It is the PhaseServices of its task: phases start processes and agent calls through it.
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
        bool saveOnFailure = true;   // best-effort state save when a phase fails
        bool endsTask = true;        // its success ends the task (a block's stream does not: the merge and the tail follow)
        QString workspace;           // empty: repo_path; else the task's own worktree
    };

    TaskRunner(RunContext &run, const Pipeline &pipeline, const Task &task, int position,
               Options options, QObject *parent = nullptr);
    ~TaskRunner() override;

    // Continues from an earlier runner's results (the tail of a parallel block).
    void setData(const TaskData &data) { m_data = data; }

    void start(std::function<void(Result<TaskResult>)> done);
    // The phase running now, or the one the task ended in.
    QString currentPhase() const { return m_pipeline.value(m_current).name; }

    // PhaseServices
    const Config &config() const override;
    const TaskInfo &task() const override;
    TaskData &data() override;
    QString workspace() const override;
    QJsonObject options() const override;
    void runAgent(AgentMode mode, const QString &prompt, const AgentCallOptions &options,
                  AgentCallback done) override;
    void runProcess(const ProcessSpec &spec, ProcessCallback done) override;
    void log(LogLevel level, const QString &message, const LogFields &fields) override;
    void saveState() override;
    Reviewer *reviewer() override;
    void commitChanges(const QString &message, std::function<void(Result<void>)> done) override;

private:
    void runPhase(qsizetype index);
    void onPhaseDone(qsizetype index, const Result<void> &result);
    void afterExecute(qsizetype index);
    // The PhaseFinished event of the current phase; `commit` is the commit made after it.
    void notifyPhaseFinished(const Result<void> &result, const QString &commit = {});
    ProgressEvent taskEvent(ProgressEvent::Kind kind) const;
    void finish(const Result<TaskResult> &result);
    // Ends the task with `error`, named after the task and (`inPhase`) the current phase.
    void fail(const Error &error, bool inPhase = true);
    // Runs plugin code; an escaping exception fails the task instead of the process.
    bool guarded(const std::function<void()> &call);

    RunContext &m_run;
    const Pipeline &m_pipeline;
    TaskInfo m_task;
    Options m_options;
    TaskData m_data;
    qsizetype m_current = -1;
    QElapsedTimer m_phaseClock;
    std::vector<std::unique_ptr<PhaseRun>> m_runs; // kept until the runner ends
    std::unique_ptr<Reviewer> m_reviewer;
    std::function<void(Result<TaskResult>)> m_done;
    bool m_finished = false;
};

} // namespace Peal::Internal
