// SPDX-License-Identifier: MIT
#pragma once

#include "scriptedlauncher.h"

#include <QHash>
#include <QJsonObject>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace PealTest {

/*
 * One `peal run` in process: the real Engine, the real plugins (cursor, stet, address, ...)
 * and real state files in a temporary directory, with every process - git, the agent, the
 * reviewer, notify and post-run commands - answered by a ScriptedLauncher (RunRequest::launcher).
 * Nothing is spawned; a run takes milliseconds. Calls are named "plan 1", "execute 1",
 * "triage 1", "address 1" (the agent, by prompt, with the task of its "T<n>:" body), "stet
 * run", "stet start", ... and "git <args>"; the script answers by name, in call order, the last
 * answer repeating. Git answers as a clean repository whose HEAD never moves unless scripted.
 */
class EngineRun
{
public:
    // A plan whose task bodies start "T<n>:" (so calls are named after their task).
    explicit EngineRun(const QByteArray &plan = "## Task 1\nT1: do it.\n");

    bool isValid() const { return m_dir.isValid(); }
    QString path(const QString &name) const { return m_dir.path() + u'/' + name; }
    QString planPath() const { return path(QStringLiteral("plan.md")); }
    QString repo() const { return path(QStringLiteral("repo")); }
    QString stateDir() const { return path(QStringLiteral("state")); }

    // What the calls named `name` answer, in order; the last one repeats.
    void script(const QString &name, QList<ScriptedAnswer> answers) { m_script.insert(name, std::move(answers)); }

    // `peal run` with `flags` (as on the command line; --plan, --repo, --state-dir, --agent-cmd
    // and --stet-path are given), run to its end on the event loop; the exit code.
    int run(const QStringList &flags = {});

    // The calls of the last run, in the order they started ("plan 1", "stet run", ...);
    // `prefix` keeps only those that start with it ("stet ", "git commit").
    QStringList calls(const QString &prefix = {}) const;
    // The agent's calls, in order: "plan 1", "execute 1", "triage", "address", ...
    QStringList agentCalls() const;
    // Lines the run printed on stderr (log lines at info and above, "error:" and "warning:").
    const QString &err() const { return m_err; }
    QList<int> completed() const;
    QJsonObject summary() const;           // run_summary.json ({} when absent)
    QJsonObject review(int task) const;    // tasks/<task>/review.json ({} when absent)

    std::shared_ptr<ScriptedLauncher> launcher;

private:
    ScriptedAnswer answer(const QString &name, const Peal::ProcessSpec &spec);

    QTemporaryDir m_dir;
    QHash<QString, QList<ScriptedAnswer>> m_script;
    QHash<QString, int> m_asked;
    QString m_err;
};

// What a stet run prints: a findings array of `ids` ("a1111111", ...), one finding each.
QString stetFindings(const QStringList &ids);

} // namespace PealTest
