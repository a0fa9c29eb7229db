// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QStringView>

namespace Peal::Internal {

/*
 * Writes JSON with the reference's pretty layout (serde_json's PrettyFormatter): two-space
 * indentation, `"key": value`, one array element per line, `[]` / `{}` when empty, keys in
 * the order written, no trailing newline. QJsonDocument sorts keys and indents by four, so the
 * files peal shares with other tools are written here instead.
 */
class PrettyJsonWriter
{
public:
    void beginObject() { open('{'); }
    void endObject() { close('}'); }
    void beginArray() { open('['); }
    void endArray() { close(']'); }
    void key(QStringView name);
    void value(QStringView text);
    void value(qint64 number);
    void value(double number);
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

    QByteArray m_out;
    QList<bool> m_hasMembers; // one entry per open container
    bool m_afterKey = false;
};

} // namespace Peal::Internal
