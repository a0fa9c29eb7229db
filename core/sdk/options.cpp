// SPDX-License-Identifier: MIT
#include <peal/sdk/options.h>

#include <QJsonArray>

namespace Peal {

Error optionError(const QString &what)
{
    return Error(Error::Kind::Config, what);
}

Result<void> onlyKnownKeys(const QJsonObject &table, const QStringList &known)
{
    for (auto it = table.begin(); it != table.end(); ++it) {
        if (!known.contains(it.key()))
            return optionError(QStringLiteral("has an unknown key '%1' (known: %2)").arg(it.key(), known.join(QStringLiteral(", "))));
    }
    return {};
}

Result<std::optional<QString>> stringOption(const QJsonObject &table, const QString &key)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return std::optional<QString>();
    if (!value.isString())
        return optionError(QStringLiteral("%1 must be a string").arg(key));
    return std::optional<QString>(value.toString());
}

Result<QStringList> stringListOption(const QJsonObject &table, const QString &key)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return QStringList();
    const Error wrong = optionError(QStringLiteral("%1 must be an array of strings").arg(key));
    if (!value.isArray())
        return wrong;
    QStringList out;
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString())
            return wrong;
        out << item.toString();
    }
    return out;
}

Result<QString> choiceOption(const QJsonObject &table, const QString &key, const QStringList &choices,
                             const QString &fallback)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return fallback;
    if (!value.isString() || !choices.contains(value.toString()))
        return optionError(QStringLiteral("%1 must be one of %2").arg(key, choices.join(QStringLiteral(", "))));
    return value.toString();
}

Result<std::optional<qint64>> positiveIntegerOption(const QJsonObject &table, const QString &key)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return std::optional<qint64>();
    if (!value.isDouble() || value.toDouble() < 1 || value.toDouble() != double(value.toInteger()))
        return optionError(QStringLiteral("%1 must be a positive integer").arg(key));
    return std::optional<qint64>(value.toInteger());
}

Result<bool> booleanOption(const QJsonObject &table, const QString &key, bool fallback)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return fallback;
    if (!value.isBool())
        return optionError(QStringLiteral("%1 must be true or false").arg(key));
    return value.toBool();
}

template<typename T>
OptionReader &OptionReader::take(const QString &key, Result<T> value, T &target)
{
    m_known << key;
    if (!value) {
        if (!m_error)
            m_error = value.error();
    } else {
        target = std::move(value).value();
    }
    return *this;
}

OptionReader &OptionReader::text(const QString &key, std::optional<QString> &target)
{
    return take(key, m_table.contains(key) ? stringOption(m_table, key) : Result<std::optional<QString>>(target), target);
}

OptionReader &OptionReader::choice(const QString &key, const QStringList &choices, QString &target)
{
    return take(key, choiceOption(m_table, key, choices, target), target);
}

OptionReader &OptionReader::boolean(const QString &key, bool &target)
{
    return take(key, booleanOption(m_table, key, target), target);
}

OptionReader &OptionReader::strings(const QString &key, QStringList &target)
{
    return take(key, m_table.contains(key) ? stringListOption(m_table, key) : Result<QStringList>(target), target);
}

OptionReader &OptionReader::positiveInteger(const QString &key, std::optional<qint64> &target)
{
    return take(key, m_table.contains(key) ? positiveIntegerOption(m_table, key) : Result<std::optional<qint64>>(target),
                target);
}

OptionReader &OptionReader::known(const QString &key)
{
    m_known << key;
    return *this;
}

Result<void> OptionReader::finish() const
{
    if (auto keys = onlyKnownKeys(m_table, m_known); !keys)
        return keys.error();
    if (m_error)
        return *m_error;
    return {};
}

} // namespace Peal
