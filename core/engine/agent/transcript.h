// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>
#include <peal/sdk/agent.h>
#include <peal/sdk/phase.h>

#include <QElapsedTimer>
#include <QFile>
#include <QHash>

#include <memory>

namespace Peal::Internal {

class JsonWriter;
struct AgentTotals;

/*
 * The record of one agent call of a task: `<state_dir>/tasks/<N>/<mode>-<attempt>.jsonl`, one
 * JSON object per line - a "call" header (agent, program, argv, workspace, model and the prompt:
 * it is the user's own state directory, and prompts never go to the logs), one line per event as
 * the plugin read it, and an "end" line with the outcome, the call's totals and `stdout_tail`,
 * the last 64 KiB of the agent's stdout. At most 16 MiB of events are kept per call; the rest
 * are counted in the end line. Attempts are numbered per task and mode across runs, so a
 * resumed run never overwrites a record. A call costs one new file and no fsync: records are
 * for people, not for resuming. Writing is best effort: a record that cannot be written costs
 * a warning, never the call.
 */
class Transcript;

// The records of one run: the task directories it made and the last attempt of each task and
// mode, so that only a task's first call in the run looks at its directory.
class PEAL_EXPORT CallRecords
{
public:
    explicit CallRecords(QString stateDir) : m_stateDir(std::move(stateDir)) {}

    // The directory and attempt number of the next record of `task` in `mode`; empty with
    // `error` set when the directory cannot be made.
    struct Slot
    {
        QString directory;
        int attempt = 0;    // across runs: names the file
        QString runId;      // the run that makes the call
        int runAttempt = 0; // within that run
        QString error;
    };
    Slot next(quint32 task, const QString &mode);

    // The conversation of a call an earlier run left unfinished, to continue (resume_sessions):
    // the last record of `task` in `mode`, when this run has made no such call yet, its call was
    // the same (back-end, workspace, prompt digest), it got somewhere and reported a session, and
    // it was stopped - peal stopped (no end line), or a stall, timeout, rate limit or executor
    // failure ended it. None after `peal reset` or `--redo` of the task
    // (CallRecordFiles::startFresh).
    struct Unfinished
    {
        QString session;
        QString why;
    };
    std::optional<Unfinished> unfinished(quint32 task, const QString &mode, const QString &agent,
                                         const QString &workspace, const QString &promptDigest);
    // The digest of a call's whole prompt, as records keep it ("prompt_sha256").
    static QString promptDigest(const QString &prompt);
    // The run whose calls are recorded (RunHistory::makeRunId).
    void setRunId(const QString &runId) { m_runId = runId; }

private:
    QString m_stateDir;
    QString m_runId;
    QHash<quint32, QHash<QString, int>> m_tasks; // the last attempt of each mode, by task
    QHash<quint32, QHash<QString, int>> m_runAttempts; // this run's calls of each mode, by task
    QHash<quint32, bool> m_startsFresh; // a task reset or redone: nothing earlier is continued

    // Whether the task was reset or redone before this run (the marker is read once, then gone).
    bool startsFresh(quint32 task);
};

class PEAL_EXPORT Transcript
{
public:
    static constexpr qint64 kMaxBytes = 16 * 1024 * 1024;
    static constexpr qsizetype kRawTail = 64 * 1024;

    // The directory of a task's records.
    static QString taskDirectory(const QString &stateDir, quint32 task);
    // `<task directory>/review.json`: the review rounds of the task's last phase 3 - rounds,
    // resolved, stop_reason and open_findings (the first review's, then after each round).
    // Best effort: the error, or empty.
    static QString writeReview(const QString &stateDir, quint32 task, const ReviewReport &review);

    struct Call
    {
        quint32 task = 0;
        QString mode;          // "plan", "execute", "address", "triage", "normalize"
        QString agent;         // the plugin id
        ProcessSpec spec;
        QString prompt;        // as sent
        // The session this call continues (resume_sessions) and what stopped the call before.
        QString resumesSession;
        QString resumedAfter;
        // A fallback back-end's call: the role's own and why it was not called.
        QString insteadOf;
        QString promptDigest; // of the whole prompt (a continued call sends a short one)
    };
    // Opens the record of `slot` and writes its header; on failure isOpen() is false and
    // error() says why.
    Transcript(const CallRecords::Slot &slot, const Call &call);

    bool isOpen() const { return m_file.isOpen(); }
    QString path() const { return m_file.fileName(); }
    QString error() const { return m_error; }
    int attempt() const { return m_attempt; }

    void event(const AgentEvent &event);
    // The last line, with the end of stdout.
    void end(const AgentOutput &output, const AgentTotals &totals, const QString &error, const QByteArray &stdoutTail);

private:
    void write(JsonWriter &line, bool bounded);

    QFile m_file;
    QString m_error;
    int m_attempt = 0;
    qint64 m_bytes = 0;
    qint64 m_dropped = 0;
    QElapsedTimer m_clock;
};

} // namespace Peal::Internal
