// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <QList>

#include <memory>

class QTemporaryDir;

namespace PealTest {

// Absolute paths of things the build knows.
QString pealBinary();
QString dataDir();
QString sourceDir();

// Writes (creating parent directories) and reads files; QFAIL-free helpers return false or
// empty on failure so the calling test can QVERIFY them.
bool writeFile(const QString &path, const QByteArray &content);
QByteArray readFile(const QString &path);

// Makes `dir` a git repository with a local identity and one initial commit.
bool initGitRepo(const QString &dir);
QString git(const QString &repo, const QStringList &arguments, int *exitCode = nullptr);

// Commits everything in the work tree (git add -A, git commit).
bool commitAll(const QString &repo, const QString &message);

// The JSON object in `bytes` (empty when it is not one).
QJsonObject json(const QByteArray &bytes);
// The integers of a JSON array.
QList<int> ints(const QJsonValue &value);
// The last non-blank line of a text (what peal prints last on stderr).
QString lastLine(const QString &text);
// The end of a long output, for a failure message: QtTest cuts messages short, and what went
// wrong is printed last.
QByteArray tail(const QString &text, qsizetype chars = 900);

struct RunResult
{
    int exitCode = -1;
    QString out;
    QString err;
};

// Runs a program synchronously (tests only; the product never blocks). `env` entries are
// added to the test's environment; an entry with an empty value removes the variable.
RunResult run(const QString &program, const QStringList &arguments, const QString &workingDir = {},
              const QHash<QString, QString> &env = {}, int timeoutMs = 60000);

// The demo agent built with peal (also the tests' fake agent).
QString demoAgent();
// The demo reviewer built with peal (also the tests' fake stet).
QString demoStet();

// Runs the peal binary.
RunResult runPeal(const QStringList &arguments, const QString &workingDir = {},
                  const QHash<QString, QString> &env = {}, int timeoutMs = 60000);

/*
 * A temporary directory with a git repository (`repo/`), a plan file (`plan.md`) and a state
 * directory (`state/`), and a way to run `peal run` on them with the demo agent. Agent calls
 * are logged (PEAL_FAKE_AGENT_LOG) so tests can compare argv and order.
 */
class Scenario
{
public:
    explicit Scenario(const QByteArray &plan = "## Task 1\nT1: do it.\n");
    ~Scenario();

    bool isValid() const { return m_valid; }
    QString dir() const;
    QString repo() const;
    QString planPath() const;
    QString stateDir() const;
    QString agentLog() const;
    QString stetLog() const;
    QString path(const QString &relative) const;

    // `peal run --plan P --repo R --state-dir S --agent-cmd <demo agent>` plus `extra`.
    RunResult run(const QStringList &extra = {}, const QHash<QString, QString> &env = {},
                  int timeoutMs = 120000) const;
    // The same with full control of the arguments (no defaults added), run from `workingDir`
    // (default: the scenario's directory).
    RunResult runRaw(const QStringList &arguments, const QHash<QString, QString> &env = {},
                     int timeoutMs = 120000, const QString &workingDir = {}) const;

    // completed_task_indices of state.json, or {-1} if unreadable.
    QList<int> completed() const;
    QByteArray stateJson() const;
    QByteArray summaryJson() const;
    // The agent calls in order: "plan:1", "execute:1", ... (task index from the prompt).
    QStringList agentCalls() const;
    // The raw JSON lines of the agent log.
    QList<QByteArray> agentLogLines() const;
    // The fake stet's calls in order, each its argv joined by spaces: "start", "run --output=json".
    QStringList stetCalls() const;
    // Whether the fake stet has a session open in the repository.
    bool stetSessionOpen() const;
    // "subject" lines of git log, newest first.
    QStringList commits() const;

private:
    std::unique_ptr<QTemporaryDir> m_temp;
    bool m_valid = false;
};

// A stand-in for Claude Code in the scenario's directory that costs `usd` and 120 tokens
// per call: its --version, then a result with total_cost_usd; every call appends a line to
// <dir>/calls. Run it with --agent-plugin claude --agent-cmd <path>.
QString costingClaude(const Scenario &s, const QString &usd);

// One finding as the fake stet's script (PEAL_FAKE_STET_SCRIPT) and stet print it, at
// src/x.c:3, as compact JSON; `findingList` makes one review's list of them.
QString stetFinding(const QString &id, const QString &message, const QString &suggestion = {});
QString findingList(const QStringList &findings);

} // namespace PealTest
