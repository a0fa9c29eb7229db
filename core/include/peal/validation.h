// SPDX-License-Identifier: MIT
#pragma once

#include <peal/config.h>

#include <QObject>

#include <functional>

namespace Peal {

/*
 * The second validation stage of spec §2.6, in its order: plan file, repo path, repo directory,
 * git work tree (`git -C <repo> rev-parse --is-inside-work-tree`, run on the event loop), then
 * on_findings_remaining and on_stet_fail. `done` is called once, from the event loop.
 */
PEAL_EXPORT void validateConfig(const Config &config, QObject *context,
                                std::function<void(Result<void>)> done);

} // namespace Peal
