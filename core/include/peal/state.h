// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

#include <memory>
#include <optional>

namespace Peal {

/*
 * The resumable state of one plan/repo pair: `<state_dir>/state.json` (spec §9). The file
 * format is the reference's byte for byte, so scripts that read it keep working.
 */
class PEAL_EXPORT State
{
public:
    State() = default;
    State(QString planPath, QString repoPath)
        : m_planPath(std::move(planPath)), m_repoPath(std::move(repoPath)) {}

    const QString &planPath() const { return m_planPath; }
    const QString &repoPath() const { return m_repoPath; }
    const QList<quint32> &completedTaskIndices() const { return m_completed; }

    bool isTaskCompleted(quint32 index) const;
    void markTaskCompleted(quint32 index); // keeps the list sorted and unique
    // Whether the index was completed; afterwards it is not (peal run --redo, peal reset).
    bool markTaskIncomplete(quint32 index);
    void clearCompleted() { m_completed.clear(); }

    // Whether the recorded plan and repo are the configured ones: the same path text (Rust
    // `Path ==`, spec §9.3) or, beyond the reference, the same file once both are resolved
    // from the current directory (`./plan.md`, an absolute path or a symlink to it).
    bool matchesContext(const QString &planPath, const QString &repoPath) const;

    // Reserved fields: preserved when present, never written by the runner.
    std::optional<QMap<quint32, QString>> lastPlanByTask;
    std::optional<QString> lastCompletedRef;

    QByteArray toJson() const;
    static Result<State> fromJson(const QByteArray &json);

    friend bool operator==(const State &, const State &) = default;

private:
    QString m_planPath;
    QString m_repoPath;
    QList<quint32> m_completed;
};

namespace StateStore {

// `<state_dir>/<name>` as Rust's `Path::join` spells it: an empty state_dir is the current
// directory and the name is used as is ("state.json", not "./state.json"). Every file peal
// keeps in the state directory is named through this.
PEAL_EXPORT QString pathIn(const QString &stateDir, const QString &name);
// The state directory as a directory name: an empty state_dir is ".".
PEAL_EXPORT QString directory(const QString &stateDir);

PEAL_EXPORT QString stateFilePath(const QString &stateDir);

struct PEAL_EXPORT LoadResult
{
    std::optional<State> state; // empty: no file, or an invalid one
    QString invalidReason;      // set when the file exists but is not a valid state file

    bool isInvalid() const { return !invalidReason.isEmpty(); }
    // "ignoring invalid state file <path>: <why>" (spec §9.3), for an invalid file.
    QString invalidWarning(const QString &stateDir) const;
};

// Missing file (ENOENT): no state. Any other error reaching or reading the file, such as a
// path component that is not a directory: error. Invalid content: no state and the reason.
PEAL_EXPORT Result<LoadResult> load(const QString &stateDir);

// Moves an existing state.json aside to `state.json.<UTC timestamp>.bak` in the same directory
// (never over another file) before a run starts fresh over it; returns the new path.
PEAL_EXPORT Result<QString> setAside(const QString &stateDir);

// The state file belongs to this plan and repo: the same path text or the same files.
PEAL_EXPORT bool samePlace(const QString &recorded, const QString &current);

// Creates the directory (none for an empty state_dir) and atomically replaces state.json.
PEAL_EXPORT Result<void> save(const QString &stateDir, const State &state);

// Rust `Path ==` on two path strings.
PEAL_EXPORT bool samePath(const QString &a, const QString &b);

// What the agent calls of this state spent, read without changing anything: cost_usd, tokens
// and "tasks" by index, as spend.json holds them; empty when nothing is recorded or the ledger
// cannot be read (docs/unattended.md).
PEAL_EXPORT QJsonObject readSpend(const QString &stateDir);

} // namespace StateStore

/*
 * `<state_dir>/peal.lock`: one run per state directory. Held for the whole run; a lock left by
 * a run that was killed (its process is gone) is taken over. The error names the holder.
 */
class PEAL_EXPORT StateLock
{
public:
    StateLock();
    ~StateLock();
    StateLock(const StateLock &) = delete;
    StateLock &operator=(const StateLock &) = delete;

    Result<void> acquire(const QString &stateDir);
    bool isHeld() const;
    static QString lockFilePath(const QString &stateDir);
    // The pid of a live run holding the lock of `stateDir`, read without taking or creating it.
    static std::optional<qint64> activeHolder(const QString &stateDir);

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Peal
