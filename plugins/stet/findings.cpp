// SPDX-License-Identifier: MIT
#include "findings.h"

#include <peal/sdk/text.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QVariant>

namespace Peal::Stet {

namespace {

// The output as one JSON value (whitespace around it allowed), or nothing. Wrapping in brackets
// lets QJsonDocument read scalars too, and rejects NDJSON and trailing garbage.
std::optional<QJsonValue> singleJsonValue(const QString &output)
{
    const QByteArray wrapped = '[' + output.toUtf8() + ']';
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(wrapped, &error);
    if (error.error != QJsonParseError::NoError || !doc.isArray() || doc.array().size() != 1)
        return std::nullopt;
    return doc.array().first();
}

// The findings array: the value itself, or the first of "findings" / "issues" that is an array.
std::optional<QJsonArray> findingsArray(const QJsonValue &value)
{
    if (value.isArray())
        return value.toArray();
    if (!value.isObject())
        return std::nullopt;
    const QJsonObject object = value.toObject();
    for (const char *key : {"findings", "issues"}) {
        const QJsonValue v = object.value(QLatin1String(key));
        if (v.isArray())
            return v.toArray();
    }
    return std::nullopt;
}

std::optional<QJsonArray> findingsArray(const QString &output)
{
    const auto value = singleJsonValue(output);
    if (!value)
        return std::nullopt;
    return findingsArray(*value);
}

// `path` (else `file`) and `line` of a finding, where they have the right types.
void readLocation(const QJsonObject &o, Finding &f)
{
    const QJsonValue path = o.contains(u"path") ? o.value(u"path") : o.value(u"file");
    if (path.isString())
        f.path = path.toString();
    const QJsonValue line = o.value(u"line");
    if (line.isDouble() && line.toDouble() == double(line.toInteger()))
        f.line = line.toInteger();
}

bool isZeroFindingsLine(const QString &line)
{
    return line == u"0 finding(s)." || line == u"0 finding(s)" || line.startsWith(u"0 finding(s) at ");
}

} // namespace

bool detectFindings(std::optional<int> exitCode, const QString &output)
{
    if (const auto value = singleJsonValue(output)) {
        if (const auto array = findingsArray(*value))
            return !array->isEmpty();
        if (value->isObject()) {
            const QJsonValue count = value->toObject().value(u"count");
            const QVariant v = count.toVariant();
            if (count.isDouble() && v.typeId() == QMetaType::LongLong && v.toLongLong() >= 0)
                return v.toLongLong() > 0;
        }
        return false;
    }
    const QString trimmed = output.trimmed();
    if (exitCode == 0 && !trimmed.isEmpty()) {
        const QStringList lines = Text::lines(trimmed);
        if (isZeroFindingsLine(lines.last().trimmed()))
            return false;
    }
    if (exitCode != 0)
        return true;
    return !trimmed.isEmpty();
}

std::optional<QList<Finding>> parseFindings(const QString &output)
{
    const auto array = findingsArray(output);
    if (!array)
        return std::nullopt;
    QList<Finding> findings;
    for (const QJsonValue &item : *array) {
        if (!item.isObject())
            return std::nullopt;
        const QJsonObject o = item.toObject();
        if (!o.value(u"id").isString())
            return std::nullopt;
        Finding f;
        f.id = o.value(u"id").toString();
        f.message = o.value(u"message").toString();
        if (o.value(u"suggestion").isString())
            f.suggestion = o.value(u"suggestion").toString();
        readLocation(o, f);
        findings.append(f);
    }
    return findings;
}

QStringList openFindings(const QString &output)
{
    const auto array = findingsArray(output);
    if (!array)
        return numberedFindingKeys(countFindings(output));
    QList<Finding> findings;
    for (const QJsonValue &item : *array) {
        const QJsonObject o = item.toObject();
        Finding f;
        f.id = o.value(u"id").toString();
        f.message = item.isObject() ? o.value(u"message").toString() : item.toVariant().toString();
        readLocation(o, f);
        findings.append(f);
    }
    return findingKeys(findings);
}

std::optional<QString> extractSuggestions(const QString &output)
{
    const auto array = findingsArray(output);
    if (!array)
        return std::nullopt;
    QStringList suggestions;
    for (const QJsonValue &item : *array) {
        const QJsonValue s = item.toObject().value(u"suggestion");
        if (s.isString())
            suggestions.append(s.toString());
    }
    if (suggestions.isEmpty())
        return std::nullopt;
    return suggestions.join(u'\n');
}

int countFindings(const QString &output)
{
    const auto array = findingsArray(output);
    return array ? int(array->size()) : 1;
}

} // namespace Peal::Stet
