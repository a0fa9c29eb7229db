// SPDX-License-Identifier: MIT
#include "logscommand.h"

#include "console.h"

#include <peal/exitcode.h>
#include <peal/state.h>

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QThread>

namespace Peal::Cli {

namespace {

const QStringList kModeOrder{QStringLiteral("normalize"), QStringLiteral("plan"), QStringLiteral("execute"),
                             QStringLiteral("triage"), QStringLiteral("address")};

struct Record
{
    QString path;   // .jsonl
    QString mode;
    int attempt = 0;
    QDateTime started;
};

QString tasksDirectory(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("tasks"));
}

// The end of the agent's stdout that a record keeps: in its end line, or (records an earlier
// peal wrote) in `<mode>-<attempt>.raw` beside it. None while the call runs.
std::optional<QString> stdoutTail(const QString &recordPath)
{
    QFile record(recordPath);
    if (record.open(QIODevice::ReadOnly)) {
        // The end line is the last one; it holds at most 64 KiB of output, escaped.
        const qint64 from = std::max<qint64>(0, record.size() - 512 * 1024);
        record.seek(from);
        const QList<QByteArray> lines = record.readAll().trimmed().split('\n');
        const QJsonObject end = QJsonDocument::fromJson(lines.last()).object();
        if (end.value(u"kind") == QJsonValue(QStringLiteral("end")) && end.contains(u"stdout_tail"))
            return end.value(u"stdout_tail").toString();
    }
    QString raw = recordPath;
    raw.chop(6); // ".jsonl"
    QFile file(raw + QStringLiteral(".raw"));
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return QString::fromUtf8(file.readAll());
}

// The records of a task, in the order the calls started.
QList<Record> recordsOf(const QString &stateDir, quint32 task, const QString &mode)
{
    static const QRegularExpression name(QStringLiteral("^([a-z]+)-(\\d+)\\.jsonl$"));
    const QDir dir(tasksDirectory(stateDir) + u'/' + QString::number(task));
    QList<Record> out;
    for (const QFileInfo &file : dir.entryInfoList({QStringLiteral("*.jsonl")}, QDir::Files)) {
        const auto m = name.match(file.fileName());
        if (!m.hasMatch() || (!mode.isEmpty() && m.captured(1) != mode))
            continue;
        Record r{file.filePath(), m.captured(1), m.captured(2).toInt(), {}};
        QFile f(r.path);
        if (f.open(QIODevice::ReadOnly))
            r.started = QDateTime::fromString(QJsonDocument::fromJson(f.readLine()).object().value(u"started").toString(),
                                              Qt::ISODateWithMs);
        out << r;
    }
    std::sort(out.begin(), out.end(), [](const Record &a, const Record &b) {
        if (a.started != b.started)
            return a.started < b.started;
        if (a.mode != b.mode)
            return kModeOrder.indexOf(a.mode) < kModeOrder.indexOf(b.mode);
        return a.attempt < b.attempt;
    });
    return out;
}

QString money(double usd)
{
    return QStringLiteral("$") + QString::number(usd, 'f', usd < 0.01 ? 4 : 2);
}

// One record line, readable; empty for lines that say nothing to a reader.
QString readable(const QJsonObject &o)
{
    const QString kind = o.value(u"kind").toString();
    const QString text = o.value(u"text").toString();
    if (kind == u"call") {
        const int prompt = int(o.value(u"prompt").toString().size());
        return QStringLiteral("== %1 (attempt %2) with %3 at %4 ==\n   %5 in %6; prompt %7 characters")
            .arg(o.value(u"mode").toString())
            .arg(o.value(u"attempt").toInt())
            .arg(o.value(u"agent").toString(), o.value(u"started").toString(), o.value(u"program").toString(),
                 o.value(u"workspace").toString())
            .arg(prompt);
    }
    if (kind == u"session")
        return QStringLiteral("   session %1").arg(text);
    if (kind == u"text")
        return QStringLiteral("   says: ") + QString(text).replace(u'\n', QStringLiteral("\n         "));
    if (kind == u"tool_call")
        return QStringLiteral("   tool: ") + QStringLiteral("%1 %2").arg(o.value(u"name").toString(), o.value(u"target").toString()).trimmed();
    if (kind == u"failure")
        return QStringLiteral("   error (%1): %2").arg(o.value(u"failure").toString(), text);
    if (kind == u"unreadable")
        return QStringLiteral("   unreadable line: ") + text;
    if (kind == u"end") {
        QString line = QStringLiteral("   ended: %1 in %2 s").arg(o.value(u"status").toString())
                           .arg(o.value(u"duration_ms").toDouble() / 1000.0, 0, 'f', 1);
        if (o.contains(u"exit_code"))
            line += QStringLiteral(", exit %1").arg(o.value(u"exit_code").toInt());
        line += QStringLiteral("; %1 tokens in, %2 out").arg(o.value(u"input_tokens").toInteger()).arg(o.value(u"output_tokens").toInteger());
        if (o.contains(u"cost_usd"))
            line += u", " + money(o.value(u"cost_usd").toDouble());
        if (o.value(u"turns").toInteger() > 0)
            line += QStringLiteral(", %1 turn(s)").arg(o.value(u"turns").toInteger());
        if (o.value(u"tool_calls").toInteger() > 0)
            line += QStringLiteral(", %1 tool call(s)").arg(o.value(u"tool_calls").toInteger());
        if (o.contains(u"failure"))
            line += QStringLiteral("; failure class %1").arg(o.value(u"failure").toString());
        if (o.value(u"dropped_events").toInteger() > 0)
            line += QStringLiteral("; %1 event(s) not recorded (16 MiB per call)").arg(o.value(u"dropped_events").toInteger());
        if (!o.value(u"error").toString().isEmpty())
            line += QStringLiteral("\n   error: ") + o.value(u"error").toString();
        return line;
    }
    return QString(); // usage and result lines: their totals are in the end line
}

// Prints the lines of `file` from `offset` on; returns the new offset and whether an end line
// was seen.
std::pair<qint64, bool> printFrom(const QString &path, qint64 offset, bool json)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || !file.seek(offset))
        return {offset, false};
    bool ended = false;
    while (true) {
        const QByteArray line = file.readLine();
        if (line.isEmpty() || !line.endsWith('\n'))
            break; // a line still being written is read next time
        offset += line.size();
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        ended = ended || o.value(u"kind") == QJsonValue(QStringLiteral("end"));
        if (json) {
            printOut(QString::fromUtf8(line));
        } else if (const QString text = readable(o); !text.isEmpty()) {
            printOut(text + u'\n');
        }
    }
    return {offset, ended};
}

int listTasks(const QString &stateDir, bool json)
{
    const QDir dir(tasksDirectory(stateDir));
    QList<quint32> tasks;
    for (const QString &name : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool ok = false;
        const uint n = name.toUInt(&ok);
        if (ok)
            tasks << n;
    }
    std::sort(tasks.begin(), tasks.end());
    if (tasks.isEmpty()) {
        printError(QStringLiteral("no agent call is recorded in %1 (peal records the calls of each task there)")
                       .arg(dir.path()));
        return toInt(ExitCode::Failure);
    }
    for (quint32 task : tasks) {
        const QList<Record> records = recordsOf(stateDir, task, {});
        QStringList calls;
        for (const Record &r : records)
            calls << QStringLiteral("%1-%2").arg(r.mode).arg(r.attempt);
        if (json)
            printOut(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("task"), qint64(task)},
                                                                 {QStringLiteral("calls"), QJsonArray::fromStringList(calls)}})
                                           .toJson(QJsonDocument::Compact))
                     + u'\n');
        else
            printOut(QStringLiteral("task %1: %2\n").arg(task).arg(calls.join(QStringLiteral(", "))));
    }
    return toInt(ExitCode::Success);
}

} // namespace

int runLogsCommand(const CommandLine &commandLine)
{
    const QString &stateDir = commandLine.logsStateDir;
    if (!commandLine.task)
        return listTasks(stateDir, commandLine.json);
    const quint32 task = *commandLine.task;
    QList<Record> records = recordsOf(stateDir, task, commandLine.logsPhase);
    if (records.isEmpty() && !commandLine.logsFollow) {
        printError(QStringLiteral("no agent call of task %1%2 is recorded in %3")
                       .arg(task)
                       .arg(commandLine.logsPhase.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(commandLine.logsPhase),
                            tasksDirectory(stateDir) + u'/' + QString::number(task)));
        return toInt(ExitCode::Failure);
    }
    if (commandLine.logsRaw) {
        for (const Record &r : std::as_const(records)) {
            printOut(QStringLiteral("== %1-%2: the agent's output (last 64 KiB) ==\n").arg(r.mode).arg(r.attempt));
            if (const std::optional<QString> tail = stdoutTail(r.path))
                printOut(*tail);
            else
                printOut(QStringLiteral("(not written yet: the call is still running)\n"));
        }
        return toInt(ExitCode::Success);
    }
    QHash<QString, qint64> offsets;
    QSet<QString> ended;
    for (const Record &r : std::as_const(records)) {
        const auto [offset, done] = printFrom(r.path, 0, commandLine.json);
        offsets.insert(r.path, offset);
        if (done)
            ended.insert(r.path);
    }
    if (!commandLine.logsFollow)
        return toInt(ExitCode::Success);
    // Following: new records and new lines, until the newest call has ended and no new one
    // started for a while (a task's next phase starts within moments of the last one ending).
    QElapsedTimer idle;
    idle.start();
    while (true) {
        QThread::msleep(200);
        bool progressed = false;
        for (const Record &r : recordsOf(stateDir, task, commandLine.logsPhase)) {
            const auto [offset, done] = printFrom(r.path, offsets.value(r.path, 0), commandLine.json);
            progressed = progressed || offset != offsets.value(r.path, 0);
            offsets.insert(r.path, offset);
            if (done)
                ended.insert(r.path);
        }
        if (progressed)
            idle.restart();
        const bool allEnded = !offsets.isEmpty() && ended.size() == offsets.size();
        if (allEnded && idle.elapsed() > 3000)
            return toInt(ExitCode::Success);
    }
}

} // namespace Peal::Cli
