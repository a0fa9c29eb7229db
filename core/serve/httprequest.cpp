// SPDX-License-Identifier: MIT
#include "serve/httprequest.h"

#include <algorithm>

namespace Peal::Http {

namespace {

bool isTokenChar(char c)
{
    // RFC 9110 tchar
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView text)
{
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

// Field values: visible characters, spaces and tabs (no control characters).
bool isFieldValue(QByteArrayView text)
{
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u == '\t' || (u >= 0x20 && u != 0x7f);
    });
}

// QByteArrayView::split is newer than Qt 6.4.
QList<QByteArrayView> splitView(QByteArrayView text, QByteArrayView separator)
{
    QList<QByteArrayView> parts;
    qsizetype from = 0;
    for (;;) {
        const qsizetype at = text.indexOf(separator, from);
        if (at < 0) {
            parts.append(text.sliced(from));
            return parts;
        }
        parts.append(text.sliced(from, at - from));
        from = at + separator.size();
    }
}

} // namespace

QByteArray Request::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key == name)
            return value;
    }
    return {};
}

QByteArray Request::queryValue(QByteArrayView name) const
{
    for (QByteArrayView pair : splitView(query, "&")) {
        const qsizetype eq = pair.indexOf('=');
        const QByteArrayView key = eq < 0 ? pair : pair.first(eq);
        if (key == name)
            return QByteArray::fromPercentEncoding(eq < 0 ? QByteArray() : pair.sliced(eq + 1).toByteArray().replace('+', ' '));
    }
    return {};
}

RequestParser::State RequestParser::fail(int status, const char *reason)
{
    m_status = status;
    m_reason = reason;
    m_buffer.clear();
    return m_state = State::Failed;
}

RequestParser::State RequestParser::feed(QByteArrayView bytes)
{
    if (m_state != State::NeedMore)
        return m_state;
    m_buffer += bytes;
    const qsizetype end = m_buffer.indexOf("\r\n\r\n");
    if (end < 0) {
        if (m_buffer.size() > kMaxHead)
            return fail(431, "Request Header Fields Too Large");
        return State::NeedMore;
    }
    if (end + 4 > kMaxHead)
        return fail(431, "Request Header Fields Too Large");
    const bool more = end + 4 < m_buffer.size();
    m_buffer.truncate(end);
    // A body or a pipelined request is never served; a head refused for its own sake (a POST
    // with its body) says why.
    if (parseHead() == State::Complete && more)
        return fail(400, "Bad Request");
    return m_state;
}

RequestParser::State RequestParser::parseHead()
{
    const QList<QByteArrayView> lines = splitView(m_buffer, "\r\n");
    const QList<QByteArrayView> parts = splitView(lines.first(), " ");
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty())
        return fail(400, "Bad Request");
    if (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0")
        return fail(505, "HTTP Version Not Supported");
    m_request.method = parts[0].toByteArray();
    if (m_request.method != "GET" && m_request.method != "HEAD")
        return fail(405, "Method Not Allowed");
    const QByteArrayView target = parts[1];
    if (target.size() > kMaxTarget)
        return fail(414, "URI Too Long");
    if (target.front() != '/')
        return fail(400, "Bad Request"); // origin form only
    const qsizetype question = target.indexOf('?');
    const QByteArray rawPath = (question < 0 ? target : target.first(question)).toByteArray();
    m_request.query = question < 0 ? QByteArray() : target.sliced(question + 1).toByteArray();
    m_request.path = QByteArray::fromPercentEncoding(rawPath);
    if (m_request.path.contains('\0') || !isFieldValue(m_request.path))
        return fail(400, "Bad Request");
    if (lines.size() - 1 > kMaxHeaders)
        return fail(431, "Request Header Fields Too Large");
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArrayView line = lines[i];
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return fail(400, "Bad Request"); // also an obsolete folded line
        const QByteArrayView value = line.sliced(colon + 1).trimmed();
        if (!isFieldValue(value))
            return fail(400, "Bad Request");
        m_request.headers.append({line.first(colon).toByteArray().toLower(), value.toByteArray()});
    }
    if (m_request.header("host").isEmpty() && parts[2] == "HTTP/1.1")
        return fail(400, "Bad Request"); // HTTP/1.1 requires Host
    m_buffer.clear();
    return m_state = State::Complete;
}

bool hostAllowed(QByteArrayView host, const QString &boundAddress, quint16 port)
{
    // "name:port" or "[v6]:port"; the port must be ours.
    QByteArrayView name = host;
    QByteArrayView portText;
    if (host.startsWith('[')) {
        const qsizetype close = host.indexOf(']');
        if (close < 0)
            return false;
        name = host.sliced(1, close - 1);
        if (close + 1 < host.size()) {
            if (host[close + 1] != ':')
                return false;
            portText = host.sliced(close + 2);
        }
    } else if (const qsizetype colon = host.lastIndexOf(':'); colon >= 0) {
        name = host.first(colon);
        portText = host.sliced(colon + 1);
    }
    if (!portText.isEmpty() && portText.toByteArray() != QByteArray::number(port))
        return false;
    const QByteArray lower = name.toByteArray().toLower();
    return lower == "localhost" || lower == boundAddress.toUtf8() || (boundAddress == u"127.0.0.1" && lower == "127.0.0.1")
           || (boundAddress == u"::1" && lower == "::1");
}

bool sameToken(QByteArrayView given, QByteArrayView expected)
{
    // Every byte of the expected token is compared, whatever the given one is.
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const char g = i < given.size() ? given[i] : char(0);
        diff |= static_cast<unsigned char>(g ^ expected[i]);
    }
    return diff == 0 && !expected.isEmpty();
}

} // namespace Peal::Http
