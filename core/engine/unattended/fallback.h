// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>

#include <optional>

namespace Peal::Internal {

/*
 * Which back-ends a run may not call for now (agent_fallback, docs/unattended.md): one limited
 * until a reset past rate_limit_max_wait_sec, overloaded too many times in a row, or refusing
 * the account (auth, billing: for the rest of the run). A call's role then uses the next one of
 * its chain that is available; once a back-end's time has passed, calls go back to it.
 */
class PEAL_EXPORT AgentFallbacks
{
public:
    struct Unavailable
    {
        QDateTime until;      // invalid: for the rest of the run
        QString failureClass; // "rate_limit", "overloaded", "auth", "billing"
        QString reason;       // the error's message
    };

    // What keeps `backEnd` from being called at `now`, if anything. A time that has passed is
    // forgotten and the back-end named in `returned()`.
    std::optional<Unavailable> unavailable(const QString &backEnd, const QDateTime &now);
    // Marks `backEnd`; false when it was already marked.
    bool markUnavailable(const QString &backEnd, const Unavailable &why);
    // The back-ends whose time passed since the last call (to say that calls go back to them).
    QStringList returned();
    // Overloaded answers in a row of `backEnd`, this one counted; a success starts over.
    int noteOverloaded(const QString &backEnd);
    void noteSucceeded(const QString &backEnd);

private:
    QHash<QString, Unavailable> m_unavailable;
    QHash<QString, int> m_overloads;
    QStringList m_returned;
};

} // namespace Peal::Internal
