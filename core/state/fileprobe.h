// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

namespace Peal::Internal {

// Whether `path` exists, decided by stat(2) alone. Only ENOENT means "missing": any other
// failure (a path component that is a file, permission denied, a symlink loop) is an error
// whose message is the system's, so a file that cannot be reached is never taken for absent.
Result<bool> fileExists(const QString &path);

// An errno value as Rust displays an io::Error: "Not a directory (os error 20)".
QString osErrorText(int error);

} // namespace Peal::Internal
