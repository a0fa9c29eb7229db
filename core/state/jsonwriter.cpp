// SPDX-License-Identifier: MIT
#include "jsonwriter.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

namespace Peal::Internal {

void JsonWriter::newline(qsizetype depth)
{
    if (m_layout == Layout::Compact)
        return;
    m_out += '\n';
    m_out += QByteArray(depth * 2, ' ');
}

void JsonWriter::beginValue()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (m_hasMembers.isEmpty())
        return;
    if (m_hasMembers.last())
        m_out += ',';
    m_hasMembers.last() = true;
    newline(m_hasMembers.size());
}

void JsonWriter::open(char bracket)
{
    beginValue();
    m_out += bracket;
    m_hasMembers.append(false);
}

void JsonWriter::close(char bracket)
{
    const bool hadMembers = m_hasMembers.takeLast();
    if (hadMembers)
        newline(m_hasMembers.size());
    m_out += bracket;
}

void JsonWriter::key(QStringView name)
{
    beginValue();
    string(name);
    m_out += m_layout == Layout::Compact ? ":" : ": ";
    m_afterKey = true;
}

void JsonWriter::value(QStringView text)
{
    beginValue();
    string(text);
}

void JsonWriter::value(qint64 number)
{
    beginValue();
    m_out += QByteArray::number(number);
}

void JsonWriter::value(double number)
{
    beginValue();
    m_out += QByteArray::number(number, 'g', QLocale::FloatingPointShortest);
}

void JsonWriter::boolean(bool flag)
{
    beginValue();
    m_out += flag ? "true" : "false";
}

void JsonWriter::json(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Object: {
        const QJsonObject o = value.toObject();
        beginObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            key(it.key());
            json(it.value());
        }
        endObject();
        break;
    }
    case QJsonValue::Array:
        beginArray();
        for (const QJsonValue &item : value.toArray())
            json(item);
        endArray();
        break;
    case QJsonValue::String:
        this->value(value.toString());
        break;
    case QJsonValue::Double:
        if (value.toDouble() == double(value.toInteger()))
            this->value(value.toInteger());
        else
            this->value(value.toDouble());
        break;
    case QJsonValue::Bool:
        this->value(value.toBool());
        break;
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        beginValue();
        m_out += "null";
        break;
    }
}

void JsonWriter::string(QStringView text)
{
    static const char hex[] = "0123456789abcdef";
    const QByteArray utf8 = text.toUtf8();
    m_out += '"';
    // Runs of bytes that need no escape are appended at once.
    qsizetype run = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto u = static_cast<unsigned char>(utf8[i]);
        if (u >= 0x20 && u != '"' && u != '\\')
            continue;
        m_out.append(utf8.constData() + run, i - run);
        run = i + 1;
        switch (u) {
        case '"': m_out += "\\\""; break;
        case '\\': m_out += "\\\\"; break;
        case '\n': m_out += "\\n"; break;
        case '\r': m_out += "\\r"; break;
        case '\t': m_out += "\\t"; break;
        case '\b': m_out += "\\b"; break;
        case '\f': m_out += "\\f"; break;
        default:
            m_out += "\\u00";
            m_out += hex[u >> 4];
            m_out += hex[u & 0xf];
        }
    }
    m_out.append(utf8.constData() + run, utf8.size() - run);
    m_out += '"';
}

void JsonWriter::indices(QStringView name, const QList<quint32> &values)
{
    key(name);
    beginArray();
    for (quint32 v : values)
        value(qint64(v));
    endArray();
}

} // namespace Peal::Internal
