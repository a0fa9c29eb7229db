// SPDX-License-Identifier: MIT
#include "runprogress.h"

#include <peal/summary.h>

#include <QDir>

namespace Peal::Cli {

QString RunProgress::apply(const QJsonObject &e)
{
    const QString kind = e.value(u"kind").toString();
    const quint32 task = quint32(e.value(u"task").toInteger());
    if (kind == u"run_started") {
        taskCount = e.value(u"task_count").toInt();
        alreadyDone = e.value(u"already_done").toInt();
        return QStringLiteral("run started: %1 tasks, %2 done before").arg(taskCount).arg(alreadyDone);
    }
    if (kind == u"phase_started") {
        Task &t = tasks[task];
        t.state = QStringLiteral("running");
        t.phase = e.value(u"phase").toString();
        return QStringLiteral("task %1: %2").arg(task).arg(t.phase);
    }
    if (kind == u"task_finished" && e.value(u"final").toBool(true)) {
        Task &t = tasks[task];
        t.state = e.value(u"interrupted").toBool() ? QStringLiteral("interrupted")
                  : e.value(u"ok").toBool()       ? QStringLiteral("done")
                                                  : QStringLiteral("failed");
        t.note = e.value(u"error").toString();
        if (t.note.isEmpty())
            t.note = e.value(u"review").toString();
        if (e.value(u"no_changes").toBool())
            t.note = QStringLiteral("no changes");
        return QStringLiteral("task %1 %2").arg(task).arg(t.state) + (t.note.isEmpty() ? QString() : QStringLiteral(": ") + t.note);
    }
    if (kind == u"rate_limit_wait") {
        wait = e.value(u"wait").toString();
        return wait;
    }
    if (kind == u"agent_fallback")
        return QStringLiteral("task %1: %2").arg(task).arg(e.value(u"line").toString());
    if (kind == u"run_finished")
        return QStringLiteral("all tasks of the run are through");
    if (kind == u"run_ended") {
        ended = true;
        exitCode = e.value(u"exit_code").toInt();
        return QStringLiteral("run ended: exit %1").arg(exitCode);
    }
    return {};
}

int RunProgress::done() const
{
    int n = alreadyDone;
    for (const Task &t : tasks)
        n += t.state == u"done" ? 1 : 0;
    return n;
}

QString RunProgress::running() const
{
    QStringList parts;
    for (auto it = tasks.cbegin(); it != tasks.cend(); ++it) {
        if (it->state == u"running")
            parts << QStringLiteral("task %1 in %2").arg(it.key()).arg(it->phase);
    }
    return parts.join(QStringLiteral(", "));
}

QString RunProgress::newestJournal(const QString &stateDir)
{
    const QDir dir(RunHistory::directory(stateDir));
    const QStringList journals = dir.entryList({QStringLiteral("*.jsonl")}, QDir::Files, QDir::Name | QDir::Reversed);
    return journals.isEmpty() ? QString() : dir.filePath(journals.first());
}

} // namespace Peal::Cli
