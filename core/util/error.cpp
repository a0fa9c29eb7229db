// SPDX-License-Identifier: MIT
#include "guard.h"

#include <exception>

namespace Peal::Internal {

Result<void> callGuarded(const QString &what, const std::function<void()> &call)
{
    try {
        call();
        return {};
    } catch (const std::exception &e) {
        return Error(Error::Kind::Plugin, QStringLiteral("%1 threw: %2").arg(what, QString::fromLocal8Bit(e.what())));
    } catch (...) {
        return Error(Error::Kind::Plugin, QStringLiteral("%1 threw an exception").arg(what));
    }
}

} // namespace Peal::Internal
