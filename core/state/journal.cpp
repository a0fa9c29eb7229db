// SPDX-License-Identifier: MIT
#include <peal/journal.h>

#include <peal/state.h>

#include "jsonlines.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace Peal {

using namespace Internal;

namespace {

QString kindName(ProgressEvent::Kind kind)
{
    switch (kind) {
    case ProgressEvent::Kind::RunStarted: return QStringLiteral("run_started");
    case ProgressEvent::Kind::PhaseStarted: return QStringLiteral("phase_started");
    case ProgressEvent::Kind::PhaseFinished: return QStringLiteral("phase_finished");
    case ProgressEvent::Kind::AgentActivity: return QStringLiteral("agent_activity");
    case ProgressEvent::Kind::AgentCallEnded: return QStringLiteral("agent_call_ended");
    case ProgressEvent::Kind::Committed: return QStringLiteral("committed");
    case ProgressEvent::Kind::TaskFinished: return QStringLiteral("task_finished");
    case ProgressEvent::Kind::RunFinished: return QStringLiteral("run_finished");
    case ProgressEvent::Kind::RateLimitWait: return QStringLiteral("rate_limit_wait");
    case ProgressEvent::Kind::AgentFallback: return QStringLiteral("agent_fallback");
    }
    return QStringLiteral("event");
}

QJsonObject fieldsOf(const ProgressEvent &e)
{
    QJsonObject o;
    if (e.task != 0)
        o.insert(QStringLiteral("task"), qint64(e.task));
    if (!e.phase.isEmpty())
        o.insert(QStringLiteral("phase"), e.phase);
    switch (e.kind) {
    case ProgressEvent::Kind::RunStarted:
        o.insert(QStringLiteral("task_count"), e.taskCount);
        o.insert(QStringLiteral("already_done"), e.alreadyDone);
        break;
    case ProgressEvent::Kind::PhaseStarted:
        o.insert(QStringLiteral("position"), e.position);
        break;
    case ProgressEvent::Kind::PhaseFinished:
        o.insert(QStringLiteral("ok"), e.ok);
        o.insert(QStringLiteral("duration_ms"), e.durationMs);
        if (!e.commit.isEmpty())
            o.insert(QStringLiteral("commit"), e.commit);
        if (!e.detail.isEmpty())
            o.insert(QStringLiteral("error"), e.detail);
        break;
    case ProgressEvent::Kind::AgentActivity:
        o.insert(QStringLiteral("activity"), e.detail);
        if (e.said)
            o.insert(QStringLiteral("said"), true);
        break;
    case ProgressEvent::Kind::AgentCallEnded:
        o.insert(QStringLiteral("tokens"), e.tokens);
        if (e.resumed)
            o.insert(QStringLiteral("resumed"), true);
        if (!e.backEnd.isEmpty())
            o.insert(QStringLiteral("back_end"), e.backEnd);
        if (e.costUsd)
            o.insert(QStringLiteral("cost_usd"), *e.costUsd);
        break;
    case ProgressEvent::Kind::Committed: {
        o.insert(QStringLiteral("commit"), e.commit);
        QJsonArray tasks;
        for (quint32 t : e.tasks)
            tasks.append(qint64(t));
        o.insert(QStringLiteral("tasks"), tasks);
        break;
    }
    case ProgressEvent::Kind::TaskFinished:
        o.insert(QStringLiteral("ok"), e.ok);
        o.insert(QStringLiteral("final"), e.final);
        if (e.interrupted)
            o.insert(QStringLiteral("interrupted"), true);
        if (!e.detail.isEmpty())
            o.insert(QStringLiteral("error"), e.detail);
        if (e.rounds >= 0)
            o.insert(QStringLiteral("review_rounds"), e.rounds);
        if (!e.review.isEmpty())
            o.insert(QStringLiteral("review"), e.review);
        if (!e.leftFindings.isEmpty())
            o.insert(QStringLiteral("findings_left"), QJsonArray::fromStringList(e.leftFindings));
        if (e.notReviewed)
            o.insert(QStringLiteral("not_reviewed"), true);
        if (e.noChanges)
            o.insert(QStringLiteral("no_changes"), true);
        break;
    case ProgressEvent::Kind::RunFinished:
        o.insert(QStringLiteral("ok"), e.ok);
        break;
    case ProgressEvent::Kind::AgentFallback:
        o.insert(QStringLiteral("line"), e.detail);
        break;
    case ProgressEvent::Kind::RateLimitWait:
        o.insert(QStringLiteral("wait"), e.detail);
        o.insert(QStringLiteral("duration_ms"), e.durationMs);
        break;
    }
    return o;
}

} // namespace

class RunJournal::Private
{
public:
    ~Private() { stop(); }

    void start(QString file)
    {
        writer.setPath(std::move(file));
        thread = std::thread([this] { loop(); });
    }

    void stop()
    {
        {
            std::lock_guard lock(mutex);
            if (!thread.joinable())
                return;
            stopping = true;
        }
        wake.notify_all();
        thread.join();
    }

    // Lines are handed over without waking the writer each time: it writes what has gathered
    // every kBatch (or at once when many wait, or when asked to flush), so that a run's events
    // cost the event loop a lock and a copy, not a thread switch each.
    static constexpr std::chrono::milliseconds kBatch{20};
    static constexpr size_t kMany = 256;

    void push(QByteArray line)
    {
        bool many = false;
        {
            std::lock_guard lock(mutex);
            queue.push_back(std::move(line));
            many = queue.size() >= kMany;
        }
        if (many)
            wake.notify_all();
    }

    void flush()
    {
        std::unique_lock lock(mutex);
        flushing = true;
        wake.notify_all();
        // The writer clears the request once the queue is written.
        drained.wait(lock, [this] { return !flushing; });
    }

    void loop()
    {
        std::unique_lock lock(mutex);
        for (;;) {
            wake.wait_for(lock, kBatch, [this] { return stopping || flushing || queue.size() >= kMany; });
            if (queue.empty()) {
                flushing = false;
                drained.notify_all();
                if (stopping)
                    return;
                continue;
            }
            QByteArray batch;
            while (!queue.empty()) {
                batch += queue.front();
                queue.pop_front();
            }
            writing = true;
            lock.unlock();
            (void)writer.append(batch); // best effort: the journal is for watching, not resuming
            lock.lock();
            writing = false;
        }
    }

    JsonLinesWriter writer;
    std::thread thread;
    std::mutex mutex;
    std::condition_variable wake;
    std::condition_variable drained;
    std::deque<QByteArray> queue;
    bool stopping = false;
    bool flushing = false;
    bool writing = false;
    quint64 seq = 0;
    qint64 bytes = 0;
    bool trimmed = false;
};

RunJournal::RunJournal() : d(std::make_unique<Private>()) {}
RunJournal::~RunJournal() = default;

QString RunJournal::path(const QString &stateDir, const QString &runId)
{
    return StateStore::pathIn(stateDir, QStringLiteral("runs/%1.jsonl").arg(runId));
}

Result<void> RunJournal::open(const QString &file)
{
    const QString dir = QFileInfo(file).path();
    if (!QDir().mkpath(dir))
        return Error(Error::Kind::Io, QStringLiteral("cannot create %1 for the run's journal").arg(dir));
    d->start(file);
    return {};
}

bool RunJournal::isOpen() const
{
    return d->thread.joinable();
}

quint64 RunJournal::append(const QString &kind, QJsonObject fields)
{
    if (!isOpen())
        return 0;
    const bool end = kind == u"run_finished" || kind == u"run_ended";
    if (d->bytes >= kHardLimit && !end)
        return 0;
    if (d->bytes >= kSoftLimit && kind == u"agent_activity") {
        if (std::exchange(d->trimmed, true))
            return 0;
        // The one line that says so takes the first left-out line's place.
        return append(QStringLiteral("journal_trimmed"), QJsonObject{{QStringLiteral("limit_bytes"), kSoftLimit}});
    }
    fields.insert(QStringLiteral("seq"), qint64(++d->seq));
    fields.insert(QStringLiteral("time"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    fields.insert(QStringLiteral("kind"), kind);
    QByteArray line = QJsonDocument(fields).toJson(QJsonDocument::Compact);
    line += '\n';
    d->bytes += line.size();
    d->push(std::move(line));
    return d->seq;
}

quint64 RunJournal::append(const ProgressEvent &event)
{
    return append(kindName(event.kind), fieldsOf(event));
}

void RunJournal::flush()
{
    if (isOpen())
        d->flush();
}

Result<QList<QJsonObject>> RunJournal::read(const QString &file, quint64 after)
{
    const JsonLinesContents contents = readJsonLines(file);
    if (!contents.error.isEmpty())
        return Error(Error::Kind::Io, QStringLiteral("cannot read %1").arg(file), contents.error);
    QList<QJsonObject> events;
    for (const QByteArray &line : contents.lines) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.isEmpty())
            continue;
        if (quint64(o.value(u"seq").toInteger()) > after)
            events.append(o);
    }
    return events;
}

} // namespace Peal
