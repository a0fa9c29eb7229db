// SPDX-License-Identifier: MIT
#include <peal/callrecordfiles.h>

#include <peal/state.h>

#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>

namespace Peal::CallRecordFiles {

namespace {

const QStringList kModeOrder{QStringLiteral("normalize"), QStringLiteral("plan"), QStringLiteral("execute"),
                             QStringLiteral("triage"), QStringLiteral("address")};

} // namespace

QString tasksDirectory(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("tasks"));
}

QList<quint32> tasks(const QString &stateDir)
{
    QList<quint32> out;
    for (const QString &name : QDir(tasksDirectory(stateDir)).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool ok = false;
        const uint n = name.toUInt(&ok);
        if (ok)
            out << n;
    }
    std::sort(out.begin(), out.end());
    return out;
}

QList<File> ofTask(const QString &stateDir, quint32 task, const QString &mode)
{
    static const QRegularExpression name(QStringLiteral("^([a-z]+)-(\\d+)\\.jsonl$"));
    const QDir dir(tasksDirectory(stateDir) + u'/' + QString::number(task));
    QList<File> out;
    for (const QFileInfo &file : dir.entryInfoList({QStringLiteral("*.jsonl")}, QDir::Files)) {
        const auto m = name.match(file.fileName());
        if (!m.hasMatch() || (!mode.isEmpty() && m.captured(1) != mode))
            continue;
        File r{file.filePath(), m.captured(1), m.captured(2).toInt(), {}};
        QFile f(r.path);
        if (f.open(QIODevice::ReadOnly))
            r.started = QDateTime::fromString(QJsonDocument::fromJson(f.readLine(1 << 20)).object().value(u"started").toString(),
                                              Qt::ISODateWithMs);
        out << r;
    }
    std::sort(out.begin(), out.end(), [](const File &a, const File &b) {
        if (a.started != b.started)
            return a.started < b.started;
        if (a.mode != b.mode)
            return kModeOrder.indexOf(a.mode) < kModeOrder.indexOf(b.mode);
        return a.attempt < b.attempt;
    });
    return out;
}

void startFresh(const QString &stateDir, quint32 task)
{
    const QDir dir(tasksDirectory(stateDir) + u'/' + QString::number(task));
    if (!dir.exists())
        return; // no call recorded: nothing to continue
    QFile marker(dir.filePath(kFreshMarker));
    (void)marker.open(QIODevice::WriteOnly); // best effort: at worst a conversation is continued
}

bool startsFresh(const QString &stateDir, quint32 task)
{
    return QFileInfo::exists(tasksDirectory(stateDir) + QStringLiteral("/%1/").arg(task) + kFreshMarker);
}

} // namespace Peal::CallRecordFiles
