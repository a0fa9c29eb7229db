// SPDX-License-Identifier: MIT
#pragma once

// The OpenAI Chat Completions side of the scripted model server (POST /v1/chat/completions):
// OpenCode, Copilot CLI and Qwen Code talk it to a provider's base URL.

#include "support.h"

#include <QByteArray>
#include <QJsonObject>

namespace Peal::ModelServer {

// What one request asks, read from its messages.
struct ChatRequest
{
    QString client;               // "opencode", "copilot", "qwen", or empty: told by its prompts
    QString cwd;                  // the working directory its prompts name
    QList<Directive> directives;  // from every user message (Qwen Code puts a context one first)
    bool toolResult = false;      // a tool's answer is in the conversation
    Shape shape;
};

ChatRequest readChatRequest(const QJsonObject &body);

// The streamed answer (server-sent "data:" chunks, the usage, "[DONE]"): before the tool
// results, one call of the client's own file-writing tool per directive (an absolute path under
// its working directory); after them, the text.
QByteArray chatAnswer(const ChatRequest &request, int number, const QString &model);

// A stream cut off in the middle of its first chunk.
QByteArray brokenChatStream();

} // namespace Peal::ModelServer
