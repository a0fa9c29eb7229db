// SPDX-License-Identifier: MIT
#pragma once

#include <peal/processjob.h>

#include <QHash>
#include <QPointer>
#include <QStringList>
#include <QTimer>

#include <functional>

namespace PealTest {

// What a scripted process does; a negative delay holds it until the test releases it.
struct ScriptedAnswer
{
    int delayMs = 2;
    int exitCode = 0;
    QString stdoutText = {};
    QString stderrText = {};
    // How it ends: Exited (with exitCode), TimedOut, FailedToStart (errorString), Crashed.
    Peal::ProcessEnding ending = Peal::ProcessEnding::Exited;
    QString errorString = {};
};

class ScriptedLauncher;

// A process that answers from a script on the event loop: nothing is spawned.
class ScriptedProcess final : public Peal::RunningProcess
{
    Q_OBJECT

public:
    ScriptedProcess(Peal::ProcessSpec spec, QString name, ScriptedAnswer answer, ScriptedLauncher &launcher,
                    QObject *parent);

    const Peal::ProcessSpec &spec() const override { return m_spec; }
    void start() override;
    // Ends the process as scripted (at once for one that is held).
    void answer();
    void cancel() override;

private:
    void end(const Peal::ProcessResult &r, const QString &how);

    Peal::ProcessSpec m_spec;
    QString m_name;
    ScriptedAnswer m_answer;
    ScriptedLauncher &m_launcher;
    QTimer m_timer;
    bool m_started = false;
    bool m_ended = false;
};

/*
 * The process launcher of engine tests without processes: each spec gets a name (`nameOf`, for
 * example "plan 3" or "git worktree add"), the script answers by that name, and the log
 * records "start <name>", "end <name>" and "cancelled <name>" in order, so a test compares
 * what the engine did.
 */
class ScriptedLauncher final : public Peal::ProcessLauncher
{
public:
    using Namer = std::function<QString(const Peal::ProcessSpec &)>;
    explicit ScriptedLauncher(Namer nameOf);

    std::function<ScriptedAnswer(const QString &name, const Peal::ProcessSpec &spec)> script;
    QStringList log;
    QList<Peal::ProcessSpec> specs; // every process created, in order
    int running = 0;
    int peak = 0;

    Peal::RunningProcess *create(const Peal::ProcessSpec &spec, QObject *parent) override;
    // Lets a held process end as scripted.
    void release(const QString &name);

private:
    Namer m_nameOf;
    QHash<QString, QPointer<ScriptedProcess>> m_calls;
};

// "git <arguments after -C <dir>>": the name of a git call for ScriptedLauncher.
QString gitCallName(const Peal::ProcessSpec &spec);

} // namespace PealTest
