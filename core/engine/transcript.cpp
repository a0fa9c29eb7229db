// SPDX-License-Identifier: MIT
#include "transcript.h"

#include <peal/state.h>

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
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

// The next attempt number of `mode` in `dir`: one more than the highest recorded.
int nextAttempt(const QDir &dir, const QString &mode)
{
    const QRegularExpression name(QStringLiteral("^%1-(\\d+)\\.jsonl$").arg(QRegularExpression::escape(mode)));
    int highest = 0;
    for (const QString &file : dir.entryList({mode + QStringLiteral("-*.jsonl")}, QDir::Files)) {
        const auto m = name.match(file);
        if (m.hasMatch())
            highest = std::max(highest, m.captured(1).toInt());
    }
    return highest + 1;
}

} // namespace

QString Transcript::taskDirectory(const QString &stateDir, quint32 task)
{
    return StateStore::pathIn(stateDir, QStringLiteral("tasks/%1").arg(task));
}

QString Transcript::writeReview(const QString &stateDir, quint32 task, const ReviewOutcome &review)
{
    const QString dirPath = taskDirectory(stateDir, task);
    if (!QDir().mkpath(dirPath))
        return QStringLiteral("cannot create %1").arg(dirPath);
    QJsonArray open;
    for (qsizetype n : review.openPerRound)
        open.append(qint64(n));
    const QJsonObject o{{QStringLiteral("task"), qint64(task)},
                        {QStringLiteral("rounds"), qint64(review.roundsUsed)},
                        {QStringLiteral("resolved"), review.findingsResolved},
                        {QStringLiteral("stop_reason"), review.stopReason},
                        {QStringLiteral("open_findings"), open}};
    QSaveFile file(QDir(dirPath).filePath(QStringLiteral("review.json")));
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(o).toJson()) < 0 || !file.commit())
        return QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
    return {};
}

Transcript::Transcript(const QString &stateDir, const Call &call)
{
    m_clock.start();
    const QString dirPath = taskDirectory(stateDir, call.task);
    if (!QDir().mkpath(dirPath)) {
        m_error = QStringLiteral("cannot create %1").arg(dirPath);
        return;
    }
    const QDir dir(dirPath);
    m_attempt = nextAttempt(dir, call.mode);
    m_file.setFileName(dir.filePath(QStringLiteral("%1-%2.jsonl").arg(call.mode).arg(m_attempt)));
    // NewOnly: two runs can never share a record.
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
        m_error = QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString());
        return;
    }
    QJsonObject header{{QStringLiteral("kind"), QStringLiteral("call")},
                       {QStringLiteral("task"), qint64(call.task)},
                       {QStringLiteral("mode"), call.mode},
                       {QStringLiteral("attempt"), m_attempt},
                       {QStringLiteral("agent"), call.agent},
                       {QStringLiteral("program"), call.spec.program},
                       {QStringLiteral("arguments"), QJsonArray::fromStringList(call.spec.arguments)},
                       {QStringLiteral("workspace"), call.spec.workingDirectory},
                       {QStringLiteral("started"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                       {QStringLiteral("prompt"), call.prompt}};
    write(header, false);
}

void Transcript::write(const QJsonObject &line, bool bounded)
{
    if (!m_file.isOpen())
        return;
    const QByteArray bytes = QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n';
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
    QJsonObject line{{QStringLiteral("t"), m_clock.elapsed()}, {QStringLiteral("kind"), agentEventKindName(event.kind)}};
    if (!event.text.isEmpty())
        line.insert(QStringLiteral("text"), event.text);
    if (!event.name.isEmpty())
        line.insert(QStringLiteral("name"), event.name);
    if (!event.target.isEmpty())
        line.insert(QStringLiteral("target"), event.target);
    if (event.kind == AgentEvent::Kind::Usage) {
        line.insert(QStringLiteral("input_tokens"), event.inputTokens);
        line.insert(QStringLiteral("output_tokens"), event.outputTokens);
        line.insert(QStringLiteral("cache_read_tokens"), event.cacheReadTokens);
        line.insert(QStringLiteral("cache_write_tokens"), event.cacheWriteTokens);
        if (event.costUsd)
            line.insert(QStringLiteral("cost_usd"), *event.costUsd);
    }
    if (event.failure != AgentEvent::Failure::None)
        line.insert(QStringLiteral("failure"), failureClassName(event.failure));
    if (event.turns > 0)
        line.insert(QStringLiteral("turns"), event.turns);
    write(line, true);
}

void Transcript::end(const AgentOutput &output, const QString &error, const QByteArray &rawTail)
{
    const AgentTotals &t = output.totals;
    QJsonObject line{{QStringLiteral("t"), m_clock.elapsed()},
                     {QStringLiteral("kind"), QStringLiteral("end")},
                     {QStringLiteral("status"), statusName(output.status)},
                     {QStringLiteral("duration_ms"), m_clock.elapsed()},
                     {QStringLiteral("input_tokens"), t.inputTokens},
                     {QStringLiteral("output_tokens"), t.outputTokens},
                     {QStringLiteral("cache_read_tokens"), t.cacheReadTokens},
                     {QStringLiteral("cache_write_tokens"), t.cacheWriteTokens},
                     {QStringLiteral("turns"), t.turns},
                     {QStringLiteral("tool_calls"), t.toolCalls},
                     {QStringLiteral("events"), t.events},
                     {QStringLiteral("unreadable_lines"), t.malformedLines},
                     {QStringLiteral("dropped_events"), m_dropped}};
    if (output.exitCode)
        line.insert(QStringLiteral("exit_code"), *output.exitCode);
    if (t.costUsd)
        line.insert(QStringLiteral("cost_usd"), *t.costUsd);
    if (!t.sessionId.isEmpty())
        line.insert(QStringLiteral("session"), t.sessionId);
    if (t.failure != AgentEvent::Failure::None)
        line.insert(QStringLiteral("failure"), failureClassName(t.failure));
    if (!error.isEmpty())
        line.insert(QStringLiteral("error"), error);
    write(line, false);
    if (!m_file.isOpen())
        return;
    m_file.close();
    QString raw = m_file.fileName();
    raw.chop(6); // ".jsonl"
    const QByteArray kept = rawTail.right(kRawTail);
    QSaveFile tail(raw + QStringLiteral(".raw"));
    if (tail.open(QIODevice::WriteOnly) && tail.write(kept) == kept.size())
        (void)tail.commit();
}

} // namespace Peal::Internal
