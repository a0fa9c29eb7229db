// SPDX-License-Identifier: MIT
#include "statuswatch.h"

#include "console.h"

#include <peal/exitcode.h>
#include <peal/journal.h>
#include <peal/state.h>
#include <peal/summary.h>

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>

namespace Peal::Cli {

namespace {

constexpr int kRescanMs = 2000;

// The journal of the newest run of the state directory (run ids sort by time).
QString newestJournal(const QString &stateDir)
{
    const QDir dir(RunHistory::directory(stateDir));
    const QStringList journals = dir.entryList({QStringLiteral("*.jsonl")}, QDir::Files, QDir::Name | QDir::Reversed);
    return journals.isEmpty() ? QString() : dir.filePath(journals.first());
}

} // namespace

StatusWatch::StatusWatch(QString stateDir, bool terminal) : m_stateDir(std::move(stateDir)), m_terminal(terminal)
{
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, [this] { readNew(); });
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, [this] { readNew(); });
    m_rescan.setInterval(kRescanMs);
    connect(&m_rescan, &QTimer::timeout, this, [this] { readNew(); });
}

bool StatusWatch::runIsAlive() const
{
    return StateLock::activeHolder(m_stateDir).has_value();
}

int StatusWatch::run()
{
    if (!runIsAlive()) {
        printOut(QStringLiteral("no run is in progress in %1 ('peal status' shows the last one)\n")
                     .arg(StateStore::directory(m_stateDir)));
        return toInt(ExitCode::Success);
    }
    // The running peal opens its journal right after it takes the lock: wait for it.
    const QString runs = RunHistory::directory(m_stateDir);
    m_watcher.addPath(QDir(runs).exists() ? runs : StateStore::directory(m_stateDir));
    readNew();
    m_rescan.start();
    if (!m_ended)
        m_loop.exec();
    return toInt(ExitCode::Success);
}

void StatusWatch::readNew()
{
    if (m_journal.isEmpty()) {
        m_journal = newestJournal(m_stateDir);
        if (m_journal.isEmpty()) {
            if (!runIsAlive())
                m_loop.quit();
            return;
        }
        m_watcher.addPath(m_journal);
    }
    auto events = RunJournal::read(m_journal, m_seen);
    if (!events) {
        printError(events.error().toDisplayString());
        return m_loop.quit();
    }
    for (const QJsonObject &event : std::as_const(*events)) {
        m_seen = std::max<quint64>(m_seen, quint64(event.value(u"seq").toInteger()));
        apply(event);
    }
    if (m_terminal && !events->isEmpty())
        draw();
    // The run ended (its journal says so, or its peal is gone).
    if (m_ended || !runIsAlive()) {
        m_ended = true;
        m_loop.quit();
    }
}

void StatusWatch::apply(const QJsonObject &e)
{
    const QString kind = e.value(u"kind").toString();
    const quint32 task = quint32(e.value(u"task").toInteger());
    QString line;
    if (kind == u"run_started") {
        m_taskCount = e.value(u"task_count").toInt();
        m_alreadyDone = e.value(u"already_done").toInt();
        line = QStringLiteral("run started: %1 tasks, %2 done before").arg(m_taskCount).arg(m_alreadyDone);
    } else if (kind == u"phase_started") {
        TaskView &t = m_tasks[task];
        t.state = QStringLiteral("running");
        t.phase = e.value(u"phase").toString();
        line = QStringLiteral("task %1: %2").arg(task).arg(t.phase);
    } else if (kind == u"task_finished" && e.value(u"final").toBool(true)) {
        TaskView &t = m_tasks[task];
        t.state = e.value(u"interrupted").toBool() ? QStringLiteral("interrupted")
                  : e.value(u"ok").toBool()       ? QStringLiteral("done")
                                                  : QStringLiteral("failed");
        t.note = e.value(u"error").toString();
        if (t.note.isEmpty())
            t.note = e.value(u"review").toString();
        if (e.value(u"no_changes").toBool())
            t.note = QStringLiteral("no changes");
        line = QStringLiteral("task %1 %2%3").arg(task).arg(t.state, t.note.isEmpty() ? QString() : QStringLiteral(": ") + t.note);
    } else if (kind == u"rate_limit_wait") {
        m_wait = e.value(u"wait").toString();
        line = m_wait;
    } else if (kind == u"run_finished") {
        line = QStringLiteral("all tasks of the run are through");
    } else if (kind == u"run_ended") {
        m_ended = true;
        line = QStringLiteral("run ended: exit %1").arg(e.value(u"exit_code").toInt());
    }
    if (!m_terminal && !line.isEmpty())
        printOut(line + u'\n');
}

void StatusWatch::draw()
{
    // The whole view again, from the top of the screen: a run has few tasks to show.
    QString view = QStringLiteral("\x1b[H\x1b[J");
    int done = m_alreadyDone;
    for (const TaskView &t : std::as_const(m_tasks))
        done += t.state == u"done" ? 1 : 0;
    view += QStringLiteral("peal status --watch: %1 · %2/%3 done%4\n\n")
                .arg(QFileInfo(m_journal).completeBaseName())
                .arg(done)
                .arg(m_taskCount)
                .arg(m_wait.isEmpty() ? QString() : QStringLiteral(" · ") + m_wait);
    for (auto it = m_tasks.cbegin(); it != m_tasks.cend(); ++it) {
        const TaskView &t = it.value();
        view += QStringLiteral("  task %1  %2%3%4\n")
                    .arg(it.key())
                    .arg(t.state, t.state == u"running" ? QStringLiteral(" (%1)").arg(t.phase) : QString(),
                         t.note.isEmpty() ? QString() : QStringLiteral(" · ") + t.note);
    }
    if (m_ended)
        view += QStringLiteral("\nthe run has ended\n");
    printOut(view);
}

} // namespace Peal::Cli
