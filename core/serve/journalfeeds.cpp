// SPDX-License-Identifier: MIT
#include "serve/journalfeeds.h"

namespace Peal::Serve {

namespace {
constexpr int kPollMs = 1000;
}

JournalFeeds::JournalFeeds()
{
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, [this](const QString &path) { changed(path); });
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &JournalFeeds::pollAll);
}

void JournalFeeds::subscribe(const QString &path, const QObject *who, std::function<void()> grew)
{
    auto &followers = m_followers[path];
    if (followers.isEmpty())
        m_watcher.addPath(path);
    followers.insert(who, std::move(grew));
    if (!m_poll.isActive())
        m_poll.start();
}

void JournalFeeds::unsubscribe(const QString &path, const QObject *who)
{
    auto it = m_followers.find(path);
    if (it == m_followers.end())
        return;
    it->remove(who);
    if (it->isEmpty()) {
        m_followers.erase(it);
        m_watcher.removePath(path);
    }
    if (m_followers.isEmpty())
        m_poll.stop();
}

void JournalFeeds::pollAll()
{
    const QStringList paths = m_followers.keys();
    for (const QString &path : paths)
        changed(path);
}

void JournalFeeds::changed(const QString &path)
{
    // A follower may leave while the others are told: tell a copy.
    const auto followers = m_followers.value(path);
    for (auto it = followers.cbegin(); it != followers.cend(); ++it) {
        if (m_followers.value(path).contains(it.key()))
            it.value()();
    }
    // A watch is lost when the file is replaced; take it again.
    if (m_followers.contains(path) && !m_watcher.files().contains(path))
        m_watcher.addPath(path);
}

} // namespace Peal::Serve
