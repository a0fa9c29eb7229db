// SPDX-License-Identifier: MIT
#pragma once

#include "runprogress.h"

#include <QEventLoop>
#include <QFileSystemWatcher>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QTimer>

namespace Peal::Cli {

/*
 * `peal status --watch`: follows the journal of the run that holds a state directory
 * (`<state_dir>/runs/<run id>.jsonl`) and shows its tasks as the run goes - redrawn on a
 * terminal, one line per event otherwise - until the run ends. It waits on file-system events
 * (a slow rescan is the safety net for file systems without them): a quiet run costs nothing.
 */
class StatusWatch : public QObject
{
public:
    explicit StatusWatch(QString stateDir, bool terminal);

    // Exit code: 0 when the watched run ended (or none was running), 1 on an error.
    int run();

private:
    void readNew();
    void apply(const QJsonObject &event);
    void draw();
    bool runIsAlive() const;

    QString m_stateDir;
    bool m_terminal;
    QString m_journal;
    quint64 m_seen = 0;
    RunProgress m_run;
    QFileSystemWatcher m_watcher;
    QTimer m_rescan;
    QEventLoop m_loop;
};

} // namespace Peal::Cli
