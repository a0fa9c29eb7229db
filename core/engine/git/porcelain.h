// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

namespace Peal::Internal {

// Paths of `git status --porcelain -z --no-renames` output, relative to the work tree's top.
QStringList statusPaths(const QString &porcelainZ);

} // namespace Peal::Internal
