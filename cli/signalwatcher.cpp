// SPDX-License-Identifier: MIT
#include "signalwatcher.h"

#include <peal/processjob.h>

#include <QSocketNotifier>

#include <thread>

#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace Peal::Cli {

namespace {

int s_pipe[2] = {-1, -1};
int s_force[2] = {-1, -1};      // wakes the watchdog thread at the second signal
volatile sig_atomic_t s_count = 0;
volatile sig_atomic_t s_first = 0;

extern "C" void onSignal(int signalNumber)
{
    const int saved = errno;
    const unsigned char byte = static_cast<unsigned char>(signalNumber);
    [[maybe_unused]] ssize_t n = ::write(s_pipe[1], &byte, 1);
    if (s_count == 0)
        s_first = signalNumber;
    s_count = s_count + 1;
    if (s_count == 2 && s_force[1] >= 0)
        n = ::write(s_force[1], &byte, 1);
    errno = saved;
}

// The last resort behind the engine's own forced stop: if the event loop does not end the run
// soon after a second signal (a plugin blocks it), every child's process group is killed and
// peal exits with the first signal's code. The state file was last written atomically, so it
// is intact.
void watchdog()
{
    unsigned char byte = 0;
    while (::read(s_force[0], &byte, 1) != 1) {
    }
    std::this_thread::sleep_for(SignalWatcher::kWatchdogDelay);
    ProcessJob::killEveryProcessGroup();
    static const char message[] = "error: the run did not end after the second interrupt; stopped it\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(128 + int(s_first));
}

} // namespace

SignalWatcher::SignalWatcher(QObject *parent) : QObject(parent)
{
    if (s_pipe[0] >= 0 || ::pipe2(s_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return;
    s_count = 0;
    if (s_force[0] < 0 && ::pipe2(s_force, O_CLOEXEC) == 0)
        std::thread(watchdog).detach(); // lives until the process ends
    m_notifier = new QSocketNotifier(s_pipe[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalWatcher::readPipe);
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

SignalWatcher::~SignalWatcher()
{
    if (!m_notifier)
        return;
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::close(s_pipe[0]);
    ::close(s_pipe[1]);
    s_pipe[0] = s_pipe[1] = -1;
}

void SignalWatcher::readPipe()
{
    unsigned char byte = 0;
    while (::read(s_pipe[0], &byte, 1) == 1)
        Q_EMIT received(byte);
}

} // namespace Peal::Cli
