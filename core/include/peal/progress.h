// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Peal {

/*
 * What a run is doing, for live displays (Engine::progress). Events arrive on the event loop in
 * the order things happen; in a parallel block the phases of several tasks interleave.
 */
struct PEAL_EXPORT ProgressEvent
{
    enum class Kind {
        RunStarted,    // the scheduler starts; taskCount is the number of tasks in this run
        PhaseStarted,  // a task starts a phase ("plan", "execute", "address", a plugin's id)
        PhaseFinished, // a phase ended: ok, durationMs, detail (the error), commit (made after it)
        AgentActivity, // a task's agent called a tool: detail is "<tool> <target>"; or, with
                       // `said`, the first line of what the assistant wrote
        AgentCallEnded, // an agent call ended: costUsd and tokens are what it used, backEnd did it
        Committed,     // peal committed `commit` for `tasks` within a phase or after a block
        TaskFinished,  // a task ended its phases (`final`) or the concurrent part of a block
        RunFinished,   // the scheduler is done
        RateLimitWait, // agent calls of a back-end wait for a rate limit: detail is the line
                       // ("waiting for rate limit (claude), resumes 14:05"), phase the back-end
        AgentFallback, // a back-end is set aside and its calls move to the next (agent_fallback):
                       // detail is the line, phase the mode
    };

    Kind kind = Kind::RunStarted;
    quint32 task = 0;
    QString phase;
    int position = 0;      // 1-based place of the task in this run
    int taskCount = 0;
    int alreadyDone = 0;   // RunStarted: tasks of the plan done before this run (a resumed run)
    bool ok = true;        // PhaseFinished, TaskFinished: whether it succeeded
    bool final = true;     // TaskFinished: false after the concurrent part of a parallel block
    QString detail;        // PhaseFinished, TaskFinished with !ok: the error; AgentActivity: what
    qint64 durationMs = 0; // PhaseFinished
    QString commit;        // PhaseFinished, Committed: the commit's id (empty: none)
    QList<quint32> tasks;  // Committed: the tasks whose changes the commit holds
    int rounds = -1;       // PhaseFinished, TaskFinished: review rounds so far (-1: no review)
    bool findingsLeft = false; // TaskFinished: the review ended with findings left
    QString review;            // TaskFinished: "3 found, 1 dismissed, 1 fixed, 1 left" (empty: no count)
    QStringList leftFindings;  // TaskFinished: the findings left, "<path>:<line>: <message>"
    bool notReviewed = false;  // TaskFinished: the run reviews tasks, and this one was not reviewed
    bool noChanges = false;    // TaskFinished: its execute changed nothing (on_no_changes = "warn")
    bool interrupted = false;  // TaskFinished with !ok: cut short by SIGINT/SIGTERM, not failed
    bool said = false;         // AgentActivity: detail is the assistant's words, not a tool call
    bool resumed = false;      // AgentCallEnded: the call continued an interrupted one's conversation
    QString backEnd;           // AgentCallEnded: the back-end that did the call
    std::optional<double> costUsd; // AgentCallEnded: when the back-end reported one
    qint64 tokens = 0;             // AgentCallEnded: input plus output tokens
};

} // namespace Peal
