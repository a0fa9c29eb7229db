// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Peal::Serve {

/*
 * The state directories a dashboard shows, each under a short key (the first hex digits of a
 * hash of its path) so that no path from a request ever names a file: the given ones, and
 * those found under a root (a directory holding state.json or runs/, searched a few levels
 * deep, at most every few seconds).
 */
class StateCatalog
{
public:
    StateCatalog(QStringList stateDirs, QString root);

    struct Entry
    {
        QString key;
        QString dir;
    };

    QList<Entry> states();
    std::optional<Entry> find(QStringView key);

    // GET /api/states: every state with its runs, newest first.
    QJsonObject statesJson();
    // A state's runs: the journal and record of each (runs/<id>.jsonl, runs/<id>.json).
    static QJsonObject stateJson(const Entry &state);
    // The journal of a run of a state, when the run exists; `runId` is checked, never trusted.
    static std::optional<QString> journalOf(const Entry &state, QStringView runId);
    // GET /api/states/<key>/tasks/<n>: the task's calls (their events, no prompts) and review.
    static QJsonObject taskJson(const Entry &state, quint32 task);

private:
    void rescan();

    QStringList m_given;
    QString m_root;
    QList<Entry> m_states;
    QElapsedTimer m_scanned;
};

} // namespace Peal::Serve
