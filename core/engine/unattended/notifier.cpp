// SPDX-License-Identifier: MIT
#include "unattended/notifier.h"

#include <peal/exec.h>
#include <peal/textutil.h>

#include <QDateTime>
#include <QJsonDocument>

namespace Peal::Internal {

const QStringList &Notifier::eventNames()
{
    static const QStringList names{QStringLiteral("task_failed"), QStringLiteral("task_done"),
                                   QStringLiteral("rate_limit_wait"), QStringLiteral("budget_stop"),
                                   QStringLiteral("run_done"), QStringLiteral("agent_fallback")};
    return names;
}

Notifier::Notifier(const Config &config, Logger &logger, SideCommands &commands, QObject *parent)
    : QObject(parent), m_config(config), m_logger(logger), m_commands(commands)
{
}

bool Notifier::wants(const QString &event) const
{
    // The starts of tasks and phases are many: sent only when notify_on lists them, so that a
    // command written for the other events sees what it always saw.
    const bool onlyWhenListed = event == u"task_started" || event == u"phase_started";
    return !m_config.notifyCommands.isEmpty()
           && (m_config.notifyOn.contains(event) || (m_config.notifyOn.isEmpty() && !onlyWhenListed));
}

void Notifier::send(const QString &event, const QString &message, QJsonObject fields)
{
    if (!wants(event))
        return;
    fields.insert(QStringLiteral("event"), event);
    fields.insert(QStringLiteral("time"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    fields.insert(QStringLiteral("message"), message);
    fields.insert(QStringLiteral("plan_path"), m_config.planPath);
    fields.insert(QStringLiteral("repo_path"), m_config.repoPath);
    QJsonObject paths = fields.value(QStringLiteral("paths")).toObject();
    paths.insert(QStringLiteral("state_dir"), m_config.stateDir);
    paths.insert(QStringLiteral("state_file"), QString(m_config.stateDir + QStringLiteral("/state.json")));
    fields.insert(QStringLiteral("paths"), paths);
    const QByteArray payload = QJsonDocument(fields).toJson(QJsonDocument::Compact) + '\n';
    const QString task = fields.value(QStringLiteral("task")).isDouble()
                             ? QString::number(fields.value(QStringLiteral("task")).toInteger())
                             : QString();

    for (int command = 0; command < m_config.notifyCommands.size(); ++command) {
        const QStringList &argv = m_config.notifyCommands.at(command);
        if (argv.isEmpty())
            continue;
        ProcessSpec spec;
        spec.program = argv.first();
        spec.arguments = argv.mid(1);
        spec.workingDirectory = m_config.repoPath;
        spec.stdinMode = ProcessSpec::Stdin::Data;
        spec.stdinData = payload;
        spec.timeout = kTimeout;
        spec.captureLimit = 64 * 1024;
        spec.label = QStringLiteral("notify %1").arg(event);
        spec.environment.insert(QStringLiteral("PEAL_NOTIFY_EVENT"), event);
        spec.environment.insert(QStringLiteral("PEAL_NOTIFY_TASK"), task);
        spec.environment.insert(QStringLiteral("PEAL_NOTIFY_MESSAGE"), message);
        m_queued[command].append(spec);
        if (!m_busy.contains(command))
            startNext(command);
    }
}

void Notifier::startNext(int command)
{
    QList<ProcessSpec> &queue = m_queued[command];
    if (queue.isEmpty()) {
        m_busy.remove(command);
        return;
    }
    m_busy.insert(command);
    const ProcessSpec spec = queue.takeFirst();
    const QString event = spec.environment.value(QStringLiteral("PEAL_NOTIFY_EVENT"));
    // The next event starts from inside this one's completion, so the run's wait for its side
    // commands (SideCommands::whenIdle) covers the whole queue.
    m_commands.run(spec, [this, command, event](const ProcessResult &r) { finished(command, event, r); });
}

void Notifier::finished(int command, const QString &event, const ProcessResult &r)
{
    const QString program = m_config.notifyCommands.value(command).value(0);
    if (r.ending == ProcessEnding::Cancelled) {
        // A forced stop (SideCommands::killAll): what waits is not sent.
        m_queued.remove(command);
        m_busy.remove(command);
        return;
    }
    if (!r.success()) {
        QString why;
        if (r.failedToStart())
            why = QStringLiteral("failed to start: ") + r.errorString;
        else if (r.timedOut())
            why = QStringLiteral("timed out after %1 s").arg(kTimeout.count());
        else
            why = QStringLiteral("ended with ") + exitStatusText(r);
        LogFields logged{{QStringLiteral("event"), event},
                         {QStringLiteral("command"), program},
                         {QStringLiteral("err"), why}};
        if (const QString line = Text::firstLine(r.stderrText).trimmed(); !line.isEmpty())
            logged.append({QStringLiteral("stderr"), line.left(300)});
        m_logger.warn(u"peal::main", QStringLiteral("notify command failed (ignored)"), logged);
    } else {
        m_logger.debug(u"peal::main", QStringLiteral("notify command succeeded"),
                       {{QStringLiteral("event"), event}, {QStringLiteral("command"), program}});
    }
    startNext(command);
}

} // namespace Peal::Internal
