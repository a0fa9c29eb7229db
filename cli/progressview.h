// SPDX-License-Identifier: MIT
#pragma once

#include <peal/progress.h>

#include <QElapsedTimer>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace Peal {
class Logger;
}

namespace Peal::Cli {

/*
 * The live progress line of `peal run` on a terminal: elapsed time, the running tasks with
 * their phase and how long it has run (several in a parallel block), and counts of done and
 * failed tasks. Log lines are printed above it: the view owns the logger's stderr writes, so
 * the line is cleared before each and drawn again after.
 */
class ProgressView : public QObject
{
    Q_OBJECT

public:
    ProgressView(Logger &logger, bool color, QObject *parent = nullptr);
    ~ProgressView() override;

    void onProgress(const ProgressEvent &event);
    // Removes the line for good (the run is over).
    void close();

    // Whether stderr is a terminal that can show a live line.
    static bool wanted();

private:
    struct Running
    {
        QString phase;
        int position = 0;
        QElapsedTimer since;
    };

    QString render() const;
    void draw();
    void clear();
    void writeLog(const QByteArray &line);

    Logger &m_logger;
    bool m_color = false;
    bool m_visible = false;
    bool m_closed = false;
    QElapsedTimer m_clock;
    QTimer m_tick;
    QMap<quint32, Running> m_running;
    int m_total = 0;
    QSet<quint32> m_done;   // a task's tail in a parallel block reports again: count once
    QSet<quint32> m_failed;
};

} // namespace Peal::Cli
