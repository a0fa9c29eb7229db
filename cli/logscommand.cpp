// SPDX-License-Identifier: MIT
#include "logscommand.h"
#include "workplace.h"

#include "console.h"

#include <peal/callrecordfiles.h>
#include <peal/exitcode.h>
#include <peal/state.h>

#include <QDateTime>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

namespace Peal::Cli {

namespace {

using Record = CallRecordFiles::File;
using CallRecordFiles::tasksDirectory;

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

QList<Record> recordsOf(const QString &stateDir, quint32 task, const QString &mode)
{
    return CallRecordFiles::ofTask(stateDir, task, mode);
}

QString money(double usd)
{
    return QStringLiteral("$") + QString::number(usd, 'f', usd < 0.01 ? 4 : 2);
}

// One record line, readable; empty for lines that say nothing to a reader. `prompt`: a call's
// prompt in full, else its length.
QString readable(const QJsonObject &o, bool prompt)
{
    const QString kind = o.value(u"kind").toString();
    const QString text = o.value(u"text").toString();
    if (kind == u"call") {
        const QString promptText = o.value(u"prompt").toString();
        // Calls of different runs are told apart by their run (an earlier peal wrote none).
        const QString attempt = o.contains(u"run") ? QStringLiteral("run %1, attempt %2")
                                                         .arg(o.value(u"run").toString())
                                                         .arg(o.value(u"run_attempt").toInt())
                                                   : QStringLiteral("attempt %1").arg(o.value(u"attempt").toInt());
        QString header = QStringLiteral("== %1 (%2) with %3 at %4 ==\n   %5 in %6")
                             .arg(o.value(u"mode").toString(), attempt)
                             .arg(o.value(u"agent").toString(), o.value(u"started").toString(),
                                  o.value(u"program").toString(), o.value(u"workspace").toString());
        // A call that continued an interrupted one's conversation says so.
        if (const QJsonObject resumes = o.value(u"resumes").toObject(); !resumes.isEmpty())
            header += QStringLiteral("\n   resumes session %1 (%2)")
                          .arg(resumes.value(u"session").toString(), resumes.value(u"after").toString());
        if (!prompt)
            return header + QStringLiteral("; prompt %1 characters (--prompt shows it)").arg(promptText.size());
        return header + QStringLiteral("\n   prompt:\n     ") + QString(promptText).replace(u'\n', QStringLiteral("\n     "));
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
std::pair<qint64, bool> printFrom(const QString &path, qint64 offset, bool json, bool prompt)
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
        } else if (const QString text = readable(o, prompt); !text.isEmpty()) {
            printOut(text + u'\n');
        }
    }
    return {offset, ended};
}

int listTasks(const QString &stateDir, bool json)
{
    const QList<quint32> tasks = CallRecordFiles::tasks(stateDir);
    if (tasks.isEmpty()) {
        printError(QStringLiteral("no agent call is recorded in %1 (peal records the calls of each task there)")
                       .arg(tasksDirectory(stateDir)));
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

// The task's review (tasks/<N>/review.json): how the rounds went and each finding's fate.
void printReview(const QString &stateDir, quint32 task)
{
    QFile file(tasksDirectory(stateDir) + QStringLiteral("/%1/review.json").arg(task));
    if (!file.open(QIODevice::ReadOnly))
        return;
    const QJsonObject o = QJsonDocument::fromJson(file.read(16 << 20)).object();
    if (o.isEmpty())
        return;
    QStringList open;
    for (const QJsonValue &n : o.value(u"open_findings").toArray())
        open << QString::number(n.toInteger());
    printOut(QStringLiteral("== review: %1 round(s), %2 (%3); open findings %4 ==\n")
                 .arg(o.value(u"rounds").toInteger())
                 .arg(o.value(u"resolved").toBool() ? QStringLiteral("resolved") : QStringLiteral("findings left"),
                      o.value(u"stop_reason").toString(), open.isEmpty() ? QStringLiteral("not counted") : open.join(u" -> ")));
    for (const QJsonValue &v : o.value(u"findings").toArray()) {
        const QJsonObject f = v.toObject();
        const QString fate = f.value(u"fate").toString();
        QString how = fate;
        if (fate == u"dismissed")
            how = QStringLiteral("dismissed (%1) in round %2").arg(f.value(u"reason").toString()).arg(f.value(u"round").toInteger());
        else if (fate == u"fixed")
            how = QStringLiteral("fixed in round %1").arg(f.value(u"round").toInteger());
        printOut(QStringLiteral("   %1 - %2\n").arg(f.value(u"finding").toString(), how));
    }
}

// Prints a task's records and, following, what is added to them: new records and new lines,
// as the file system reports them (inotify), until the newest call has ended and nothing new
// came for a while (a task's next phase starts within moments of the last one ending).
class LogFollower : public QObject
{
public:
    LogFollower(QString stateDir, quint32 task, QString phase, bool json, bool prompt)
        : m_stateDir(std::move(stateDir)), m_task(task), m_phase(std::move(phase)), m_json(json), m_prompt(prompt)
    {
        connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, [this] { printNew(); });
        connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, [this] { printNew(); });
        // A safety net for file systems that report no changes (network mounts): a slow rescan.
        m_rescan.setInterval(kRescan);
        connect(&m_rescan, &QTimer::timeout, this, [this] { printNew(); });
        m_quiet.setSingleShot(true);
        m_quiet.setInterval(kQuiet);
        connect(&m_quiet, &QTimer::timeout, this, [this] {
            if (allEnded())
                m_loop.quit();
        });
    }

    // Prints what the records gained since the last call.
    void printNew()
    {
        bool progressed = false;
        for (const Record &r : recordsOf(m_stateDir, m_task, m_phase)) {
            const qint64 before = m_offsets.value(r.path, -1);
            const auto [offset, done] = printFrom(r.path, std::max<qint64>(before, 0), m_json, m_prompt);
            progressed = progressed || offset != before;
            m_offsets.insert(r.path, offset);
            if (done)
                m_ended.insert(r.path);
        }
        watch();
        if (progressed && m_loop.isRunning())
            m_quiet.start();
    }

    int follow()
    {
        watch();
        m_rescan.start();
        m_quiet.start();
        m_loop.exec();
        return toInt(ExitCode::Success);
    }

private:
    static constexpr int kRescan = 2000;
    static constexpr int kQuiet = 3000;

    bool allEnded() const { return !m_offsets.isEmpty() && m_ended.size() == m_offsets.size(); }

    // The task's directory (or, before its first call, the nearest one that exists) and the
    // records still being written.
    void watch()
    {
        const QString tasks = tasksDirectory(m_stateDir);
        QStringList paths;
        for (const QString &dir : QStringList{tasks + u'/' + QString::number(m_task), tasks, m_stateDir}) {
            if (QFileInfo(dir).isDir()) {
                paths << dir;
                break;
            }
        }
        for (auto it = m_offsets.cbegin(); it != m_offsets.cend(); ++it) {
            if (!m_ended.contains(it.key()))
                paths << it.key();
        }
        const QStringList watched = m_watcher.files() + m_watcher.directories();
        for (const QString &path : watched) {
            if (!paths.contains(path))
                m_watcher.removePath(path);
        }
        for (const QString &path : std::as_const(paths)) {
            if (!watched.contains(path))
                m_watcher.addPath(path);
        }
    }

    QString m_stateDir;
    quint32 m_task;
    QString m_phase;
    bool m_json;
    bool m_prompt;
    QHash<QString, qint64> m_offsets;
    QSet<QString> m_ended;
    QFileSystemWatcher m_watcher;
    QTimer m_rescan;
    QTimer m_quiet;
    QEventLoop m_loop;
};

} // namespace

int runLogsCommand(const CommandLine &commandLine)
{
    const QString stateDir = stateDirHere(commandLine.givenStateDir);
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
    LogFollower follower(stateDir, task, commandLine.logsPhase, commandLine.json, commandLine.logsPrompt);
    follower.printNew();
    if (!commandLine.logsFollow) {
        if (!commandLine.json && (commandLine.logsPhase.isEmpty() || commandLine.logsPhase == u"address"))
            printReview(stateDir, task);
        return toInt(ExitCode::Success);
    }
    return follower.follow();
}

} // namespace Peal::Cli
