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
constexpr int kRescanMs = 2000; // the safety net for file systems without change events
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
    if (!m_run.ended)
        m_loop.exec();
    return toInt(ExitCode::Success);
}

void StatusWatch::readNew()
{
    if (m_journal.isEmpty()) {
        m_journal = RunProgress::newestJournal(m_stateDir);
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
    if (m_run.ended || !runIsAlive()) {
        m_run.ended = true;
        m_loop.quit();
    }
}

void StatusWatch::apply(const QJsonObject &e)
{
    const QString line = m_run.apply(e);
    if (!m_terminal && !line.isEmpty())
        printOut(line + u'\n');
}

void StatusWatch::draw()
{
    // The whole view again, from the top of the screen: a run has few tasks to show.
    QString view = QStringLiteral("\x1b[H\x1b[J");
    view += QStringLiteral("peal status --watch: %1 · %2/%3 done%4\n\n")
                .arg(QFileInfo(m_journal).completeBaseName())
                .arg(m_run.done())
                .arg(m_run.taskCount)
                .arg(m_run.wait.isEmpty() ? QString() : QStringLiteral(" · ") + m_run.wait);
    for (auto it = m_run.tasks.cbegin(); it != m_run.tasks.cend(); ++it) {
        const RunProgress::Task &t = it.value();
        view += QStringLiteral("  task %1  %2%3%4\n")
                    .arg(it.key())
                    .arg(t.state, t.state == u"running" ? QStringLiteral(" (%1)").arg(t.phase) : QString(),
                         t.note.isEmpty() ? QString() : QStringLiteral(" · ") + t.note);
    }
    if (m_run.ended)
        view += QStringLiteral("\nthe run has ended\n");
    printOut(view);
}

} // namespace Peal::Cli
