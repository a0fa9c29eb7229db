// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/events.h>

#include <QString>

#include <functional>

namespace Peal::Internal {

/*
 * What the assistant says, for watchers (the journal, the dashboard): the first line of each of
 * its messages, once whole (or 160 characters long), told once. Words streamed in pieces
 * ("delta" text events) are gathered; a message ends at any event that is not more of its words.
 */
class AgentWords
{
public:
    explicit AgentWords(std::function<void(const QString &firstLine)> tell) : m_tell(std::move(tell)) {}

    void follow(const AgentEvent &event);
    // The words so far, when no line ended them (the call ended).
    void flush();
    void reset();

private:
    QString m_words;
    bool m_told = false;
    std::function<void(const QString &)> m_tell;
};

} // namespace Peal::Internal
