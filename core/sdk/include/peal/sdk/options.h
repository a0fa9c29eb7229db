// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

#include <QJsonObject>
#include <QStringList>

#include <optional>

/*
 * Reading a plugin's own table (`[plugins.<id>]`, handed to Plugin::configure as JSON): the
 * checks every plugin needs, with the messages people see. peal adds the table and the file to
 * an error ("[plugins.checks] has an unknown key 'comand' (known: argv, format, timeout_sec); in
 * peal.toml").
 */
namespace Peal {

// An option error (Error::Kind::Config): its message names the key ("max_turns must be a positive integer").
PEAL_EXPORT Error optionError(const QString &what);
// Fails on a key not in `known`, naming the known ones.
PEAL_EXPORT Result<void> onlyKnownKeys(const QJsonObject &table, const QStringList &known);
// A string, or none when the key is absent.
PEAL_EXPORT Result<std::optional<QString>> stringOption(const QJsonObject &table, const QString &key);
// An array of strings (none when the key is absent).
PEAL_EXPORT Result<QStringList> stringListOption(const QJsonObject &table, const QString &key);
// One of `choices`, or `fallback` when the key is absent.
PEAL_EXPORT Result<QString> choiceOption(const QJsonObject &table, const QString &key, const QStringList &choices,
                             const QString &fallback);
// A positive integer, or none when the key is absent.
PEAL_EXPORT Result<std::optional<qint64>> positiveIntegerOption(const QJsonObject &table, const QString &key);
// A boolean, or `fallback` when the key is absent.
PEAL_EXPORT Result<bool> booleanOption(const QJsonObject &table, const QString &key, bool fallback);

/*
 * Reads a plugin's option table into typed fields, one call per key; finish() then fails on a
 * key no call named (naming the known ones), else on the first value that was wrong. Absent
 * keys leave their field at its default.
 */
class PEAL_EXPORT OptionReader
{
public:
    explicit OptionReader(const QJsonObject &table) : m_table(table) {}

    OptionReader &text(const QString &key, std::optional<QString> &target);
    OptionReader &choice(const QString &key, const QStringList &choices, QString &target);
    OptionReader &boolean(const QString &key, bool &target);
    OptionReader &strings(const QString &key, QStringList &target);
    OptionReader &positiveInteger(const QString &key, std::optional<qint64> &target);
    // A key read by the caller itself.
    OptionReader &known(const QString &key);
    Result<void> finish() const;

private:
    template<typename T>
    OptionReader &take(const QString &key, Result<T> value, T &target);

    const QJsonObject &m_table;
    QStringList m_known;
    std::optional<Error> m_error;
};

} // namespace Peal
