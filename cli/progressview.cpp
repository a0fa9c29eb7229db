// SPDX-License-Identifier: MIT
#include "progressview.h"

#include <peal/log.h>

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

} // namespace

ProgressView::ProgressView(Logger &logger, bool color, QObject *parent)
    : QObject(parent), m_logger(logger), m_color(color)
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

bool ProgressView::wanted()
{
    const QByteArray term = qgetenv("TERM");
    return ::isatty(STDERR_FILENO) == 1 && term != "dumb";
}

void ProgressView::onProgress(const ProgressEvent &event)
{
    if (m_closed)
        return;
    switch (event.kind) {
    case ProgressEvent::Kind::RunStarted:
        m_total = event.taskCount;
        m_tick.start();
        break;
    case ProgressEvent::Kind::PhaseStarted: {
        Running &r = m_running[event.task];
        r.phase = event.phase;
        r.position = event.position;
        r.since.start();
        break;
    }
    case ProgressEvent::Kind::TaskFinished:
        m_running.remove(event.task);
        if (event.final)
            (event.ok ? m_done : m_failed).insert(event.task);
        break;
    case ProgressEvent::Kind::RunFinished:
        return close();
    }
    draw();
}

QString ProgressView::render() const
{
    QString line = QStringLiteral("peal %1").arg(clock(m_clock.elapsed()));
    if (m_running.size() == 1) {
        const quint32 task = m_running.firstKey();
        const Running &r = m_running.first();
        line += QStringLiteral(" · task %1 (%2/%3) %4 %5")
                    .arg(task).arg(r.position).arg(m_total).arg(r.phase, clock(r.since.elapsed()));
    } else if (!m_running.isEmpty()) {
        QStringList parts;
        for (auto it = m_running.cbegin(); it != m_running.cend(); ++it)
            parts << QStringLiteral("%1 %2 %3").arg(it.key()).arg(it->phase, clock(it->since.elapsed()));
        line += QStringLiteral(" · %1 running: %2").arg(m_running.size()).arg(parts.join(QStringLiteral(", ")));
    }
    line += QStringLiteral(" · %1/%2 done").arg(m_done.size()).arg(m_total);
    if (!m_failed.isEmpty())
        line += QStringLiteral(" · %1 failed").arg(m_failed.size());
    const int width = terminalWidth() - 1;
    if (line.size() > width)
        line = line.left(width - 1) + u'…';
    return line;
}

void ProgressView::draw()
{
    if (m_closed)
        return;
    const QString line = render();
    writeRaw("\r\x1b[2K" + (m_color ? "\x1b[2m" + line.toUtf8() + "\x1b[0m" : line.toUtf8()));
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
