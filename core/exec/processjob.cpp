// SPDX-License-Identifier: MIT
#include <peal/processjob.h>

#include <peal/textutil.h>

#include <QElapsedTimer>
#include <QProcess>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <set>

#include <csignal>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

namespace Peal {

namespace {

std::atomic<qint64> s_graceMs{2000};

// The process groups of running children, for killEveryProcessGroup() on another thread.
std::mutex &groupsMutex()
{
    static std::mutex mutex;
    return mutex;
}

std::set<pid_t> &liveGroups()
{
    static std::set<pid_t> groups;
    return groups;
}

void trackGroup(qint64 pid, bool live)
{
    if (pid <= 0)
        return;
    std::lock_guard lock(groupsMutex());
    if (live)
        liveGroups().insert(pid_t(pid));
    else
        liveGroups().erase(pid_t(pid));
}

} // namespace

// Named, not anonymous: ProcessJob::Private holds them (and a unity build includes this file).
namespace Internal {

// Keeps the first `limit` bytes of a stream and counts the rest.
class CaptureBuffer
{
public:
    explicit CaptureBuffer(qint64 limit) : m_limit(limit) {}

    void append(const QByteArray &chunk)
    {
        m_total += chunk.size();
        const qint64 room = m_limit - m_data.size();
        if (room > 0)
            m_data.append(chunk.constData(), std::min<qint64>(room, chunk.size()));
    }
    QString text() const { return Text::fromUtf8Lossy(m_data); }
    qint64 total() const { return m_total; }
    bool truncated() const { return m_total > m_data.size(); }

private:
    QByteArray m_data;
    qint64 m_total = 0;
    qint64 m_limit;
};

// Splits a stream into lines as it arrives. Only the line being read is held, and at most
// `limit` bytes of it.
class LineSplitter
{
public:
    explicit LineSplitter(qint64 limit) : m_limit(std::max<qint64>(1, limit)) {}

    template<typename Emit>
    void append(const QByteArray &chunk, Emit emitLine)
    {
        qsizetype from = 0;
        while (from < chunk.size()) {
            const qsizetype newline = chunk.indexOf('\n', from);
            const qsizetype end = newline < 0 ? chunk.size() : newline;
            keep(chunk.constData() + from, end - from);
            if (newline < 0)
                return;
            flush(emitLine);
            from = newline + 1;
        }
    }

    template<typename Emit>
    void finish(Emit emitLine)
    {
        if (!m_line.isEmpty() || m_cut)
            flush(emitLine);
    }

    qint64 linesCut() const { return m_linesCut; }

private:
    void keep(const char *data, qsizetype size)
    {
        const qint64 room = m_limit - m_line.size();
        if (size > room)
            m_cut = true;
        if (room > 0)
            m_line.append(data, qsizetype(std::min<qint64>(room, size)));
    }

    template<typename Emit>
    void flush(Emit emitLine)
    {
        if (m_line.endsWith('\r'))
            m_line.chop(1);
        if (m_cut)
            ++m_linesCut;
        emitLine(Text::fromUtf8Lossy(m_line));
        m_line.clear();
        m_cut = false;
    }

    QByteArray m_line;
    qint64 m_limit;
    bool m_cut = false;
    qint64 m_linesCut = 0;
};

} // namespace Internal

using Internal::CaptureBuffer;
using Internal::LineSplitter;

RunningProcess::~RunningProcess() = default;
ProcessLauncher::~ProcessLauncher() = default;

RunningProcess *LocalLauncher::create(const ProcessSpec &spec, QObject *parent)
{
    return new ProcessJob(spec, parent);
}

class ProcessJob::Private
{
public:
    enum class Phase { Idle, Running, Terminating, Done };

    Private(ProcessJob *job, ProcessSpec s)
        : q(job), spec(std::move(s)), out(spec.captureLimit), err(spec.captureLimit), outLines(spec.maxLineLength),
          errLines(spec.maxLineLength) {}

    void start();
    void endTree(ProcessEnding why);
    void signalGroup(int signal) const;
    void drain();
    // Output arrived: the idle timer starts over.
    void noteOutput(const QByteArray &chunk)
    {
        if (!chunk.isEmpty() && idleTimer.isActive())
            idleTimer.start();
    }
    void drainStdout();
    void drainStderr();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onError(QProcess::ProcessError error);
    void complete(ProcessResult result);

    ProcessJob *q;
    ProcessSpec spec;
    QProcess *process = nullptr;
    QTimer timeoutTimer;
    QTimer idleTimer; // restarted by every chunk of output (spec.idleTimeout)
    QTimer killTimer;
    CaptureBuffer out;
    CaptureBuffer err;
    LineSplitter outLines;
    LineSplitter errLines;
    QElapsedTimer clock;
    Phase phase = Phase::Idle;
    ProcessEnding requestedEnding = ProcessEnding::Exited;
    bool idle = false; // ended by the idle timer
    qint64 pid = 0;
};

void ProcessJob::Private::start()
{
    process = new QProcess(q);
    process->setProgram(spec.program);
    process->setArguments(spec.arguments);
    if (!spec.workingDirectory.isEmpty())
        process->setWorkingDirectory(spec.workingDirectory);
    if (!spec.environment.isEmpty()) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (auto it = spec.environment.cbegin(); it != spec.environment.cend(); ++it)
            env.insert(it.key(), it.value());
        process->setProcessEnvironment(env);
    }
    if (spec.stdinMode == ProcessSpec::Stdin::Inherit)
        process->setInputChannelMode(QProcess::ForwardedInputChannel);
    else if (spec.stdinMode == ProcessSpec::Stdin::Null)
        process->setStandardInputFile(QProcess::nullDevice());

    // Runs in the child between fork and exec: only async-signal-safe calls. A process group of
    // its own lets a timeout or cancel end the whole tree; an empty signal mask undoes anything
    // peal blocked for itself.
    process->setChildProcessModifier([] {
        ::setpgid(0, 0);
        // If peal dies without a chance to clean up (SIGKILL), the child is told to stop.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
    });

    QObject::connect(process, &QProcess::readyReadStandardOutput, q, [this] { drainStdout(); });
    QObject::connect(process, &QProcess::readyReadStandardError, q, [this] { drainStderr(); });
    QObject::connect(process, &QProcess::finished, q,
                     [this](int code, QProcess::ExitStatus status) { onFinished(code, status); });
    QObject::connect(process, &QProcess::errorOccurred, q,
                     [this](QProcess::ProcessError error) { onError(error); });
    QObject::connect(process, &QProcess::started, q, [this] {
        pid = process->processId();
        trackGroup(pid, true);
        if (spec.stdinMode == ProcessSpec::Stdin::Data) {
            // Written as the child reads it; end of file once it is all out.
            process->write(spec.stdinData);
            process->closeWriteChannel();
        }
        Q_EMIT q->started();
    });

    timeoutTimer.setSingleShot(true);
    QObject::connect(&timeoutTimer, &QTimer::timeout, q,
                     [this] { endTree(ProcessEnding::TimedOut); });
    killTimer.setSingleShot(true);
    QObject::connect(&killTimer, &QTimer::timeout, q, [this] { signalGroup(SIGKILL); });
    idleTimer.setSingleShot(true);
    idleTimer.setTimerType(Qt::PreciseTimer); // a coarse timer may fire 5 % early
    QObject::connect(&idleTimer, &QTimer::timeout, q, [this] {
        idle = true;
        endTree(ProcessEnding::TimedOut);
    });

    phase = Phase::Running;
    clock.start();
    if (spec.timeout) {
        // QTimer takes an int of milliseconds: a longer timeout would wrap around (4294968 s
        // became 704 ms). Clamped, the longest timeout is about 24.8 days.
        const qint64 ms = std::clamp<qint64>(spec.timeout->count(), 0, kLongestTimeout.count());
        timeoutTimer.start(int(ms));
    }
    if (spec.idleTimeout) {
        idleTimer.setInterval(int(std::clamp<qint64>(spec.idleTimeout->count(), 1, kLongestTimeout.count())));
        idleTimer.start();
    }
    process->start(spec.stdinMode == ProcessSpec::Stdin::Data ? QIODevice::ReadWrite : QIODevice::ReadOnly);
}

void ProcessJob::Private::signalGroup(int signal) const
{
    if (pid > 0)
        ::kill(-pid_t(pid), signal);
}

void ProcessJob::Private::endTree(ProcessEnding why)
{
    if (phase != Phase::Running)
        return;
    phase = Phase::Terminating;
    requestedEnding = why;
    timeoutTimer.stop();
    idleTimer.stop();
    if (pid <= 0 && process)
        pid = process->processId();
    if (pid <= 0) {
        // Not started yet (fork pending): kill() makes QProcess report the end.
        process->kill();
        return;
    }
    signalGroup(SIGTERM);
    killTimer.start(int(s_graceMs.load()));
}

void ProcessJob::Private::drainStdout()
{
    const QByteArray chunk = process->readAllStandardOutput();
    noteOutput(chunk);
    out.append(chunk);
    if (spec.streamLines)
        outLines.append(chunk, [this](const QString &line) { Q_EMIT q->outputLine(OutputChannel::Stdout, line); });
}

void ProcessJob::Private::drainStderr()
{
    const QByteArray chunk = process->readAllStandardError();
    noteOutput(chunk);
    err.append(chunk);
    if (spec.streamLines)
        errLines.append(chunk, [this](const QString &line) { Q_EMIT q->outputLine(OutputChannel::Stderr, line); });
}

void ProcessJob::Private::drain()
{
    drainStdout();
    drainStderr();
    if (!spec.streamLines)
        return;
    // What follows the last line break is a line too.
    outLines.finish([this](const QString &line) { Q_EMIT q->outputLine(OutputChannel::Stdout, line); });
    errLines.finish([this](const QString &line) { Q_EMIT q->outputLine(OutputChannel::Stderr, line); });
}

void ProcessJob::Private::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (phase == Phase::Done)
        return;
    drain();
    ProcessResult result;
    if (phase == Phase::Terminating) {
        // Whatever the child did on SIGTERM, we ended it; make sure nothing of it survives.
        signalGroup(SIGKILL);
        result.ending = requestedEnding;
        result.idle = idle && requestedEnding == ProcessEnding::TimedOut;
    } else if (status == QProcess::CrashExit) {
        result.ending = ProcessEnding::Crashed;
        result.signal = exitCode; // QProcess reports the terminating signal as the code
    } else {
        result.ending = ProcessEnding::Exited;
        result.exitCode = exitCode;
    }
    complete(std::move(result));
}

void ProcessJob::Private::onError(QProcess::ProcessError error)
{
    // Crashes arrive through finished() too; only a failed start ends here.
    if (error != QProcess::FailedToStart || phase == Phase::Done)
        return;
    ProcessResult result;
    result.ending = ProcessEnding::FailedToStart;
    result.errorString = process->errorString();
    complete(std::move(result));
}

void ProcessJob::Private::complete(ProcessResult result)
{
    phase = Phase::Done;
    trackGroup(pid, false);
    timeoutTimer.stop();
    idleTimer.stop();
    killTimer.stop();
    result.stdoutText = out.text();
    result.stderrText = err.text();
    result.stdoutBytes = out.total();
    result.stderrBytes = err.total();
    result.stdoutTruncated = out.truncated();
    result.stderrTruncated = err.truncated();
    result.linesCut = outLines.linesCut() + errLines.linesCut();
    result.duration = std::chrono::milliseconds(clock.elapsed());
    QMetaObject::invokeMethod(
        q,
        [job = q, result = std::move(result)] {
            Q_EMIT job->done(result);
            Q_EMIT job->finished(result.success());
        },
        Qt::QueuedConnection);
}

ProcessJob::ProcessJob(ProcessSpec spec, QObject *parent)
    : RunningProcess(parent), d(std::make_unique<Private>(this, std::move(spec)))
{
}

ProcessJob::~ProcessJob()
{
    // Never block in a destructor on a live child: kill its tree so QProcess reaps it at once.
    if (d->phase == Private::Phase::Running || d->phase == Private::Phase::Terminating) {
        d->signalGroup(SIGKILL);
        trackGroup(d->pid, false);
    }
    if (d->process) {
        d->process->disconnect();
        delete d->process; // reaps the killed child; returns promptly
    }
}

const ProcessSpec &ProcessJob::spec() const
{
    return d->spec;
}

bool ProcessJob::isRunning() const
{
    return d->phase == Private::Phase::Running || d->phase == Private::Phase::Terminating;
}

qint64 ProcessJob::processId() const
{
    return d->pid;
}

void ProcessJob::start()
{
    if (d->phase != Private::Phase::Idle)
        return;
    d->start();
}

void ProcessJob::cancel()
{
    if (d->phase == Private::Phase::Idle) {
        d->phase = Private::Phase::Running; // so complete() reports it exactly once
        d->clock.start();
        ProcessResult result;
        result.ending = ProcessEnding::Cancelled;
        d->complete(std::move(result));
        return;
    }
    d->endTree(ProcessEnding::Cancelled);
}

void ProcessJob::setTerminateGracePeriod(std::chrono::milliseconds grace)
{
    s_graceMs = grace.count();
}

std::chrono::milliseconds ProcessJob::terminateGracePeriod()
{
    return std::chrono::milliseconds(s_graceMs.load());
}

void ProcessJob::killEveryProcessGroup()
{
    std::lock_guard lock(groupsMutex());
    for (pid_t group : liveGroups())
        ::kill(-group, SIGKILL);
}

} // namespace Peal
