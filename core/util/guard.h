// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

#include <functional>

namespace Peal::Internal {

// Runs `call` (plugin or step code); an escaping exception becomes an error "<what> threw: ...".
// The one exception guard of the core: every call into a plugin goes through it.
PEAL_EXPORT Result<void> callGuarded(const QString &what, const std::function<void()> &call);

} // namespace Peal::Internal
