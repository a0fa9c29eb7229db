// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

#include <chrono>

class QSocketNotifier;

namespace Peal::Cli {

/*
 * Turns SIGINT and SIGTERM into a Qt signal on the event loop. The handler only writes the
 * signal number to a pipe (async-signal-safe); the notifier reads it there. One watcher per
 * process. A thread waits for the second signal: if peal is still running kWatchdogDelay
 * later, it kills every child's process group and exits (128 + the first signal).
 */
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    static constexpr std::chrono::milliseconds kWatchdogDelay{2500};

    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    bool isValid() const { return m_notifier != nullptr; }

Q_SIGNALS:
    // `signalNumber` is SIGINT or SIGTERM.
    void received(int signalNumber);

private:
    void readPipe();

    QSocketNotifier *m_notifier = nullptr;
};

} // namespace Peal::Cli
