// SPDX-License-Identifier: MIT
#include "jsonlines.h"

#include <QJsonDocument>

namespace Peal::Internal {

JsonLinesContents readJsonLines(const QString &path)
{
    JsonLinesContents c;
    QFile file(path);
    if (!file.exists())
        return c;
    c.exists = true;
    if (!file.open(QIODevice::ReadOnly)) {
        c.error = file.errorString();
        return c;
    }
    const QByteArray bytes = file.readAll();
    for (qsizetype from = 0; from < bytes.size();) {
        const qsizetype end = bytes.indexOf('\n', from);
        if (end < 0)
            break; // torn by a kill in the middle of an append
        c.lines.append(bytes.mid(from, end - from));
        from = c.completeBytes = end + 1;
    }
    c.tornBytes = bytes.size() - c.completeBytes;
    return c;
}

void JsonLinesWriter::setPath(const QString &path)
{
    if (path == m_path)
        return;
    m_file.reset();
    m_path = path;
}

void JsonLinesWriter::dropTornTail(const JsonLinesContents &read)
{
    if (read.tornBytes <= 0)
        return;
    m_file.reset();
    QFile file(m_path);
    (void)file.resize(read.completeBytes);
}

Result<void> JsonLinesWriter::append(const QByteArray &lines)
{
    if (!m_file || !m_file->isOpen()) {
        m_file = std::make_unique<QFile>(m_path);
        if (!m_file->open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered))
            return Error(Error::Kind::Io, QStringLiteral("failed to write %1").arg(m_path), m_file->errorString());
        // The user's own records: readable by the user alone.
        (void)m_file->setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
    // Unbuffered: each line reaches the kernel at once, so a kill loses nothing.
    if (m_file->write(lines) != lines.size()) {
        const QString why = m_file->errorString();
        m_file->close(); // the next call tries again
        return Error(Error::Kind::Io, QStringLiteral("failed to write %1").arg(m_path), why);
    }
    return {};
}

Result<void> JsonLinesWriter::append(const QJsonObject &line)
{
    return append(QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n');
}

} // namespace Peal::Internal
