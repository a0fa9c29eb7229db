// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace Peal::Http {

// One request as the dashboard server reads it (`peal serve`): the method, the path and query
// of its target, and the headers, names lower-cased.
struct PEAL_EXPORT Request
{
    QByteArray method;
    QByteArray path;  // percent-decoded, always starting with '/'
    QByteArray query; // raw, without '?'
    QList<QPair<QByteArray, QByteArray>> headers;

    // The first header of that (lower-case) name, or empty.
    QByteArray header(QByteArrayView name) const;
    // A query parameter's value (percent-decoded), or empty.
    QByteArray queryValue(QByteArrayView name) const;
};

/*
 * An HTTP/1.x request head read as bytes arrive, with hard limits: the head (request line and
 * headers) at most kMaxHead bytes, at most kMaxHeaders headers, only GET and HEAD, no body.
 * Anything else is a failure with the status to answer (400, 405, 414, 431, 505) and nothing
 * else is read from that client.
 */
class PEAL_EXPORT RequestParser
{
public:
    static constexpr qsizetype kMaxHead = 8 * 1024;
    static constexpr qsizetype kMaxTarget = 2 * 1024;
    static constexpr int kMaxHeaders = 64;

    enum class State { NeedMore, Complete, Failed };

    State feed(QByteArrayView bytes);
    State state() const { return m_state; }
    const Request &request() const { return m_request; }
    int status() const { return m_status; }          // when Failed
    const QByteArray &reason() const { return m_reason; }

private:
    State fail(int status, const char *reason);
    State parseHead();

    State m_state = State::NeedMore;
    QByteArray m_buffer;
    Request m_request;
    int m_status = 0;
    QByteArray m_reason;
};

// Whether a Host header names the address the server is bound to, or localhost, on its port
// (the guard against DNS rebinding).
PEAL_EXPORT bool hostAllowed(QByteArrayView host, const QString &boundAddress, quint16 port);

// Token comparison in time that does not depend on where the first difference is.
PEAL_EXPORT bool sameToken(QByteArrayView given, QByteArrayView expected);

} // namespace Peal::Http
