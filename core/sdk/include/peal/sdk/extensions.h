// SPDX-License-Identifier: MIT
#pragma once

#include <QVariantHash>

namespace Peal {

/*
 * Room to grow without breaking a built plugin (docs/plugins.md, "ABI"). Every struct that
 * crosses the plugin boundary ends with one `Extensions` member, and its layout is otherwise
 * frozen: a field added after ABI 9 lives in it under a documented key, read and written
 * through typed inline functions declared beside the struct. A side that does not know a key
 * ignores it and keeps it when it copies the struct; an absent key reads as the field's
 * default. An empty one costs nothing (no allocation).
 */
using Extensions = QVariantHash;

} // namespace Peal
