// SPDX-License-Identifier: MIT
// The dashboard's request reader (core/serve/httprequest.h): what it accepts, every way a
// request is refused with its status, the Host guard and the token comparison.
#include "serve/httprequest.h"

#include <QTest>

using namespace Peal::Http;
using namespace Qt::StringLiterals;

class tst_HttpRequest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aGetIsReadInPieces()
    {
        RequestParser p;
        const QByteArray text = "GET /api/runs/x%20y?token=a%2Bb&after=5 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                                "Last-Event-ID: 41\r\n\r\n";
        for (qsizetype i = 0; i < text.size() - 1; ++i)
            QCOMPARE(p.feed(text.sliced(i, 1)), RequestParser::State::NeedMore);
        QCOMPARE(p.feed(text.sliced(text.size() - 1)), RequestParser::State::Complete);
        QCOMPARE(p.request().method, QByteArray("GET"));
        QCOMPARE(p.request().path, QByteArray("/api/runs/x y"));
        QCOMPARE(p.request().queryValue("token"), QByteArray("a+b"));
        QCOMPARE(p.request().queryValue("after"), QByteArray("5"));
        QCOMPARE(p.request().header("last-event-id"), QByteArray("41"));
        QCOMPARE(p.request().header("host"), QByteArray("127.0.0.1:8080"));
    }

    void badRequestsGetTheirStatus_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("status");
        QTest::newRow("post") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\n\r\n") << 405;
        QTest::newRow("version") << QByteArray("GET / HTTP/2.0\r\nHost: a\r\n\r\n") << 505;
        QTest::newRow("no host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("absolute target") << QByteArray("GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("garbage") << QByteArray("\x01\x02\r\n\r\n") << 400;
        QTest::newRow("folded header") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n continued\r\n\r\n") << 400;
        QTest::newRow("control character") << QByteArray("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n") << 400;
        QTest::newRow("nul in the path") << QByteArray("GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("a body") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r\nxyz") << 400;
        QTest::newRow("long target") << QByteArray("GET /" + QByteArray(3000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n") << 414;
        QByteArray many = "GET / HTTP/1.1\r\nHost: a\r\n";
        for (int i = 0; i < 70; ++i)
            many += "X-" + QByteArray::number(i) + ": 1\r\n";
        QTest::newRow("many headers") << many + "\r\n" << 431;
        QTest::newRow("huge head") << QByteArray("GET / HTTP/1.1\r\nX: " + QByteArray(9000, 'a')) << 431;
    }

    void badRequestsGetTheirStatus()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, status);
        RequestParser p;
        QCOMPARE(p.feed(text), RequestParser::State::Failed);
        QCOMPARE(p.status(), status);
        // Nothing more is read from that client.
        QCOMPARE(p.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), RequestParser::State::Failed);
    }

    void theHostMustNameUs()
    {
        QVERIFY(hostAllowed("127.0.0.1:8080", u"127.0.0.1"_s, 8080));
        QVERIFY(hostAllowed("localhost:8080", u"127.0.0.1"_s, 8080));
        QVERIFY(hostAllowed("LOCALHOST", u"127.0.0.1"_s, 8080));
        QVERIFY(hostAllowed("[::1]:8080", u"::1"_s, 8080));
        QVERIFY(!hostAllowed("evil.example:8080", u"127.0.0.1"_s, 8080)); // DNS rebinding
        QVERIFY(!hostAllowed("127.0.0.1:9999", u"127.0.0.1"_s, 8080));
        QVERIFY(!hostAllowed("[::1", u"::1"_s, 8080));
        // Bound to another address (here one of loopback's): that address is the one allowed.
        QVERIFY(hostAllowed("127.0.0.5:8080", u"127.0.0.5"_s, 8080));
        QVERIFY(!hostAllowed("127.0.0.1:8080", u"127.0.0.5"_s, 8080));
    }

    void tokensCompareWhole()
    {
        QVERIFY(sameToken("abc123", "abc123"));
        QVERIFY(!sameToken("abc124", "abc123"));
        QVERIFY(!sameToken("abc", "abc123"));
        QVERIFY(!sameToken("abc1234", "abc123"));
        QVERIFY(!sameToken("", ""));
    }
};

QTEST_GUILESS_MAIN(tst_HttpRequest)
#include "tst_httprequest.moc"
