// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/reviewer.h>

namespace Peal::Stet {

// What a stet session runs, read from [plugins.stet] by configure(): the reference's top-level
// stet keys arrive there (docs/stet.md).
struct StetSettings
{
    QString program;                 // the stet executable (built-in mode)
    QString repo;                    // repo_path as configured; every command runs there
    std::chrono::milliseconds timeout{0};
    std::optional<QString> startRef; // stet_start_ref
    QStringList startExtraArgs;      // stet_start_args
    QStringList runExtraArgs;        // stet_run_args
    QStringList customCommands;      // stet_commands; non-empty selects custom mode
    QString onFail = QStringLiteral("fail"); // on_stet_fail
};

/*
 * The built-in sequence of spec §8.3: `stet start [ref] [args]`, `stet run --output=json
 * [args]` per review, `stet dismiss <id> <reason>`, and `stet finish` after the scheduler.
 * finish() is needed once a session may exist: after a start that succeeded, and after one that
 * peal ended (timeout, Ctrl-C) or that was killed, since stet creates its session before it
 * reviews. A cancelled start is not retried and not skipped: it ends as an Interrupted error.
 */
class BuiltInSession final : public ReviewSession
{
public:
    explicit BuiltInSession(StetSettings settings);

    void start(ReviewServices &services, std::function<void(Result<bool>)> done) override;
    void review(ReviewServices &services, std::function<void(Result<ReviewResult>)> done) override;
    bool canDismiss() const override { return true; }
    void dismiss(ReviewServices &services, const QString &id, const QString &reason,
                 std::function<void()> done) override;
    bool needsFinish() const override { return m_sessionMayExist; }
    void finish(ReviewServices &services, std::function<void(Result<void>)> done) override;
    QString reviewName() const override { return QStringLiteral("stet run"); }
    ReviewOutline outline() const override;
    bool seesUncommittedChanges() const override;

    // `stet start [ref] [extra args]`, and `--allow-dirty` when the run accepts uncommitted
    // changes (`accepted`: stet refuses a dirty tree, and peal has checked this one).
    QStringList startArguments(const QStringList &accepted = {}) const;
    QStringList runArguments() const;

private:
    // The attempts of `stet start`: one, and one more under retry_once.
    struct StartAttempts
    {
        bool retried = false;
        bool again = false;
    };

    ProcessSpec spec(const QStringList &arguments) const;
    // What one `stet start` says: started, a retry, a skip, or the start's error.
    Result<void> readStart(ReviewServices &services, StartAttempts &attempts, const ProcessResult &r);

    StetSettings m_settings;
    bool m_sessionMayExist = false;
    bool m_startSkipped = false;
};

// The custom sequence of spec §8.4: every stet_commands entry at session start, the last one
// per review; no dismiss, no finish.
class CustomSession final : public ReviewSession
{
public:
    explicit CustomSession(StetSettings settings);

    void start(ReviewServices &services, std::function<void(Result<bool>)> done) override;
    void review(ReviewServices &services, std::function<void(Result<ReviewResult>)> done) override;
    bool canDismiss() const override { return false; }
    void dismiss(ReviewServices &services, const QString &id, const QString &reason,
                 std::function<void()> done) override;
    bool needsFinish() const override { return false; }
    void finish(ReviewServices &services, std::function<void(Result<void>)> done) override;
    QString reviewName() const override { return QStringLiteral("custom stet command"); }
    ReviewOutline outline() const override;
    bool seesUncommittedChanges() const override;

private:
    // The runs of one session-start entry and how the next one is read.
    struct EntryAttempts
    {
        enum class Reading { First, AfterSpawnFailure, AfterTimeout, AfterExitFailure };
        Reading reading = Reading::First;
        bool again = false;
        std::optional<Error> spawnError; // a retried spawn failure that fails again reports this
    };

    // One stet_commands entry at session start: a loop of its runs.
    Step entryStep(ReviewServices &services, qsizetype position, const QString &command);
    Result<void> readEntry(ReviewServices &services, const QString &command, EntryAttempts &attempts,
                           const ProcessResult &r);
    Result<void> checkEntry(ReviewServices &services, const QString &command, EntryAttempts &attempts,
                            const ProcessResult &r);
    static Result<void> retryEntry(EntryAttempts &attempts, EntryAttempts::Reading reading);
    Result<void> skipEntry(ReviewServices &services, const LogFields &fields);

    StetSettings m_settings;
    bool m_startFailed = false; // an entry failed and was skipped: phase 3 is off for the run
};

// The session `settings` ask for: custom when stet_commands are set, else built-in.
std::unique_ptr<ReviewSession> createSession(const StetSettings &settings);

// The stet executable: `configured` (stet_path) when it is usable, with no fallback (else
// `warning` says so); else the first `stet` on `pathVariable`.
std::optional<QString> findStet(const std::optional<QString> &configured, const std::optional<QString> &pathVariable,
                                QString *warning);

} // namespace Peal::Stet
