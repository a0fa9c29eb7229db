// SPDX-License-Identifier: MIT
#include "fileprobe.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace Peal::Internal {

Result<bool> fileExists(const QString &path)
{
    struct stat info;
    if (::stat(QFile::encodeName(path).constData(), &info) == 0)
        return true;
    const int error = errno;
    if (error == ENOENT)
        return false;
    return Error(Error::Kind::Io, osErrorText(error));
}

QString osErrorText(int error)
{
    return QStringLiteral("%1 (os error %2)").arg(QString::fromLocal8Bit(std::strerror(error))).arg(error);
}

} // namespace Peal::Internal
