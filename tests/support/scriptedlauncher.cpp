// SPDX-License-Identifier: MIT
#include "scriptedlauncher.h"

using namespace Peal;

namespace PealTest {

ScriptedProcess::ScriptedProcess(ProcessSpec spec, QString name, ScriptedAnswer answer, ScriptedLauncher &launcher,
                                 QObject *parent)
    : RunningProcess(parent), m_spec(std::move(spec)), m_name(std::move(name)), m_answer(std::move(answer)),
      m_launcher(launcher)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ScriptedProcess::answer);
}

void ScriptedProcess::start()
{
    m_started = true;
    m_launcher.log << QStringLiteral("start ") + m_name;
    m_launcher.peak = std::max(m_launcher.peak, ++m_launcher.running);
    if (m_answer.delayMs >= 0)
        m_timer.start(m_answer.delayMs);
}

void ScriptedProcess::answer()
{
    ProcessResult r;
    r.ending = m_answer.ending;
    r.exitCode = m_answer.ending == ProcessEnding::Exited ? m_answer.exitCode : -1;
    r.stdoutText = m_answer.stdoutText;
    r.stderrText = m_answer.stderrText;
    r.errorString = m_answer.errorString;
    r.signal = m_answer.ending == ProcessEnding::Crashed ? 9 : 0;
    end(r, QStringLiteral("end "));
}

void ScriptedProcess::cancel()
{
    if (m_ended)
        return;
    m_timer.stop();
    ProcessResult r;
    r.ending = ProcessEnding::Cancelled;
    QMetaObject::invokeMethod(this, [this, r] { end(r, QStringLiteral("cancelled ")); }, Qt::QueuedConnection);
}

void ScriptedProcess::end(const ProcessResult &r, const QString &how)
{
    if (std::exchange(m_ended, true))
        return;
    if (m_started)
        --m_launcher.running;
    m_launcher.log << how + m_name;
    Q_EMIT done(r);
    Q_EMIT finished(r.success());
}

ScriptedLauncher::ScriptedLauncher(Namer nameOf) : m_nameOf(std::move(nameOf))
{
    script = [](const QString &, const ProcessSpec &) { return ScriptedAnswer{}; };
}

RunningProcess *ScriptedLauncher::create(const ProcessSpec &spec, QObject *parent)
{
    const QString name = m_nameOf(spec);
    specs.append(spec);
    auto *process = new ScriptedProcess(spec, name, script(name, spec), *this, parent);
    m_calls.insert(name, process);
    return process;
}

void ScriptedLauncher::release(const QString &name)
{
    if (ScriptedProcess *process = m_calls.value(name))
        process->answer();
}

QString gitCallName(const ProcessSpec &spec)
{
    QStringList args = spec.arguments;
    if (args.value(0) == u"-C")
        args = args.mid(2);
    // The fixed identity of internal commits is not part of the name.
    while (args.value(0) == u"-c")
        args = args.mid(2);
    return QStringLiteral("git ") + args.join(u' ');
}

} // namespace PealTest
