// SPDX-License-Identifier: MIT
#include <peal/sdk/result.h>

namespace Peal {

QString Error::toDisplayString() const
{
    if (m_hint.isEmpty())
        return m_message;
    return m_message + QStringLiteral(" (") + m_hint + u')';
}

} // namespace Peal
