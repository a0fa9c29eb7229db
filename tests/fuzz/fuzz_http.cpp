// SPDX-License-Identifier: MIT
// The dashboard's request reader (`peal serve`) against any bytes a client may send: fed at
// once and in pieces it must reach the same verdict, a complete request must be one the server
// may answer, and a refused one must carry one of the statuses it sends.
#include "serve/httprequest.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using Peal::Http::RequestParser;
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    // What follows a request's head in one read is refused (a body, a pipelined request); read
    // in pieces the head completes before those bytes arrive. The verdicts are compared on the
    // head, and the whole input is read once more for the other path.
    const qsizetype headEnd = input.indexOf("\r\n\r\n");
    const QByteArray bytes = headEnd < 0 ? input : input.first(headEnd + 4);
    {
        RequestParser all;
        (void)all.feed(input);
    }
    RequestParser whole;
    const RequestParser::State once = whole.feed(bytes);
    // In pieces cut by the first byte: the same verdict.
    RequestParser pieces;
    const qsizetype step = bytes.isEmpty() ? 1 : 1 + static_cast<unsigned char>(bytes.front()) % 7;
    RequestParser::State last = RequestParser::State::NeedMore;
    for (qsizetype i = 0; i < bytes.size() && last == RequestParser::State::NeedMore; i += step)
        last = pieces.feed(QByteArrayView(bytes).sliced(i, std::min(step, bytes.size() - i)));
    if (last != once)
        std::abort();
    if (once == RequestParser::State::Complete) {
        const Peal::Http::Request &r = whole.request();
        if ((r.method != "GET" && r.method != "HEAD") || !r.path.startsWith('/')
            || r.headers.size() > RequestParser::kMaxHeaders)
            std::abort();
        (void)r.queryValue("token");
        (void)Peal::Http::hostAllowed(r.header("host"), QStringLiteral("127.0.0.1"), 8080);
    } else if (once == RequestParser::State::Failed) {
        const int s = whole.status();
        if (s != 400 && s != 405 && s != 414 && s != 431 && s != 505)
            std::abort();
    }
    (void)Peal::Http::sameToken(bytes, "token");
    return 0;
}
