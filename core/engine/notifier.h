// SPDX-License-Identifier: MIT
#pragma once

#include <peal/config.h>
#include <peal/log.h>

#include <QJsonObject>
#include <QObject>

#include <functional>

namespace Peal {
class ProcessJob;
}

namespace Peal::Internal {

/*
 * notify_commands (docs/unattended.md): on each event that notify_on lets through, every
 * command runs (no shell) with one JSON object on stdin - event, time, message, task, phase,
 * reason, totals, paths - and PEAL_NOTIFY_EVENT, PEAL_NOTIFY_TASK and PEAL_NOTIFY_MESSAGE in
 * its environment, for 10 s at most. A command that fails costs a warning, never the run. The
 * commands run beside the run's own processes: neither the limiter nor a cancel holds them.
 */
class PEAL_EXPORT Notifier : public QObject
{
    Q_OBJECT

public:
    static constexpr std::chrono::seconds kTimeout{10};
    static const QStringList &eventNames();

    Notifier(const Config &config, Logger &logger, QObject *parent = nullptr);
    ~Notifier() override;

    bool wants(const QString &event) const;
    // `fields` joins {"event", "time", "message", "plan_path", "repo_path", "paths"}.
    void send(const QString &event, const QString &message, QJsonObject fields);
    // `then` once no command runs (at once when none does).
    void whenIdle(std::function<void()> then);
    // Ends every command now (a forced exit).
    void killAll();

private:
    void finished();

    const Config &m_config;
    Logger &m_logger;
    int m_running = 0;
    QList<std::function<void()>> m_idle;
};

} // namespace Peal::Internal
