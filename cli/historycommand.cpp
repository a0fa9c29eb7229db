// SPDX-License-Identifier: MIT
#include "historycommand.h"

#include "console.h"
#include "workplace.h"

#include <peal/exitcode.h>
#include <peal/summary.h>
#include <peal/textutil.h>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace Peal::Cli {

namespace {

QString indices(const QList<quint32> &tasks)
{
    return tasks.isEmpty() ? QStringLiteral("-") : Text::joinIndices(tasks);
}

// "12.3 s", "4 min 5 s", "2 h 3 min"
QString took(const LastRun &run)
{
    const QDateTime start = QDateTime::fromString(run.startedAt, Qt::ISODateWithMs);
    const QDateTime end = QDateTime::fromString(run.finishedAt, Qt::ISODateWithMs);
    if (!start.isValid() || !end.isValid())
        return QStringLiteral("?");
    const qint64 ms = std::max<qint64>(0, start.msecsTo(end));
    if (ms < 60000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    if (ms < 3600000)
        return QStringLiteral("%1 min %2 s").arg(ms / 60000).arg((ms / 1000) % 60);
    return QStringLiteral("%1 h %2 min").arg(ms / 3600000).arg((ms / 60000) % 60);
}

QString line(const LastRun &run)
{
    const QString outcome = run.exitCode < 0 ? run.outcome : QStringLiteral("%1 (exit %2)").arg(run.outcome).arg(run.exitCode);
    QStringList parts{run.runId.isEmpty() ? QStringLiteral("(no id)") : run.runId, run.startedAt, outcome, took(run),
                      QStringLiteral("done %1").arg(indices(run.completedTasks)),
                      QStringLiteral("failed %1").arg(indices(run.failedTasks))};
    const QJsonObject usage = run.usage;
    if (!usage.isEmpty()) {
        // A record counts input and output; a run read from its journal, their sum.
        const qint64 tokens = usage.contains(u"tokens") ? usage.value(u"tokens").toInteger()
                                                        : usage.value(u"input_tokens").toInteger() + usage.value(u"output_tokens").toInteger();
        parts << QStringLiteral("%1 call(s), %2 tokens").arg(usage.value(u"agent_calls").toInteger()).arg(tokens);
        if (usage.contains(u"cost_usd"))
            parts << QStringLiteral("$%1").arg(usage.value(u"cost_usd").toDouble(), 0, 'f', 2);
        // Calls done by more than one back-end (agent_fallback): which, and why they moved.
        const QJsonObject backEnds = usage.value(u"back_ends").toObject();
        QStringList by;
        for (auto it = backEnds.constBegin(); it != backEnds.constEnd(); ++it)
            by << QStringLiteral("%1 %2").arg(it.key()).arg(it.value().toInteger());
        if (!by.isEmpty())
            parts << QStringLiteral("by ") + by.join(QStringLiteral(", "));
        for (const QJsonValue &v : usage.value(u"fallbacks").toArray()) {
            const QJsonObject f = v.toObject();
            const QString until = f.value(u"until").toString();
            parts << QStringLiteral("%1 -> %2 (%3%4)")
                         .arg(f.value(u"from").toString(), f.value(u"to").toString(), f.value(u"class").toString(),
                              until.isEmpty() ? QString() : QStringLiteral(" until ") + until);
        }
    }
    QString text = parts.join(QStringLiteral("  "));
    if (!run.error.isEmpty())
        text += QStringLiteral("\n    error: ") + run.error;
    return text;
}

} // namespace

int runHistoryCommand(const CommandLine &commandLine)
{
    const QString stateDir = stateDirHere(commandLine.givenStateDir);
    QStringList unreadable;
    const QList<LastRun> runs = RunHistory::read(stateDir, &unreadable);
    for (const QString &path : std::as_const(unreadable))
        printWarning(QStringLiteral("%1 is not a run record; skipped").arg(path));
    if (commandLine.json) {
        for (const LastRun &run : runs)
            printOut(QString::fromUtf8(QJsonDocument::fromJson(run.toJson()).toJson(QJsonDocument::Compact)) + u'\n');
        return toInt(ExitCode::Success);
    }
    if (runs.isEmpty()) {
        printOut(QStringLiteral("no run is recorded in %1 (each run that peal finishes adds one)\n")
                     .arg(RunHistory::directory(stateDir)));
        return toInt(ExitCode::Success);
    }
    for (const LastRun &run : runs)
        printOut(line(run) + u'\n');
    return toInt(ExitCode::Success);
}

} // namespace Peal::Cli
