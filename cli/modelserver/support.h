// SPDX-License-Identifier: MIT
#pragma once

// The scripted model server's helpers (peal-model-server, modelserver.cpp): the directives a
// prompt holds, the text of a message, server-sent events, and the set-up of the CLIs' homes.

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>

namespace Peal::ModelServer {

// Whole or not at all: whoever waits for the file reads it as soon as it exists.
bool writeFile(const QString &path, const QByteArray &bytes);

struct Directive
{
    QString path;
    QString content;
    bool echoed = true; // repeated in the answer ("@write"), or not ("@probe")
};

// What a request's conversation holds, for the log: its items, the tool results among them,
// and the last line of the last thing the user said (a resumed call's short prompt, after any
// reminders the CLI puts before it).
struct Shape
{
    int items = 0;
    int toolResults = 0;
    QString lastUser;
};

// The "@write <path> <words...>" and "@probe ..." lines of a text.
QList<Directive> directivesIn(const QString &text);

// The text of a message's content (a string or blocks); `hasToolResult` is set when a block is
// a tool result.
QString textOf(const QJsonValue &content, bool *hasToolResult = nullptr);

// The answer once the tool results are back: the directives to carry on ("@write" lines),
// or "Nothing to do.".
QString answerText(const QList<Directive> &directives);

// One server-sent event.
QByteArray sse(const char *event, const QJsonObject &data);

// --client-home: the files that point the CLIs at the server at `url`.
bool writeClientSetup(const QString &home, const QString &url);

} // namespace Peal::ModelServer
