// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QStringView>

#include <type_traits>

namespace Peal::Internal {

/*
 * Writes JSON in the order it is given, in one of two layouts. Pretty is the reference's
 * (serde_json's PrettyFormatter): two-space indentation, `"key": value`, one array element per
 * line, `[]` / `{}` when empty, no trailing newline; QJsonDocument sorts keys and indents by
 * four, so the files peal shares with other tools are written here. Compact is one line with no
 * spaces (`{"key":value}`): the JSON lines of records, written many times a run, without the
 * cost of building a QJsonObject first.
 */
class JsonWriter
{
public:
    enum class Layout { Pretty, Compact };
    explicit JsonWriter(Layout layout = Layout::Pretty) : m_layout(layout) {}

    void beginObject() { open('{'); }
    void endObject() { close('}'); }
    void beginArray() { open('['); }
    void endArray() { close(']'); }
    void key(QStringView name);
    void value(QStringView text);
    void value(qint64 number);
    void value(double number);
    // Only a bool: a string literal must not turn into `true`.
    template<typename Bool, std::enable_if_t<std::is_same_v<Bool, bool>, int> = 0>
    void value(Bool flag)
    {
        boolean(flag);
    }
    // `"name": value` in one call.
    template<typename T>
    void member(QStringView name, const T &v)
    {
        key(name);
        value(v);
    }
    // Any JSON value, objects with their keys in QJsonObject's (sorted) order.
    void json(const QJsonValue &value);
    // `"key": [1, 2, ...]`: the task-index lists of state.json, run_summary.json, last_run.json.
    void indices(QStringView name, const QList<quint32> &values);
    QByteArray take() { return std::move(m_out); }

private:
    void beginValue();
    void open(char bracket);
    void close(char bracket);
    void newline(qsizetype depth);
    void string(QStringView text);
    void boolean(bool flag);

    Layout m_layout;
    QByteArray m_out;
    QList<bool> m_hasMembers; // one entry per open container
    bool m_afterKey = false;
};

} // namespace Peal::Internal
