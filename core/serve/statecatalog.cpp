// SPDX-License-Identifier: MIT
#include "serve/statecatalog.h"

#include <peal/callrecordfiles.h>
#include <peal/journal.h>
#include <peal/state.h>
#include <peal/summary.h>

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace Peal::Serve {

namespace {

constexpr int kRescanMs = 3000;    // a root is searched again at most this often
constexpr int kRootDepth = 4;      // how deep under the root a state directory may be
constexpr int kRootVisits = 20000; // directories looked at in one search, at most
constexpr int kMaxRuns = 200;      // runs listed per state
constexpr qint64 kMaxCallBytes = 4 << 20;   // a call record read for the page, at most
constexpr int kMaxCallEvents = 400;         // events shown per call (the last ones)

QString keyOf(const QString &dir)
{
    return QString::fromLatin1(QCryptographicHash::hash(dir.toUtf8(), QCryptographicHash::Sha256).toHex().left(12));
}

bool isStateDir(const QString &dir)
{
    return QFileInfo::exists(dir + QStringLiteral("/state.json")) || QFileInfo(dir + QStringLiteral("/runs")).isDir();
}

// The state directories under `root`, breadth first, at most kRootDepth levels down; git
// internals and node_modules are not looked into.
QStringList findStates(const QString &root)
{
    QStringList found;
    QList<QPair<QString, int>> queue{{root, 0}};
    int visits = 0;
    while (!queue.isEmpty() && visits < kRootVisits) {
        const auto [dir, depth] = queue.takeFirst();
        ++visits;
        if (isStateDir(dir)) {
            found << dir;
            continue;
        }
        if (depth >= kRootDepth)
            continue;
        for (const QString &name : QDir(dir).entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden | QDir::NoSymLinks)) {
            if (name != u".git" && name != u"node_modules")
                queue.append({dir + u'/' + name, depth + 1});
        }
    }
    found.sort();
    return found;
}

QJsonObject readObject(const QString &path, qint64 limit)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.read(limit)).object();
}

// A run id is what RunHistory::makeRunId makes: letters, digits and '-'.
bool validRunId(QStringView id)
{
    static const QRegularExpression pattern(QStringLiteral("^[0-9A-Za-z][0-9A-Za-z-]{0,79}$"));
    return pattern.match(id.toString()).hasMatch();
}

qint64 pidOf(const QString &runId)
{
    return runId.section(u'-', -1).toLongLong();
}

// One call's record for the page: its call line without the prompt (its length instead; prompts
// are not shown outside `peal logs --prompt`), the
// last kMaxCallEvents events, and the end line.
QJsonObject callJson(const CallRecordFiles::File &file)
{
    QJsonObject call{{QStringLiteral("mode"), file.mode}, {QStringLiteral("attempt"), file.attempt}};
    QFile f(file.path);
    if (!f.open(QIODevice::ReadOnly))
        return call;
    const qint64 size = f.size();
    const QByteArray head = f.readLine(1 << 20);
    QJsonObject first = QJsonDocument::fromJson(head).object();
    first.insert(QStringLiteral("prompt_chars"), first.value(u"prompt").toString().size());
    first.remove(QStringLiteral("prompt"));
    first.remove(QStringLiteral("arguments")); // they hold the prompt too
    call.insert(QStringLiteral("call"), first);
    if (size - f.pos() > kMaxCallBytes)
        f.seek(size - kMaxCallBytes);
    QList<QJsonObject> events;
    qint64 left = 0;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines) {
        QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.isEmpty())
            continue;
        const QString kind = o.value(u"kind").toString();
        if (kind == u"end") {
            o.remove(QStringLiteral("stdout_tail"));
            call.insert(QStringLiteral("end"), o);
        } else if (kind != u"call") {
            events.append(o);
        }
    }
    if (events.size() > kMaxCallEvents) {
        left = events.size() - kMaxCallEvents;
        events = events.mid(left);
    }
    QJsonArray list;
    for (const QJsonObject &o : std::as_const(events))
        list.append(o);
    call.insert(QStringLiteral("events"), list);
    if (left > 0 || size > kMaxCallBytes)
        call.insert(QStringLiteral("events_left_out"), true);
    return call;
}

// Whether a journal's last line is its run's end (written before the run lets go of the state).
bool journalEnded(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    file.seek(std::max<qint64>(0, file.size() - 4096));
    const QByteArray tail = file.readAll().trimmed();
    return QJsonDocument::fromJson(tail.mid(tail.lastIndexOf('\n') + 1)).object().value(u"kind").toString() == u"run_ended";
}

} // namespace

StateCatalog::StateCatalog(QStringList stateDirs, QString root) : m_given(std::move(stateDirs)), m_root(std::move(root))
{
    for (QString &dir : m_given)
        dir = QFileInfo(dir).absoluteFilePath();
    if (!m_root.isEmpty())
        m_root = QFileInfo(m_root).absoluteFilePath();
}

void StateCatalog::rescan()
{
    if (m_scanned.isValid() && m_scanned.elapsed() < kRescanMs)
        return;
    m_scanned.start();
    QStringList dirs = m_given;
    if (!m_root.isEmpty()) {
        for (const QString &dir : findStates(m_root)) {
            if (!dirs.contains(dir))
                dirs << dir;
        }
    }
    m_states.clear();
    for (const QString &dir : std::as_const(dirs))
        m_states.append({keyOf(dir), dir});
}

QList<StateCatalog::Entry> StateCatalog::states()
{
    rescan();
    return m_states;
}

std::optional<StateCatalog::Entry> StateCatalog::find(QStringView key)
{
    for (const Entry &e : states()) {
        if (e.key == key)
            return e;
    }
    return std::nullopt;
}

QJsonObject StateCatalog::statesJson()
{
    QJsonArray list;
    for (const Entry &e : states())
        list.append(stateJson(e));
    return {{QStringLiteral("states"), list}};
}

QJsonObject StateCatalog::stateJson(const Entry &state)
{
    const QDir runsDir(RunHistory::directory(state.dir));
    const std::optional<qint64> holder = StateLock::activeHolder(state.dir);
    // Run ids sort by time: newest first.
    QStringList ids;
    for (const QFileInfo &file : runsDir.entryInfoList({QStringLiteral("*.jsonl"), QStringLiteral("*.json")}, QDir::Files,
                                                       QDir::Name | QDir::Reversed)) {
        const QString id = file.completeBaseName();
        if (validRunId(id) && !ids.contains(id))
            ids << id;
        if (ids.size() >= kMaxRuns)
            break;
    }
    QJsonArray runs;
    for (const QString &id : std::as_const(ids)) {
        const QString journal = runsDir.filePath(id + QStringLiteral(".jsonl"));
        QJsonObject run{{QStringLiteral("id"), id}, {QStringLiteral("journal"), QFileInfo::exists(journal)}};
        const QJsonObject record = readObject(runsDir.filePath(id + QStringLiteral(".json")), 1 << 20);
        if (!record.isEmpty())
            run.insert(QStringLiteral("record"), record);
        // A run is over once its record or its journal's end is written; before that it is
        // going on while its peal holds the lock, and was killed otherwise.
        const bool ended = !record.isEmpty() || journalEnded(journal);
        const bool running = !ended && holder && *holder == pidOf(id);
        run.insert(QStringLiteral("status"), ended     ? QStringLiteral("ended")
                                             : running ? QStringLiteral("running")
                                                       : QStringLiteral("ended without a record"));
        runs.append(run);
    }
    return {{QStringLiteral("key"), state.key},
            {QStringLiteral("path"), state.dir},
            {QStringLiteral("running"), holder.has_value()},
            {QStringLiteral("runs"), runs}};
}

std::optional<QString> StateCatalog::journalOf(const Entry &state, QStringView runId)
{
    if (!validRunId(runId))
        return std::nullopt;
    const QString path = RunJournal::path(state.dir, runId.toString());
    if (!QFileInfo(path).isFile())
        return std::nullopt;
    return path;
}

QJsonObject StateCatalog::taskJson(const Entry &state, quint32 task)
{
    QJsonArray calls;
    for (const CallRecordFiles::File &file : CallRecordFiles::ofTask(state.dir, task))
        calls.append(callJson(file));
    QJsonObject o{{QStringLiteral("task"), qint64(task)}, {QStringLiteral("calls"), calls}};
    const QJsonObject review = readObject(CallRecordFiles::tasksDirectory(state.dir)
                                              + QStringLiteral("/%1/review.json").arg(task), 16 << 20);
    if (!review.isEmpty())
        o.insert(QStringLiteral("review"), review);
    return o;
}

} // namespace Peal::Serve
