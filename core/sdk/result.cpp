// SPDX-License-Identifier: MIT
#include <peal/sdk/result.h>

#include <exception>

namespace Peal {

QString Error::toDisplayString() const
{
    if (m_hint.isEmpty())
        return m_message;
    return m_message + QStringLiteral(" (") + m_hint + u')';
}

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

} // namespace Peal
