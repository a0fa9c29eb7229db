// SPDX-License-Identifier: MIT
#include "run/filesystems.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <sys/vfs.h>

namespace Peal::Internal::FileSystems {

QString nodeLocalType(const QString &path)
{
    QString at = QFileInfo(path).absoluteFilePath();
    while (!at.isEmpty() && !QFileInfo::exists(at) && at != u"/")
        at = QFileInfo(at).absolutePath();
    struct statfs info {};
    if (::statfs(QFile::encodeName(at).constData(), &info) != 0)
        return {};
    // The magic numbers of linux/magic.h.
    switch (static_cast<unsigned long>(info.f_type)) {
    case 0x01021994UL: return QStringLiteral("tmpfs");
    case 0x794c7630UL: return QStringLiteral("overlay");
    case 0x858458f6UL: return QStringLiteral("ramfs");
    case 0x73717368UL: return QStringLiteral("squashfs");
    default: return {};
    }
}

} // namespace Peal::Internal::FileSystems
