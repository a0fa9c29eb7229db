// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>

#include <QString>

#include <functional>
#include <optional>
#include <utility>
#include <variant>

namespace Peal {

/*
 * An error as a value. `message` is the user-visible text; where the reference implementation
 * prints a fixed text, `message` is exactly that text so scripts and tests can match it.
 * `hint` carries what we add on top (the file, key or value at fault); it is printed after the
 * message but never changes it.
 */
class PEAL_EXPORT Error
{
public:
    enum class Kind {
        Generic,
        Config,            // configuration could not be loaded or is invalid
        PlanFile,          // plan missing, unreadable, not UTF-8 or without tasks
        TaskNotFound,
        Normalization,
        State,
        AgentNotFound,
        Phase,
        PlanTextInvalid,
        Commit,
        Review,            // a review could not run, or findings remain
        CapReached,
        Plugin,
        Io,
        Interrupted,
        Isolation,         // a parallel task's worktree could not be set up or merged back
    };

    Error() = default;
    Error(Kind kind, QString message, QString hint = {})
        : m_kind(kind), m_message(std::move(message)), m_hint(std::move(hint)) {}

    Kind kind() const { return m_kind; }
    const QString &message() const { return m_message; }
    const QString &hint() const { return m_hint; }
    Error &withHint(QString hint) { m_hint = std::move(hint); return *this; }

    // The one line shown to a person: the message, then the hint in parentheses.
    QString toDisplayString() const;

private:
    Kind m_kind = Kind::Generic;
    QString m_message;
    QString m_hint;
};

// Either a value or an Error; the small subset of std::expected we need (C++20 has none).
template<typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_data); }
    const T &value() const & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    const Error &error() const { return std::get<1>(m_data); }

private:
    std::variant<T, Error> m_data;
};

template<>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

// Runs `call` (plugin or step code); an escaping exception becomes an error "<what> threw: ...".
// The one exception guard of peal: every call into a plugin goes through it.
PEAL_EXPORT Result<void> callGuarded(const QString &what, const std::function<void()> &call);

} // namespace Peal
