// SPDX-License-Identifier: MIT
#include <peal/summary.h>

#include <peal/config.h>
#include <peal/state.h>

#include "jsonwriter.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace Peal {

using namespace Internal;

namespace {

QString osError(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// Writes all bytes to a new file and fsyncs it.
bool writeSynced(const QString &path, const QByteArray &bytes, QString *why)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        *why = osError(errno);
        return false;
    }
    qsizetype written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.constData() + written, size_t(bytes.size() - written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *why = osError(errno);
            ::close(fd);
            return false;
        }
        written += n;
    }
    const bool synced = ::fsync(fd) == 0;
    if (!synced)
        *why = osError(errno);
    ::close(fd);
    return synced;
}

} // namespace

QByteArray RunSummary::toJson() const
{
    JsonWriter w;
    w.beginObject();
    w.indices(u"tasks_completed", tasksCompleted);
    w.indices(u"tasks_failed", tasksFailed);
    w.indices(u"tasks_with_remaining_findings", tasksWithRemainingFindings);
    w.key(u"exit_code");
    w.value(qint64(exitCode));
    w.key(u"plan_path");
    w.value(planPath);
    w.key(u"repo_path");
    w.value(repoPath);
    w.key(u"completed_at");
    w.value(completedAt);
    if (!usage.isEmpty()) {
        w.key(u"usage");
        w.json(usage);
    }
    if (!graph.isEmpty()) {
        w.key(u"graph");
        w.json(graph);
    }
    w.endObject();
    return w.take();
}

namespace SummaryFile {

QString path(const Config &config)
{
    if (config.runSummaryPath)
        return *config.runSummaryPath;
    return StateStore::pathIn(config.stateDir, QStringLiteral("run_summary.json"));
}

QString tempPath(const QString &path)
{
    // Rust `Path::with_extension("json.tmp")`: replace what follows the last dot of the file
    // name (a leading dot does not start an extension).
    const qsizetype slash = path.lastIndexOf(u'/');
    const QStringView name = QStringView(path).mid(slash + 1);
    const qsizetype dot = name.lastIndexOf(u'.');
    const QStringView stem = dot > 0 ? name.left(dot) : name;
    return path.left(slash + 1) + stem + QStringLiteral(".json.tmp");
}

QString rfc3339(std::chrono::system_clock::time_point time)
{
    using namespace std::chrono;
    const auto sinceEpoch = time.time_since_epoch();
    auto secs = duration_cast<seconds>(sinceEpoch);
    auto nanos = duration_cast<nanoseconds>(sinceEpoch - secs).count();
    if (nanos < 0) {
        secs -= seconds(1);
        nanos += 1'000'000'000;
    }
    const std::time_t t = std::time_t(secs.count());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char base[64];
    std::snprintf(base, sizeof base, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    QString out = QString::fromLatin1(base);
    if (nanos != 0) {
        char frac[24];
        if (nanos % 1'000'000 == 0)
            std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(nanos / 1'000'000));
        else if (nanos % 1'000 == 0)
            std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(nanos / 1'000));
        else
            std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
        out += QString::fromLatin1(frac);
    }
    return out + QStringLiteral("+00:00");
}

Result<void> checkWritable(const QString &path)
{
    const auto unwritable = [&path](const QString &why) {
        return Error(Error::Kind::Io, QStringLiteral("the run summary cannot be written to %1").arg(path), why);
    };
    const QFileInfo target(path);
    if (target.isDir())
        return unwritable(QStringLiteral("it is a directory"));
    QString dir = QFileInfo(path).path();
    while (!QFileInfo::exists(dir) && !QFileInfo(dir).isSymLink()) {
        const QString parent = QFileInfo(dir).path();
        if (parent == dir)
            break;
        dir = parent;
    }
    const QFileInfo ancestor(dir);
    if (!ancestor.isDir())
        return unwritable(QStringLiteral("%1 is not a directory").arg(dir));
    if (::access(QFile::encodeName(dir).constData(), W_OK | X_OK) != 0)
        return unwritable(QStringLiteral("%1: %2").arg(dir, osError(errno)));
    return {};
}

Result<void> write(const QString &path, const RunSummary &summary)
{
    const QString parent = QFileInfo(path).path();
    if (path.contains(u'/') && !parent.isEmpty()) {
        std::error_code ec;
        std::filesystem::create_directories(QFile::encodeName(parent).toStdString(), ec);
        if (ec)
            return Error(Error::Kind::Io,
                         QStringLiteral("failed to create parent directory for run summary"),
                         parent + QStringLiteral(": ") + QString::fromStdString(ec.message()));
    }
    const QByteArray json = summary.toJson();
    const QString temp = tempPath(path);
    QString why;
    if (!writeSynced(temp, json, &why))
        return Error(Error::Kind::Io, QStringLiteral("failed to write run summary (temp file)"),
                     temp + QStringLiteral(": ") + why);
    if (std::rename(QFile::encodeName(temp).constData(), QFile::encodeName(path).constData()) != 0) {
        const bool ok = writeSynced(path, json, &why);
        QFile::remove(temp);
        if (!ok)
            return Error(Error::Kind::Io, QStringLiteral("failed to write run summary (fallback)"),
                         path + QStringLiteral(": ") + why);
    }
    return {};
}

} // namespace SummaryFile

} // namespace Peal
