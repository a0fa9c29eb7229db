// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>

#include <QString>

namespace Peal::Internal::FileSystems {

// The type of the file system `path` (or its nearest existing parent) is on when it is local
// to one machine ("tmpfs", "overlay", "ramfs", "squashfs"), else empty: NFS, Lustre, ext4 and
// the rest may be shared, and are not reported.
PEAL_EXPORT QString nodeLocalType(const QString &path);

} // namespace Peal::Internal::FileSystems
