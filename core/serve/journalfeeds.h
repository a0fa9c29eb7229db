// SPDX-License-Identifier: MIT
#pragma once

#include <QFileSystemWatcher>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>

namespace Peal::Serve {

/*
 * Tells the event streams of a journal file that it grew: one file-system watch per file,
 * however many clients follow it, and a slow poll as the safety net for file systems that
 * report nothing. A quiet run costs nothing but the poll.
 */
class JournalFeeds : public QObject
{
public:
    JournalFeeds();

    void subscribe(const QString &path, const QObject *who, std::function<void()> grew);
    void unsubscribe(const QString &path, const QObject *who);
    // Tells every follower of every file to read what is new.
    void pollAll();

private:
    void changed(const QString &path);

    QFileSystemWatcher m_watcher;
    QHash<QString, QHash<const QObject *, std::function<void()>>> m_followers;
    QTimer m_poll;
};

} // namespace Peal::Serve
