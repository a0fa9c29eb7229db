// SPDX-License-Identifier: MIT
#include "checkfindings.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace Peal::Checks {

namespace {

QString stableId(const CheckFinding &f)
{
    const QByteArray key = (f.path + u':' + QString::number(f.line) + u':' + f.message).toUtf8();
    return QStringLiteral("chk-") + QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex().left(12));
}

Result<CheckFinding> fromJson(const QJsonValue &value, qsizetype index)
{
    const auto bad = [index](const QString &why) {
        return Error(Error::Kind::Generic, QStringLiteral("finding %1 %2").arg(index + 1).arg(why));
    };
    if (!value.isObject())
        return bad(QStringLiteral("is not an object"));
    const QJsonObject o = value.toObject();
    CheckFinding f;
    const auto text = [&](const char *key, QString *out) -> bool {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull())
            return true;
        if (!v.isString())
            return false;
        *out = v.toString();
        return true;
    };
    if (!text("message", &f.message) || f.message.trimmed().isEmpty())
        return bad(QStringLiteral("needs a non-empty \"message\" string"));
    for (const auto &[key, out] : {std::pair{"id", &f.id}, std::pair{"path", &f.path}, std::pair{"severity", &f.severity},
                                   std::pair{"suggestion", &f.suggestion}}) {
        if (!text(key, out))
            return bad(QStringLiteral("has a \"%1\" that is not a string").arg(QLatin1String(key)));
    }
    const QJsonValue line = o.value(QStringLiteral("line"));
    if (!line.isUndefined() && !line.isNull()) {
        if (!line.isDouble() || line.toDouble() < 0 || line.toDouble() != double(line.toInt()))
            return bad(QStringLiteral("has a \"line\" that is not a non-negative integer"));
        f.line = line.toInt();
    }
    if (f.id.isEmpty())
        f.id = stableId(f);
    return f;
}

Result<QList<CheckFinding>> parseJson(const QString &output)
{
    if (output.trimmed().isEmpty())
        return QList<CheckFinding>(); // nothing to say is no findings
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(output.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return Error(Error::Kind::Generic, QStringLiteral("output is not JSON (%1 at offset %2)")
                                               .arg(error.errorString())
                                               .arg(error.offset));
    QJsonArray array;
    if (doc.isArray())
        array = doc.array();
    else if (doc.object().value(QStringLiteral("findings")).isArray())
        array = doc.object().value(QStringLiteral("findings")).toArray();
    else
        return Error(Error::Kind::Generic, QStringLiteral("output has no \"findings\" array"));
    QList<CheckFinding> findings;
    for (qsizetype i = 0; i < array.size(); ++i) {
        auto f = fromJson(array[i], i);
        if (!f)
            return f.error();
        findings << *f;
    }
    return findings;
}

QList<CheckFinding> parseLines(const QString &output)
{
    // "src/app.cpp:12:5: error: ..." (compilers, linters) or any other line.
    static const QRegularExpression located(QStringLiteral("^([^\\s:][^:]*):(\\d+)(?::\\d+)?:\\s*(.+)$"));
    QList<CheckFinding> findings;
    for (const QString &raw : output.split(u'\n')) {
        const QString line = raw.trimmed();
        if (line.isEmpty())
            continue;
        CheckFinding f;
        f.message = line;
        if (const auto m = located.match(line); m.hasMatch()) {
            f.path = m.captured(1);
            f.line = m.captured(2).toInt();
            f.message = m.captured(3);
        }
        f.id = stableId(f);
        findings << f;
    }
    return findings;
}

} // namespace

Result<QList<CheckFinding>> parseOutput(const QString &output, Format format)
{
    return format == Format::Lines ? Result<QList<CheckFinding>>(parseLines(output)) : parseJson(output);
}

QString normalised(const QList<CheckFinding> &findings)
{
    QJsonArray array;
    for (const CheckFinding &f : findings) {
        QJsonObject o{{QStringLiteral("id"), f.id}, {QStringLiteral("message"), f.message}};
        if (!f.path.isEmpty())
            o.insert(QStringLiteral("path"), f.path);
        if (f.line > 0)
            o.insert(QStringLiteral("line"), f.line);
        if (!f.severity.isEmpty())
            o.insert(QStringLiteral("severity"), f.severity);
        if (!f.suggestion.isEmpty())
            o.insert(QStringLiteral("suggestion"), f.suggestion);
        array.append(o);
    }
    return QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("findings"), array}}).toJson(QJsonDocument::Indented));
}

std::optional<QList<CheckFinding>> readNormalised(const QString &output)
{
    auto parsed = parseJson(output);
    if (!parsed)
        return std::nullopt;
    return *parsed;
}

} // namespace Peal::Checks
