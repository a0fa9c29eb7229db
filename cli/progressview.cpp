// SPDX-License-Identifier: MIT
#include "progressview.h"

#include <peal/engine.h>
#include <peal/log.h>
#include <peal/state.h>
#include <peal/textutil.h>

#include <cstdio>

#include <sys/ioctl.h>
#include <unistd.h>

namespace Peal::Cli {

namespace {

QString clock(qint64 ms)
{
    const qint64 s = ms / 1000;
    return s >= 3600 ? QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0'))
                           .arg(s % 60, 2, 10, QLatin1Char('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

// A duration a person reads at a glance: "0.4 s", "12.0 s", then "1:05", "1:02:03".
QString duration(qint64 ms)
{
    return ms < 60000 ? QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1) : clock(ms);
}

int terminalWidth()
{
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 10)
        return size.ws_col;
    return 80;
}

void writeRaw(const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

QString shortCommit(const QString &sha)
{
    return sha.left(7);
}

} // namespace

ProgressView::ProgressView(Logger &logger, Options options, QObject *parent)
    : QObject(parent), m_logger(logger), m_options(std::move(options))
{
    m_clock.start();
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &ProgressView::draw);
    m_logger.setLineWriter([this](const QByteArray &line) { writeLog(line); });
}

ProgressView::~ProgressView()
{
    close();
}

ProgressView::Options ProgressView::optionsFor(RunRequest &request, bool verbose)
{
    Options view;
    const bool shown = !request.dryRun && !request.quiet && isTerminal();
    view.eventLines = shown && !verbose && !request.config.logLevel && !request.pealLog;
    view.liveLine = shown && takesCursorControl();
    view.color = Logger::colorWanted();
    if (view.eventLines) {
        request.logLines = false;
        request.logToStateDir = true;
        view.logFile = request.config.logFile.value_or(StateStore::pathIn(request.config.stateDir,
                                                                         QStringLiteral("peal.log")));
    }
    return view;
}

ProgressView *ProgressView::attach(Engine *engine, const Options &options, QObject *parent)
{
    if (!options.eventLines && !options.liveLine)
        return nullptr;
    auto *view = new ProgressView(engine->logger(), options, parent);
    connect(engine, &Engine::progress, view, &ProgressView::onProgress);
    return view;
}

bool ProgressView::isTerminal()
{
    return ::isatty(STDERR_FILENO) == 1;
}

bool ProgressView::takesCursorControl()
{
    return isTerminal() && qgetenv("TERM") != "dumb";
}

QString ProgressView::mark(bool ok) const
{
    if (!m_options.color)
        return ok ? QStringLiteral("+") : QStringLiteral("x");
    return ok ? QStringLiteral("\x1b[32m✓\x1b[0m") : QStringLiteral("\x1b[31m✗\x1b[0m");
}

void ProgressView::print(const QString &line)
{
    writeLog((line + u'\n').toUtf8());
}

void ProgressView::onProgress(const ProgressEvent &event)
{
    if (m_closed)
        return;
    switch (event.kind) {
    case ProgressEvent::Kind::RunStarted:
        m_total = event.taskCount;
        m_alreadyDone = event.alreadyDone;
        m_tick.start();
        break;
    case ProgressEvent::Kind::PhaseStarted: {
        Running &r = m_running[event.task];
        r.phase = event.phase;
        r.position = event.position;
        r.since.start();
        if (!m_tasks.contains(event.task))
            m_order.append(event.task);
        TaskRecord &record = m_tasks[event.task];
        if (record.firstStart < 0)
            record.firstStart = m_clock.elapsed();
        if (m_options.eventLines && !m_options.liveLine)
            print(QStringLiteral("    task %1 %2 ...").arg(event.task).arg(event.phase));
        break;
    }
    case ProgressEvent::Kind::AgentActivity:
        if (event.said)
            break; // the task line shows what the agent does, not what it says
        if (auto it = m_running.find(event.task); it != m_running.end())
            it->activity = event.detail;
        break;
    case ProgressEvent::Kind::AgentCallEnded:
        if (!event.backEnd.isEmpty() && !m_tasks[event.task].backEnds.contains(event.backEnd))
            m_tasks[event.task].backEnds.append(event.backEnd);
        if (event.costUsd) {
            m_costUsd = m_costUsd.value_or(0.0) + *event.costUsd;
            TaskRecord &record = m_tasks[event.task];
            record.costUsd = record.costUsd.value_or(0.0) + *event.costUsd;
        }
        break;
    case ProgressEvent::Kind::PhaseFinished:
        if (event.rounds >= 0)
            m_tasks[event.task].rounds = event.rounds;
        if (!event.commit.isEmpty())
            m_tasks[event.task].commitIds.append(shortCommit(event.commit));
        break;
    case ProgressEvent::Kind::Committed:
        for (quint32 task : event.tasks) {
            TaskRecord &record = m_tasks[task];
            record.commitIds.append(shortCommit(event.commit));
            QList<quint32> others = event.tasks;
            others.removeAll(task);
            if (!others.isEmpty())
                record.sharedWith = Text::joinIndices(others);
        }
        break; // told with each task's line
    case ProgressEvent::Kind::TaskFinished: {
        m_running.remove(event.task);
        TaskRecord &record = m_tasks[event.task];
        record.lastEnd = m_clock.elapsed();
        if (event.rounds >= 0)
            record.rounds = event.rounds;
        if (event.final) {
            m_done.remove(event.task);
            if (!event.interrupted)
                (event.ok ? m_done : m_failed).insert(event.task);
            record.result = event.interrupted    ? QStringLiteral("interrupted")
                            : !event.ok          ? QStringLiteral("failed")
                            : event.findingsLeft ? QStringLiteral("done, findings left")
                            : event.noChanges    ? QStringLiteral("done, no changes")
                            : event.notReviewed  ? QStringLiteral("done, not reviewed")
                                                 : QStringLiteral("done");
            if (m_options.eventLines)
                printTask(event.task, event);
        }
        break;
    }
    case ProgressEvent::Kind::RateLimitWait:
        m_waits[event.phase] = {event.detail, m_clock.elapsed() + event.durationMs};
        if (m_options.eventLines)
            print(QStringLiteral("  … task %1: %2").arg(event.task).arg(event.detail));
        break;
    case ProgressEvent::Kind::AgentFallback:
        m_tasks[event.task].fallback = event.detail;
        if (m_options.eventLines)
            print(QStringLiteral("  … task %1 (%2): %3").arg(event.task).arg(event.phase, event.detail));
        break;
    case ProgressEvent::Kind::RunFinished:
        if (m_options.eventLines && m_order.isEmpty() && event.ok && m_total > 0 && m_alreadyDone == m_total)
            print(QStringLiteral("nothing to do: all %1 tasks of the plan are done ('peal status' lists them, "
                                 "'peal run --redo N' runs one again)")
                      .arg(m_total));
        if (m_options.eventLines)
            printTable();
        return close();
    }
    draw();
}

void ProgressView::printTask(quint32 task, const ProgressEvent &event)
{
    const TaskRecord &r = m_tasks[task];
    const QString took = duration(std::max<qint64>(0, r.lastEnd - r.firstStart));
    if (event.interrupted)
        return; // the run's last line says why it stopped
    if (!event.ok) {
        print(QStringLiteral("  %1 %2 (after %3)").arg(mark(false), event.detail, took));
        printFindingsLeft(task, event);
        return;
    }
    QStringList parts{r.result, took};
    if (!event.review.isEmpty())
        parts << QStringLiteral("review: %1 in %2 round%3").arg(event.review).arg(std::max(0, r.rounds)).arg(r.rounds == 1 ? QString() : QStringLiteral("s"));
    else if (r.rounds == 0)
        parts << QStringLiteral("reviewed, no findings");
    else if (r.rounds > 0)
        parts << (r.rounds == 1 ? QStringLiteral("1 review round") : QStringLiteral("%1 review rounds").arg(r.rounds));
    if (!r.commitIds.isEmpty())
        parts << QStringLiteral("committed ") + r.commitIds.join(QStringLiteral(", "))
                     + (r.sharedWith.isEmpty() ? QString() : QStringLiteral(" (with task ") + r.sharedWith + u')');
    if (r.costUsd)
        parts << QStringLiteral("$%1").arg(*r.costUsd, 0, 'f', 2);
    // Calls done by more than one back-end: which, and why they moved.
    if (r.backEnds.size() > 1 || !r.fallback.isEmpty())
        parts << QStringLiteral("by ") + r.backEnds.join(QStringLiteral(", "))
                     + (r.fallback.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(r.fallback));
    print(QStringLiteral("  %1 task %2  %3").arg(mark(true), QString::number(task), parts.join(QStringLiteral(" · "))));
    printFindingsLeft(task, event);
}

void ProgressView::printFindingsLeft(quint32 task, const ProgressEvent &event)
{
    // The first few, then where the rest are.
    constexpr qsizetype shown = 5;
    for (qsizetype i = 0; i < std::min(shown, event.leftFindings.size()); ++i)
        print(QStringLiteral("      left: ") + event.leftFindings[i]);
    if (event.leftFindings.size() > shown)
        print(QStringLiteral("      ... and %1 more: peal logs %2").arg(event.leftFindings.size() - shown).arg(task));
    else if (!event.leftFindings.isEmpty())
        print(QStringLiteral("      every round and finding: peal logs %1").arg(task));
}

void ProgressView::printTable()
{
    if (m_order.isEmpty())
        return;
    const auto row = [](const QString &task, const QString &result, const QString &time, const QString &commits,
                        const QString &rounds) {
        return QStringLiteral("  %1 %2 %3 %4 %5")
            .arg(task.leftJustified(5), result.leftJustified(20), time.rightJustified(7), commits.rightJustified(7),
                 rounds.rightJustified(6));
    };
    print(QString());
    print(row(QStringLiteral("task"), QStringLiteral("result"), QStringLiteral("time"), QStringLiteral("commits"),
              QStringLiteral("rounds")));
    for (quint32 task : std::as_const(m_order)) {
        const TaskRecord &r = m_tasks[task];
        print(row(QString::number(task), r.result.isEmpty() ? QStringLiteral("not finished") : r.result,
                  duration(std::max<qint64>(0, r.lastEnd - r.firstStart)), QString::number(r.commitIds.size()),
                  r.rounds < 0 ? QStringLiteral("-") : QString::number(r.rounds)));
    }
    if (m_costUsd)
        print(QStringLiteral("  agent cost: $%1 (as the back-ends reported it)").arg(*m_costUsd, 0, 'f', 2));
    if (!m_options.logFile.isEmpty())
        print(QStringLiteral("  the log is in ") + m_options.logFile);
}

QString ProgressView::render() const
{
    QString line = QStringLiteral("peal %1").arg(clock(m_clock.elapsed()));
    // A wait first: it is what the run is doing, and a narrow terminal cuts the end of the line.
    for (auto it = m_waits.cbegin(); it != m_waits.cend(); ++it) {
        if (it->until > m_clock.elapsed())
            line += QStringLiteral(" · ") + it->line;
    }
    if (m_running.size() == 1) {
        const quint32 task = m_running.firstKey();
        const Running &r = m_running.first();
        line += QStringLiteral(" · task %1 (%2/%3) %4 %5")
                    .arg(task).arg(r.position).arg(m_total).arg(r.phase, clock(r.since.elapsed()));
        if (!r.activity.isEmpty())
            line += QStringLiteral(" · ") + r.activity;
    } else if (!m_running.isEmpty()) {
        QStringList parts;
        for (auto it = m_running.cbegin(); it != m_running.cend(); ++it)
            parts << QStringLiteral("%1 %2 %3").arg(it.key()).arg(it->phase, clock(it->since.elapsed()));
        line += QStringLiteral(" · %1 running: %2").arg(m_running.size()).arg(parts.join(QStringLiteral(", ")));
    }
    line += QStringLiteral(" · %1/%2 done").arg(m_alreadyDone + m_done.size()).arg(m_total);
    if (m_costUsd)
        line += QStringLiteral(" · $%1").arg(*m_costUsd, 0, 'f', 2);
    if (!m_failed.isEmpty())
        line += QStringLiteral(" · %1 failed").arg(m_failed.size());
    const int width = terminalWidth() - 1;
    if (line.size() > width)
        line = line.left(width - 1) + u'…';
    return line;
}

void ProgressView::draw()
{
    if (m_closed || !m_options.liveLine)
        return;
    const QString line = render();
    writeRaw("\r\x1b[2K" + (m_options.color ? "\x1b[2m" + line.toUtf8() + "\x1b[0m" : line.toUtf8()));
    m_visible = true;
}

void ProgressView::clear()
{
    if (m_visible)
        writeRaw("\r\x1b[2K");
    m_visible = false;
}

void ProgressView::writeLog(const QByteArray &line)
{
    const bool redraw = m_visible;
    clear();
    writeRaw(line);
    if (redraw)
        draw();
}

void ProgressView::close()
{
    if (m_closed)
        return;
    clear();
    m_closed = true;
    m_tick.stop();
    m_logger.setLineWriter({});
}

} // namespace Peal::Cli
