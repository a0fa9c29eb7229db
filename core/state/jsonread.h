// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

#include <QJsonObject>

namespace Peal::Internal::JsonRead {

// Strict readers for the files peal owns: every failure names the field and what was expected.
Result<QJsonObject> parseObject(const QByteArray &json);
Result<QString> requiredString(const QJsonObject &object, QStringView field);
Result<QList<quint32>> requiredU32Array(const QJsonObject &object, QStringView field);
Result<quint32> u32FromKey(const QString &key, const QString &field);
Error typeError(QStringView field, QStringView expected);

} // namespace Peal::Internal::JsonRead
