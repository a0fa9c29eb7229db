// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

#include <QFile>
#include <QJsonObject>
#include <QList>

#include <memory>

namespace Peal::Internal {

/*
 * Append-only files of JSON lines that peal keeps in the state directory (spend.jsonl,
 * task_progress.jsonl). Each line reaches the kernel whole as it is written (no buffering, no
 * fsync: a kill loses nothing, only a power cut may), and a line torn by a kill in the middle
 * of an append is dropped on reading and cut off before the next append.
 */
struct JsonLinesContents
{
    bool exists = false;
    QString error;             // reading failed (not: the file is missing)
    QList<QByteArray> lines;   // every complete line, without its '\n'
    qsizetype completeBytes = 0;
    qsizetype tornBytes = 0;   // after the last complete line
};

JsonLinesContents readJsonLines(const QString &path);

class JsonLinesWriter
{
public:
    explicit JsonLinesWriter(QString path = {}) : m_path(std::move(path)) {}
    void setPath(const QString &path);
    const QString &path() const { return m_path; }
    // Cuts a torn last line off (`completeBytes` as read), so the next line starts clean.
    void dropTornTail(const JsonLinesContents &read);
    // Appends `lines` (each ending in '\n'); the file is made on the first append.
    Result<void> append(const QByteArray &lines);
    Result<void> append(const QJsonObject &line);

private:
    QString m_path;
    std::unique_ptr<QFile> m_file;
};

} // namespace Peal::Internal
