// SPDX-License-Identifier: MIT
#include "git/porcelain.h"

namespace Peal::Internal {

QStringList statusPaths(const QString &porcelainZ)
{
    // Each entry is "XY <path>" and a NUL; with --no-renames there is no second path.
    QStringList paths;
    for (QStringView entry : QStringView(porcelainZ).split(QChar(0))) {
        if (entry.size() > 3)
            paths.append(entry.mid(3).toString());
    }
    return paths;
}

} // namespace Peal::Internal
