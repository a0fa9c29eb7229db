// SPDX-License-Identifier: MIT
#include "agent/transcript.h"

#include "agent/agenttotals.h"

#include <peal/callrecordfiles.h>
#include <peal/state.h>
#include <peal/textutil.h>

#include "state/jsonwriter.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace Peal::Internal {

namespace {

QString statusName(AgentOutput::Status status)
{
    switch (status) {
    case AgentOutput::Status::Succeeded: return QStringLiteral("succeeded");
    case AgentOutput::Status::Failed: return QStringLiteral("failed");
    case AgentOutput::Status::TimedOut: return QStringLiteral("timed_out");
    case AgentOutput::Status::FailedToStart: return QStringLiteral("failed_to_start");
    case AgentOutput::Status::Cancelled: return QStringLiteral("cancelled");
    }
    return QString();
}

// The highest attempt recorded in `dir` of every mode ("plan-3.jsonl": plan, 3).
QHash<QString, int> recordedAttempts(const QDir &dir)
{
    QHash<QString, int> highest;
    for (const QString &file : dir.entryList(QDir::Files)) {
        if (!file.endsWith(u".jsonl"))
            continue;
        const qsizetype dash = file.lastIndexOf(u'-');
        bool ok = false;
        const int attempt = QStringView(file).mid(dash + 1).chopped(6).toInt(&ok);
        if (dash > 0 && ok && attempt > 0)
            highest[file.left(dash)] = std::max(highest.value(file.left(dash)), attempt);
    }
    return highest;
}

} // namespace

QString Transcript::taskDirectory(const QString &stateDir, quint32 task)
{
    return StateStore::pathIn(stateDir, QStringLiteral("tasks/%1").arg(task));
}

static QJsonArray fatesJson(const ReviewReport &review)
{
    QJsonArray out;
    for (const FindingFate &f : findingFates(review)) {
        QJsonObject o{{QStringLiteral("finding"), f.text}, {QStringLiteral("fate"), f.fate},
                      {QStringLiteral("round"), qint64(f.round)}};
        if (!f.reason.isEmpty())
            o.insert(QStringLiteral("reason"), f.reason);
        out.append(o);
    }
    return out;
}

QString Transcript::writeReview(const QString &stateDir, quint32 task, const ReviewReport &review)
{
    const QString dirPath = taskDirectory(stateDir, task);
    if (!QDir().mkpath(dirPath))
        return QStringLiteral("cannot create %1").arg(dirPath);
    QJsonArray open;
    for (qsizetype n : review.openPerRound)
        open.append(qint64(n));
    const QJsonObject o{{QStringLiteral("task"), qint64(task)},
                        {QStringLiteral("rounds"), qint64(review.rounds)},
                        {QStringLiteral("resolved"), review.resolved},
                        {QStringLiteral("stop_reason"), review.stopReason},
                        {QStringLiteral("open_findings"), open},
                        {QStringLiteral("findings"), fatesJson(review)}};
    QSaveFile file(QDir(dirPath).filePath(QStringLiteral("review.json")));
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(o).toJson()) < 0 || !file.commit())
        return QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
    return {};
}

bool CallRecords::startsFresh(quint32 task)
{
    auto known = m_startsFresh.constFind(task);
    if (known == m_startsFresh.cend()) {
        // Read once per run and taken away: the calls of this run may be continued by the next.
        const bool fresh = CallRecordFiles::startsFresh(m_stateDir, task);
        if (fresh)
            QFile::remove(Transcript::taskDirectory(m_stateDir, task) + u'/' + CallRecordFiles::kFreshMarker);
        known = m_startsFresh.insert(task, fresh);
    }
    return *known;
}

CallRecords::Slot CallRecords::next(quint32 task, const QString &mode)
{
    (void)startsFresh(task); // a redo's marker belongs to this run, whichever call comes first
    Slot slot;
    slot.directory = Transcript::taskDirectory(m_stateDir, task);
    auto attempts = m_tasks.find(task);
    if (attempts == m_tasks.end()) {
        // The task's first call in this run: a directory made now holds no records; one that
        // exists may hold those of earlier runs.
        QHash<QString, int> recorded;
        if (!QDir().mkdir(slot.directory)) {
            if (!QDir().mkpath(slot.directory)) {
                slot.error = QStringLiteral("cannot create %1").arg(slot.directory);
                return slot;
            }
            recorded = recordedAttempts(QDir(slot.directory));
        }
        attempts = m_tasks.insert(task, recorded);
    }
    slot.attempt = ++(*attempts)[mode];
    slot.runId = m_runId;
    slot.runAttempt = ++m_runAttempts[task][mode];
    return slot;
}

QString CallRecords::promptDigest(const QString &prompt)
{
    return QString::fromLatin1(QCryptographicHash::hash(prompt.toUtf8(), QCryptographicHash::Sha256).toHex());
}

std::optional<CallRecords::Unfinished> CallRecords::unfinished(quint32 task, const QString &mode, const QString &agent,
                                                               const QString &workspace, const QString &digest)
{
    if (m_runAttempts.value(task).value(mode) > 0)
        return std::nullopt; // only the first call of the run continues an earlier run's
    const QDir dir(Transcript::taskDirectory(m_stateDir, task));
    if (!dir.exists() || startsFresh(task))
        return std::nullopt;
    const int last = recordedAttempts(dir).value(mode);
    if (last == 0)
        return std::nullopt;
    QFile file(dir.filePath(QStringLiteral("%1-%2.jsonl").arg(mode).arg(last)));
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QJsonObject header = QJsonDocument::fromJson(file.readLine(64 << 20)).object();
    if (header.value(u"agent").toString() != agent || header.value(u"workspace").toString() != workspace
        || header.value(u"prompt_sha256").toString() != digest)
        return std::nullopt;
    QString session;
    bool progressed = false;
    QJsonObject end;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine(64 << 20);
        if (!line.endsWith('\n'))
            break; // torn by the kill
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        const QString kind = o.value(u"kind").toString();
        if (kind == u"session")
            session = o.value(u"text").toString();
        else if (kind == u"tool_call" || kind == u"text")
            progressed = true;
        else if (kind == u"end")
            end = o;
    }
    if (!end.isEmpty()) {
        if (session.isEmpty())
            session = end.value(u"session").toString();
        progressed = progressed || end.value(u"tool_calls").toInteger() > 0;
    }
    if (session.isEmpty() || !progressed)
        return std::nullopt;
    if (end.isEmpty())
        return Unfinished{session, QStringLiteral("peal was stopped")};
    const QString failure = end.value(u"failure").toString();
    if (failure == u"stalled")
        return Unfinished{session, QStringLiteral("it wrote nothing for a while and was stopped")};
    if (failure == u"rate_limit" || failure == u"overloaded")
        return Unfinished{session, QStringLiteral("its back-end was rate limited")};
    if (failure == u"executor")
        return Unfinished{session, QStringLiteral("the executor running it failed")};
    if (end.value(u"status").toString() == u"timed_out")
        return Unfinished{session, QStringLiteral("it reached the phase timeout")};
    if (end.value(u"status").toString() == u"cancelled")
        return Unfinished{session, QStringLiteral("peal was stopped")};
    return std::nullopt;
}

Transcript::Transcript(const CallRecords::Slot &slot, const Call &call)
{
    m_clock.start();
    if (!slot.error.isEmpty()) {
        m_error = slot.error;
        return;
    }
    m_attempt = slot.attempt;
    m_file.setFileName(QDir(slot.directory).filePath(QStringLiteral("%1-%2.jsonl").arg(call.mode).arg(m_attempt)));
    // NewOnly: two runs can never share a record. Readable by the user alone: it holds the
    // prompts and what the agent said of the user's code.
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        m_error = QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString());
        return;
    }
    JsonWriter header(JsonWriter::Layout::Compact);
    header.beginObject();
    header.member(u"kind", u"call");
    header.member(u"task", qint64(call.task));
    header.member(u"mode", call.mode);
    header.member(u"attempt", qint64(m_attempt));
    if (!slot.runId.isEmpty()) {
        header.member(u"run", slot.runId);
        header.member(u"run_attempt", qint64(slot.runAttempt));
    }
    header.member(u"agent", call.agent);
    header.member(u"program", call.spec.program);
    header.key(u"arguments");
    header.beginArray();
    for (const QString &argument : call.spec.arguments)
        header.value(argument);
    header.endArray();
    header.member(u"workspace", call.spec.workingDirectory);
    header.member(u"started", QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    header.member(u"prompt", call.prompt);
    if (!call.insteadOf.isEmpty())
        header.member(u"instead_of", call.insteadOf);
    if (!call.promptDigest.isEmpty())
        header.member(u"prompt_sha256", call.promptDigest);
    if (!call.resumesSession.isEmpty()) {
        header.key(u"resumes");
        header.beginObject();
        header.member(u"session", call.resumesSession);
        header.member(u"after", call.resumedAfter);
        header.endObject();
    }
    header.endObject();
    write(header, false);
}

void Transcript::write(JsonWriter &line, bool bounded)
{
    if (!m_file.isOpen())
        return;
    const QByteArray bytes = line.take() + '\n';
    if (bounded && m_bytes + bytes.size() > kMaxBytes) {
        ++m_dropped;
        return;
    }
    m_bytes += bytes.size();
    // Flushed line by line, so that `peal logs --follow` sees each event as it happens.
    if (m_file.write(bytes) != bytes.size() || !m_file.flush()) {
        m_error = QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString());
        m_file.close();
    }
}

void Transcript::event(const AgentEvent &event)
{
    JsonWriter line(JsonWriter::Layout::Compact);
    line.beginObject();
    line.member(u"t", qint64(m_clock.elapsed()));
    line.member(u"kind", agentEventKindName(event.kind));
    if (!event.text.isEmpty())
        line.member(u"text", event.text);
    if (!event.name.isEmpty())
        line.member(u"name", event.name);
    if (!event.target.isEmpty())
        line.member(u"target", event.target);
    if (event.kind == AgentEvent::Kind::Usage) {
        line.member(u"input_tokens", event.inputTokens);
        line.member(u"output_tokens", event.outputTokens);
        line.member(u"cache_read_tokens", event.cacheReadTokens);
        line.member(u"cache_write_tokens", event.cacheWriteTokens);
        if (event.costUsd)
            line.member(u"cost_usd", *event.costUsd);
    }
    if (event.failure != AgentEvent::Failure::None)
        line.member(u"failure", failureClassName(event.failure));
    if (event.turns > 0)
        line.member(u"turns", event.turns);
    line.endObject();
    write(line, true);
}

void Transcript::end(const AgentOutput &output, const AgentTotals &t, const QString &error, const QByteArray &stdoutTail)
{
    const qint64 elapsed = m_clock.elapsed();
    JsonWriter line(JsonWriter::Layout::Compact);
    line.beginObject();
    line.member(u"t", elapsed);
    line.member(u"kind", u"end");
    line.member(u"status", statusName(output.status));
    line.member(u"duration_ms", elapsed);
    line.member(u"input_tokens", t.inputTokens);
    line.member(u"output_tokens", t.outputTokens);
    line.member(u"cache_read_tokens", t.cacheReadTokens);
    line.member(u"cache_write_tokens", t.cacheWriteTokens);
    line.member(u"turns", t.turns);
    line.member(u"tool_calls", t.toolCalls);
    line.member(u"events", t.events);
    line.member(u"unreadable_lines", t.malformedLines);
    line.member(u"dropped_events", m_dropped);
    if (output.exitCode)
        line.member(u"exit_code", qint64(*output.exitCode));
    if (t.costUsd)
        line.member(u"cost_usd", *t.costUsd);
    if (!t.sessionId.isEmpty())
        line.member(u"session", t.sessionId);
    if (t.failure != AgentEvent::Failure::None)
        line.member(u"failure", failureClassName(t.failure));
    if (!error.isEmpty())
        line.member(u"error", error);
    line.member(u"stdout_tail", Text::fromUtf8Lossy(stdoutTail.right(kRawTail)));
    line.endObject();
    write(line, false);
    m_file.close();
}

} // namespace Peal::Internal
