// SPDX-License-Identifier: MIT
#pragma once

#include <peal/config.h>
#include <peal/log.h>

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QObject>

#include "run/sidecommands.h"

#include <functional>

namespace Peal::Internal {

/*
 * notify_commands (docs/unattended.md): on each event that notify_on lets through, every
 * command runs (no shell) with one JSON object on stdin - event, time, message, task, phase,
 * reason, totals, paths - and PEAL_NOTIFY_EVENT, PEAL_NOTIFY_TASK and PEAL_NOTIFY_MESSAGE in
 * its environment, for 10 s at most. A command that fails costs a warning, never the run. The
 * commands are side commands of the run: neither the limiter nor a cancel holds them. Each
 * command gets the events one at a time, in the order they happened (a later event waits for
 * the command's previous one); different commands run side by side.
 */
class PEAL_EXPORT Notifier : public QObject
{
    Q_OBJECT

public:
    static constexpr std::chrono::seconds kTimeout{10};
    static const QStringList &eventNames();

    Notifier(const Config &config, Logger &logger, SideCommands &commands, QObject *parent = nullptr);

    bool wants(const QString &event) const;
    // `fields` joins {"event", "time", "message", "plan_path", "repo_path", "paths"}.
    void send(const QString &event, const QString &message, QJsonObject fields);

private:
    void startNext(int command);
    void finished(int command, const QString &event, const ProcessResult &result);

    const Config &m_config;
    Logger &m_logger;
    SideCommands &m_commands;
    // Per notify command (by index): the events waiting for it, and whether one runs now.
    QHash<int, QList<ProcessSpec>> m_queued;
    QSet<int> m_busy;
};

} // namespace Peal::Internal
