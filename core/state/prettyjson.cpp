// SPDX-License-Identifier: MIT
#include "prettyjson.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

namespace Peal::Internal {

void PrettyJsonWriter::newline(qsizetype depth)
{
    m_out += '\n';
    m_out += QByteArray(depth * 2, ' ');
}

void PrettyJsonWriter::beginValue()
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

void PrettyJsonWriter::open(char bracket)
{
    beginValue();
    m_out += bracket;
    m_hasMembers.append(false);
}

void PrettyJsonWriter::close(char bracket)
{
    const bool hadMembers = m_hasMembers.takeLast();
    if (hadMembers)
        newline(m_hasMembers.size());
    m_out += bracket;
}

void PrettyJsonWriter::key(QStringView name)
{
    beginValue();
    string(name);
    m_out += ": ";
    m_afterKey = true;
}

void PrettyJsonWriter::value(QStringView text)
{
    beginValue();
    string(text);
}

void PrettyJsonWriter::value(qint64 number)
{
    beginValue();
    m_out += QByteArray::number(number);
}

void PrettyJsonWriter::value(double number)
{
    beginValue();
    m_out += QByteArray::number(number, 'g', QLocale::FloatingPointShortest);
}

void PrettyJsonWriter::json(const QJsonValue &value)
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
        beginValue();
        m_out += value.toBool() ? "true" : "false";
        break;
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        beginValue();
        m_out += "null";
        break;
    }
}

void PrettyJsonWriter::string(QStringView text)
{
    static const char hex[] = "0123456789abcdef";
    m_out += '"';
    for (char c : text.toUtf8()) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"': m_out += "\\\""; break;
        case '\\': m_out += "\\\\"; break;
        case '\n': m_out += "\\n"; break;
        case '\r': m_out += "\\r"; break;
        case '\t': m_out += "\\t"; break;
        case '\b': m_out += "\\b"; break;
        case '\f': m_out += "\\f"; break;
        default:
            if (u < 0x20) {
                m_out += "\\u00";
                m_out += hex[u >> 4];
                m_out += hex[u & 0xf];
            } else {
                m_out += c;
            }
        }
    }
    m_out += '"';
}

void PrettyJsonWriter::indices(QStringView name, const QList<quint32> &values)
{
    key(name);
    beginArray();
    for (quint32 v : values)
        value(qint64(v));
    endArray();
}

} // namespace Peal::Internal
