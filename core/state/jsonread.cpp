// SPDX-License-Identifier: MIT
#include "jsonread.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QVariant>

#include <algorithm>
#include <limits>

namespace Peal::Internal::JsonRead {

namespace {

Error invalid(const QString &detail)
{
    return Error(Error::Kind::State, detail);
}

// A JSON number written as an integer literal that fits a u32 (1.0, 1e3 and -1 do not).
std::optional<quint32> asU32(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    const QVariant v = value.toVariant();
    if (v.typeId() != QMetaType::LongLong)
        return std::nullopt;
    const qlonglong n = v.toLongLong();
    if (n < 0 || n > qlonglong(std::numeric_limits<quint32>::max()))
        return std::nullopt;
    return quint32(n);
}

} // namespace

Error typeError(QStringView field, QStringView expected)
{
    return invalid(QStringLiteral("invalid type for '%1': expected %2")
                       .arg(field.toString(), expected.toString()));
}

Result<QJsonObject> parseObject(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return invalid(QStringLiteral("%1 at offset %2").arg(error.errorString()).arg(error.offset));
    if (!doc.isObject())
        return invalid(QStringLiteral("expected a JSON object at the top level"));
    return doc.object();
}

Result<QString> requiredString(const QJsonObject &object, QStringView field)
{
    const QJsonValue value = object.value(field);
    if (value.isUndefined())
        return invalid(QStringLiteral("missing field '%1'").arg(field.toString()));
    if (!value.isString())
        return typeError(field, u"a string");
    return value.toString();
}

Result<QList<quint32>> requiredU32Array(const QJsonObject &object, QStringView field)
{
    const QJsonValue value = object.value(field);
    if (value.isUndefined())
        return invalid(QStringLiteral("missing field '%1'").arg(field.toString()));
    if (!value.isArray())
        return typeError(field, u"an array of task indices");
    QList<quint32> out;
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const std::optional<quint32> n = asU32(array.at(i));
        if (!n)
            return typeError(QStringLiteral("%1[%2]").arg(field.toString()).arg(i),
                             u"an integer from 0 to 4294967295");
        out.append(*n);
    }
    return out;
}

Result<quint32> u32FromKey(const QString &key, const QString &field)
{
    bool ok = false;
    const qulonglong n = key.toULongLong(&ok);
    const bool digitsOnly = std::all_of(key.cbegin(), key.cend(),
                                        [](QChar c) { return c >= u'0' && c <= u'9'; });
    if (!ok || !digitsOnly || key.isEmpty() || n > std::numeric_limits<quint32>::max())
        return typeError(field, u"a task index as key");
    return quint32(n);
}

} // namespace Peal::Internal::JsonRead
