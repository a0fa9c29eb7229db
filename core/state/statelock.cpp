// SPDX-License-Identifier: MIT
#include <peal/state.h>

#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QSysInfo>

#include <cerrno>
#include <csignal>

namespace Peal {

class StateLock::Private
{
public:
    std::unique_ptr<QLockFile> file;
};

StateLock::StateLock() : d(std::make_unique<Private>()) {}

StateLock::~StateLock() = default;

bool StateLock::isHeld() const
{
    return d->file && d->file->isLocked();
}

QString StateLock::lockFilePath(const QString &stateDir)
{
    return StateStore::pathIn(stateDir, QStringLiteral("peal.lock"));
}

Result<void> StateLock::acquire(const QString &stateDir)
{
    const QString path = lockFilePath(stateDir);
    if (!stateDir.isEmpty() && !QDir().mkpath(stateDir)) // "" is the current directory
        return Error(Error::Kind::State, QStringLiteral("Failed to write state file %1: failed to create directory")
                                             .arg(stateDir));
    auto file = std::make_unique<QLockFile>(path);
    // A run can last for hours: only a holder that no longer exists makes a lock stale.
    file->setStaleLockTime(0);
    if (file->tryLock(0)) {
        d->file = std::move(file);
        return {};
    }
    if (file->error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host;
        QString app;
        file->getLockInfo(&pid, &host, &app);
        return Error(Error::Kind::State,
                     QStringLiteral("another peal run is using the state directory %1 (pid %2 on %3)")
                         .arg(stateDir)
                         .arg(pid)
                         .arg(host.isEmpty() ? QStringLiteral("this host") : host),
                     QStringLiteral("wait for it to finish or stop it; the lock is %1").arg(path));
    }
    return Error(Error::Kind::State, QStringLiteral("cannot lock the state directory %1").arg(stateDir),
                 file->error() == QLockFile::PermissionError ? QStringLiteral("permission denied: ") + path
                                                             : path);
}

std::optional<qint64> StateLock::activeHolder(const QString &stateDir)
{
    const QString path = lockFilePath(stateDir);
    if (!QFile::exists(path))
        return std::nullopt;
    QLockFile file(path);
    qint64 pid = 0;
    QString host;
    QString app;
    if (!file.getLockInfo(&pid, &host, &app) || pid <= 0)
        return std::nullopt;
    if (!host.isEmpty() && host != QSysInfo::machineHostName())
        return pid; // another machine's run: it cannot be checked from here
    if (::kill(pid_t(pid), 0) == 0 || errno == EPERM)
        return pid;
    return std::nullopt;
}

} // namespace Peal
