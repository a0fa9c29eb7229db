// SPDX-License-Identifier: MIT
// The dashboard server in process, over real sockets and files: the page, the JSON API, each
// run's journal as Server-Sent Events replayed from Last-Event-ID and followed as it grows,
// and every refusal - malformed requests, traversal, a foreign Host, a missing or wrong token,
// too many clients, a head that never ends, a client that takes nothing.
#include "testsupport.h"

#include <peal/dashboard.h>
#include <peal/journal.h>
#include <peal/state.h>
#include <peal/summary.h>

#include <QCryptographicHash>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace Peal;

namespace {

constexpr int kWaitMs = 10000;

QString pageDir()
{
    return QStringLiteral(PEAL_BUILD_DIR "/share/peal/dashboard");
}

// One HTTP exchange as the server answers it.
struct Answer
{
    int status = 0;
    QByteArray head;
    QByteArray body;
    bool closed = false;

    QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == name)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
};

// A client: writes `request` as given and reads until the server closes (or, for a stream,
// until `until` says it has enough).
class Client
{
public:
    explicit Client(quint16 port) { m_socket.connectToHost(QStringLiteral("127.0.0.1"), port); }

    QTcpSocket &socket() { return m_socket; }

    void send(const QByteArray &request)
    {
        QVERIFY(QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, kWaitMs));
        m_socket.write(request);
    }

    // Reads until the connection closes or `enough` holds of what came.
    Answer read(const std::function<bool(const QByteArray &)> &enough = {})
    {
        // Bounded: whatever came by then is the answer the checks look at.
        (void)QTest::qWaitFor([&] {
            m_data += m_socket.readAll();
            return m_socket.state() == QAbstractSocket::UnconnectedState || (enough && enough(m_data));
        }, kWaitMs);
        m_data += m_socket.readAll();
        Answer a;
        a.closed = m_socket.state() == QAbstractSocket::UnconnectedState;
        const qsizetype end = m_data.indexOf("\r\n\r\n");
        a.head = end < 0 ? m_data : m_data.left(end);
        a.body = end < 0 ? QByteArray() : m_data.mid(end + 4);
        const QList<QByteArray> first = a.head.left(a.head.indexOf('\r')).split(' ');
        a.status = first.size() > 1 ? first.at(1).toInt() : 0;
        return a;
    }

private:
    QTcpSocket m_socket;
    QByteArray m_data;
};

QByteArray get(const QByteArray &target, quint16 port, const QByteArray &extra = {})
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\n" + extra + "\r\n";
}

Answer fetch(quint16 port, const QByteArray &request)
{
    Client c(port);
    c.send(request);
    return c.read();
}

// The ids of the events a stream sent.
QList<quint64> ids(const QByteArray &stream)
{
    QList<quint64> out;
    for (const QByteArray &line : stream.split('\n')) {
        if (line.startsWith("id: "))
            out << line.mid(4).toULongLong();
    }
    return out;
}

bool hasId(const QByteArray &stream, quint64 id)
{
    return stream.contains(QByteArray("\nid: " + QByteArray::number(id) + '\n'));
}

QList<quint64> range(quint64 from, quint64 to)
{
    QList<quint64> out;
    for (quint64 i = from; i <= to; ++i)
        out << i;
    return out;
}

} // namespace

class tst_DashboardServer : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_state;
    QString m_runId = u"20261207T010203Z-4242"_s;
    QString m_key;

    // A journal of `count` events for the run, written as peal writes it.
    void writeJournal(int count, const QString &runId)
    {
        RunJournal journal;
        QVERIFY(journal.open(RunJournal::path(m_state, runId)).ok());
        journal.append(u"run_started"_s, {{u"task_count"_s, 1}, {u"already_done"_s, 0}});
        for (int i = 1; i < count; ++i)
            journal.append(u"agent_activity"_s, {{u"task"_s, 1}, {u"activity"_s, u"Read src/file%1.c"_s.arg(i)}});
    }

    std::unique_ptr<DashboardServer> serve(DashboardOptions options = {})
    {
        options.stateDirs = {m_state};
        options.pageDir = pageDir();
        auto server = std::make_unique<DashboardServer>(options);
        auto listening = server->listen();
        if (!listening)
            qWarning("%s", qPrintable(listening.error().toDisplayString()));
        return listening ? std::move(server) : nullptr;
    }

    QByteArray eventsPath(const QString &runId) const
    {
        return "/api/states/" + m_key.toUtf8() + "/runs/" + runId.toUtf8() + "/events";
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFileInfo::exists(pageDir() + u"/index.html"_s), "the build tree's share/peal/dashboard");
        m_state = m_dir.filePath(u".peal"_s);
        writeJournal(10, m_runId);
        m_key = QString::fromLatin1(QCryptographicHash::hash(m_state.toUtf8(), QCryptographicHash::Sha256).toHex().left(12));
        // A task's record: the call line holds the prompt, in its own field and in the argv.
        QVERIFY(PealTest::writeFile(m_state + u"/tasks/1/plan-1.jsonl"_s,
                                    R"({"kind":"call","mode":"plan","prompt":"SECRET PROMPT","arguments":["-p","SECRET PROMPT"],"started":"2026-12-07T01:02:03.000Z","agent":"claude"}
{"kind":"text","text":"I will read the file."}
{"kind":"tool_call","name":"Read","target":"src/a.c"}
{"kind":"end","status":"succeeded","duration_ms":1200,"input_tokens":10,"output_tokens":5,"stdout_tail":"SECRET PROMPT"}
)"));
        QVERIFY(PealTest::writeFile(m_state + u"/tasks/1/review.json"_s,
                                    R"({"rounds":1,"resolved":true,"findings":[{"finding":"src/a.c:3: unused","fate":"fixed","round":1}]})"));
    }

    void servesThePageAndItsFilesOnly()
    {
        auto server = serve();
        QVERIFY(server);
        const quint16 port = server->port();
        const Answer page = fetch(port, get("/", port));
        QCOMPARE(page.status, 200);
        QVERIFY(page.header("content-type").startsWith("text/html"));
        QVERIFY(page.body.contains("dashboard.js"));
        QCOMPARE(page.header("content-length").toInt(), page.body.size());
        QVERIFY(page.header("content-security-policy").contains("default-src 'self'"));
        QCOMPARE(page.header("x-content-type-options"), QByteArray("nosniff"));
        QVERIFY(page.closed);
        QCOMPARE(fetch(port, get("/dashboard.js", port)).header("content-type"), QByteArray("text/javascript; charset=utf-8"));
        QCOMPARE(fetch(port, get("/dashboard.css", port)).status, 200);
        // HEAD: the same head, no body.
        const Answer head = fetch(port, "HEAD / HTTP/1.1\r\nHost: localhost:" + QByteArray::number(port) + "\r\n\r\n");
        QCOMPARE(head.status, 200);
        QCOMPARE(head.header("content-length").toInt(), page.body.size());
        QVERIFY(head.body.isEmpty());
        QCOMPARE(fetch(port, get("/CMakeLists.txt", port)).status, 404);
    }

    void theApiListsStatesRunsAndTasksWithoutPrompts()
    {
        auto server = serve();
        QVERIFY(server);
        const quint16 port = server->port();
        const Answer states = fetch(port, get("/api/states", port));
        QCOMPARE(states.status, 200);
        QCOMPARE(states.header("content-type"), QByteArray("application/json"));
        const QJsonObject state = PealTest::json(states.body).value(u"states"_s).toArray().first().toObject();
        QCOMPARE(state.value(u"key"_s).toString(), m_key);
        QCOMPARE(state.value(u"path"_s).toString(), m_state);
        const QJsonObject run = state.value(u"runs"_s).toArray().first().toObject();
        QCOMPARE(run.value(u"id"_s).toString(), m_runId);
        QCOMPARE(run.value(u"journal"_s).toBool(), true);
        QCOMPARE(run.value(u"status"_s).toString(), u"ended without a record"_s); // no runs/<id>.json, no peal holding it

        const Answer journal = fetch(port, get("/api/states/" + m_key.toUtf8() + "/runs/" + m_runId.toUtf8() + "/journal?after=8", port));
        QCOMPARE(journal.status, 200);
        const QJsonArray events = PealTest::json(journal.body).value(u"events"_s).toArray();
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(0).toObject().value(u"seq"_s).toInt(), 9);

        const Answer task = fetch(port, get("/api/states/" + m_key.toUtf8() + "/tasks/1", port));
        QCOMPARE(task.status, 200);
        QVERIFY2(!task.body.contains("SECRET PROMPT"), task.body.constData());
        const QJsonObject t = PealTest::json(task.body);
        const QJsonObject call = t.value(u"calls"_s).toArray().first().toObject();
        QCOMPARE(call.value(u"call"_s).toObject().value(u"prompt_chars"_s).toInt(), 13);
        QCOMPARE(call.value(u"events"_s).toArray().size(), 2);
        QCOMPARE(call.value(u"end"_s).toObject().value(u"status"_s).toString(), u"succeeded"_s);
        QCOMPARE(t.value(u"review"_s).toObject().value(u"findings"_s).toArray().first().toObject().value(u"fate"_s).toString(),
                 u"fixed"_s);
    }

    void refusesWhatItDoesNotServe_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        const QByteArray host = "Host: 127.0.0.1:%PORT%\r\n";
        QTest::newRow("garbage") << QByteArray("hello there\r\n\r\n") << 400;
        QTest::newRow("no version") << QByteArray("GET /\r\n\r\n") << 400;
        QTest::newRow("POST") << QByteArray("POST /api/states HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\n{}") << 405;
        QTest::newRow("DELETE") << QByteArray("DELETE / HTTP/1.1\r\n" + host + "\r\n") << 405;
        QTest::newRow("long target") << QByteArray("GET /" + QByteArray(3000, 'a') + " HTTP/1.1\r\n" + host + "\r\n") << 414;
        QByteArray many;
        for (int i = 0; i < 70; ++i)
            many += "X-H" + QByteArray::number(i) + ": v\r\n";
        QTest::newRow("too many headers") << QByteArray("GET / HTTP/1.1\r\n" + host + many + "\r\n") << 431;
        QTest::newRow("huge header") << QByteArray("GET / HTTP/1.1\r\n" + host + "X: " + QByteArray(9000, 'b') + "\r\n\r\n") << 431;
        QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n" + host + "\r\n") << 505;
        QTest::newRow("foreign Host") << QByteArray("GET / HTTP/1.1\r\nHost: attacker.example:%PORT%\r\n\r\n") << 403;
        QTest::newRow("Host on another port") << QByteArray("GET / HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n") << 403;
        QTest::newRow("no Host") << QByteArray("GET / HTTP/1.0\r\n\r\n") << 403;
        // Traversal: no path names a file but the page's fixed list; ids and keys are checked.
        for (const char *target : {"/../state.json", "/%2e%2e/%2e%2e/etc/passwd", "/dashboard.js/../../.peal/state.json",
                                   "/api/states/%KEY%/runs/..%2f..%2ftasks%2f1%2fplan-1/events",
                                   "/api/states/%KEY%/runs/%2e%2e/journal", "/api/states/..%2f..%2f/runs",
                                   "/api/states/%KEY%/tasks/..%2f1", "/api/states/%KEY%/tasks/0",
                                   "/api/states/%KEY%/tasks/99999999999", "/api/states/nosuchkey", "/api/nothing",
                                   "/api/states/%KEY%/runs/20261207T010203Z-4242/nothing"})
            QTest::newRow(target) << QByteArray("GET " + QByteArray(target) + " HTTP/1.1\r\n" + host + "\r\n") << 404;
        QTest::newRow("bad Last-Event-ID")
            << QByteArray("GET /api/states/%KEY%/runs/20261207T010203Z-4242/events HTTP/1.1\r\n" + host + "Last-Event-ID: 12x\r\n\r\n")
            << 400;
        QTest::newRow("bad after")
            << QByteArray("GET /api/states/%KEY%/runs/20261207T010203Z-4242/journal?after=-1 HTTP/1.1\r\n" + host + "\r\n") << 400;
    }

    void refusesWhatItDoesNotServe()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        auto server = serve();
        QVERIFY(server);
        const quint16 port = server->port();
        request.replace("%PORT%", QByteArray::number(port)).replace("%KEY%", m_key.toUtf8());
        const Answer a = fetch(port, request);
        // The traversal cases may be refused by the request reader (400) or find nothing (404).
        if (status == 404 && a.status == 400)
            status = 400;
        QVERIFY2(a.status == status, a.head.constData());
        QVERIFY(a.closed);
        QVERIFY2(!a.body.contains("SECRET") && !a.body.contains("\"seq\"") && !a.body.contains("root:"), a.body.constData());
        QVERIFY2(a.body.startsWith(QByteArray(QByteArray::number(status) + ' ')), a.body.constData()); // one line saying why
        // Nothing else changed: the next request is served.
        QCOMPARE(fetch(port, get("/api/states", port)).status, 200);
    }

    void aTokenGuardsEveryRequest()
    {
        DashboardOptions options;
        options.token = u"0123456789abcdef0123"_s;
        auto server = serve(options);
        QVERIFY(server);
        const quint16 port = server->port();
        QVERIFY(server->url().endsWith(u"/?token=0123456789abcdef0123"_s));
        for (const QByteArray &target : {QByteArray("/"), QByteArray("/dashboard.js"), QByteArray("/api/states"),
                                         eventsPath(m_runId)}) {
            const Answer none = fetch(port, get(target, port));
            QCOMPARE(none.status, 401);
            QVERIFY(!none.body.contains("seq"));
            QCOMPARE(fetch(port, get(target + "?token=0123456789abcdef0124", port)).status, 401);
            QCOMPARE(fetch(port, get(target, port, "Authorization: Bearer 0123456789abcdef012\r\n")).status, 401);
        }
        QCOMPARE(fetch(port, get("/api/states", port, "Authorization: Bearer 0123456789abcdef0123\r\n")).status, 200);
        QCOMPARE(fetch(port, get("/api/states", port, "Cookie: a=b; peal_token=0123456789abcdef0123\r\n")).status, 200);
        // The URL's token: the page's later requests carry it as a cookie.
        const Answer page = fetch(port, get("/?token=0123456789abcdef0123", port));
        QCOMPARE(page.status, 200);
        QVERIFY2(page.header("set-cookie").startsWith("peal_token=0123456789abcdef0123;"), page.head.constData());
        QVERIFY(page.header("set-cookie").contains("HttpOnly"));
        QVERIFY(page.header("set-cookie").contains("SameSite=Strict"));
    }

    void eventsReplayFromLastEventIdThenFollowTheJournal()
    {
        auto server = serve();
        QVERIFY(server);
        const quint16 port = server->port();
        // From the start, every event with its id, in order.
        Client all(port);
        all.send(get(eventsPath(m_runId), port));
        Answer a = all.read([](const QByteArray &d) { return d.contains("\nid: 10\n"); });
        QCOMPARE(a.status, 200);
        QCOMPARE(a.header("content-type"), QByteArray("text/event-stream"));
        QCOMPARE(ids(a.body), range(1, 10));
        QVERIFY(a.body.contains("data: {\"already_done\":0,\"kind\":\"run_started\",\"seq\":1,"));
        // A reconnecting client: only what came after its last id; ?after=N the same.
        Client later(port);
        later.send(get(eventsPath(m_runId), port, "Last-Event-ID: 7\r\n"));
        QCOMPARE(ids(later.read([](const QByteArray &d) { return d.contains("\nid: 10\n"); }).body), range(8, 10));
        Client query(port);
        query.send(get(eventsPath(m_runId) + "?after=9", port));
        QCOMPARE(ids(query.read([](const QByteArray &d) { return d.contains("\nid: 10\n"); }).body), QList<quint64>{10});
        Client none(port);
        none.send(get(eventsPath(m_runId), port, "Last-Event-ID: 10\r\n"));
        a = none.read([](const QByteArray &d) { return d.contains("retry:"); });
        QVERIFY(ids(a.body).isEmpty());

        // The journal grows: each stream gets the new events once; a torn line waits for its end.
        const QString path = RunJournal::path(m_state, m_runId);
        QFile file(path);
        QVERIFY(file.open(QIODevice::Append));
        file.write(R"({"kind":"task_finished","ok":true,"seq":11,"task":1,"time":"2026-12-07T01:02:09.000Z"})" "\n");
        file.write(R"({"kind":"run_ended","exit_code":0,"seq":12,)");
        file.flush();
        QCOMPARE(ids(all.read([](const QByteArray &d) { return d.contains("\nid: 11\n"); }).body), range(1, 11));
        QCOMPARE(ids(none.read([](const QByteArray &d) { return d.contains("\nid: 11\n"); }).body), QList<quint64>{11});
        file.write(R"("time":"2026-12-07T01:02:10.000Z"})" "\n");
        file.close();
        a = all.read([](const QByteArray &d) { return d.contains("\nid: 12\n"); });
        QCOMPARE(ids(a.body), range(1, 12));
        QVERIFY(a.body.contains("\"kind\":\"run_ended\""));
        QCOMPARE(ids(later.read([](const QByteArray &d) { return d.contains("\nid: 12\n"); }).body), range(8, 12));
        // Put the journal back for the other cases.
        QVERIFY(QFile::remove(path));
        writeJournal(10, m_runId);
    }

    void aHundredClientsEachGetEveryEvent()
    {
        const QString runId = u"20261207T020000Z-777"_s;
        writeJournal(5, runId);
        auto server = serve();
        QVERIFY(server);
        const quint16 port = server->port();
        std::vector<std::unique_ptr<Client>> clients;
        for (int i = 0; i < 100; ++i) {
            clients.push_back(std::make_unique<Client>(port));
            clients.back()->send(get(eventsPath(runId), port));
        }
        QVERIFY(QTest::qWaitFor([&] { return server->clientCount() == 100; }, kWaitMs));
        // Appended by a second writer, as a run would (its numbers continue the file's).
        QFile file(RunJournal::path(m_state, runId));
        QVERIFY(file.open(QIODevice::Append));
        for (int seq = 6; seq <= 8; ++seq)
            file.write(QByteArray(R"({"kind":"agent_activity","activity":"Edit x","seq":)") + QByteArray::number(seq)
                       + R"(,"task":1,"time":"2026-12-07T02:00:01.000Z"})" "\n");
        file.close();
        for (auto &c : clients)
            QCOMPARE(ids(c->read([](const QByteArray &d) { return d.contains("\nid: 8\n"); }).body), range(1, 8));
        clients.clear();
        QVERIFY(QTest::qWaitFor([&] { return server->clientCount() == 0; }, kWaitMs));
    }

    void aClientThatTakesNothingHoldsOnlyItselfAndIsDropped()
    {
        // A journal far larger than the socket buffers.
        const QString runId = u"20261207T030000Z-999"_s;
        {
            RunJournal journal;
            QVERIFY(journal.open(RunJournal::path(m_state, runId)).ok());
            const QString padding(300, u'x');
            for (int i = 0; i < 40000; ++i)
                journal.append(u"agent_activity"_s, {{u"task"_s, 1}, {u"activity"_s, padding}});
        }
        DashboardOptions options;
        options.streamStallMs = 1000;
        auto server = serve(options);
        QVERIFY(server);
        const quint16 port = server->port();
        Client stuck(port);
        stuck.socket().setReadBufferSize(1); // reads (almost) nothing: the kernel's buffers fill
        stuck.send(get(eventsPath(runId), port));
        QVERIFY(QTest::qWaitFor([&] { return server->clientCount() == 1; }, kWaitMs));
        // Another client gets the whole journal meanwhile.
        Client reader(port);
        reader.send(get(eventsPath(runId), port));
        const Answer a = reader.read([](const QByteArray &d) { return d.contains("\nid: 40000\n"); });
        QVERIFY(hasId(a.body, 40000));
        QCOMPARE(ids(a.body).size(), 40000);
        // The stuck one is dropped once it has taken nothing for streamStallMs.
        QVERIFY(QTest::qWaitFor([&] { return server->clientCount() == 1; }, kWaitMs)); // the reader
        QVERIFY(QFile::remove(RunJournal::path(m_state, runId)));
    }

    void aHeadThatNeverEndsGets408()
    {
        DashboardOptions options;
        options.requestTimeoutMs = 300;
        auto server = serve(options);
        QVERIFY(server);
        Client slow(server->port());
        slow.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"); // and nothing more
        const Answer a = slow.read();
        QCOMPARE(a.status, 408);
        QVERIFY(a.closed);
    }

    void clientsBeyondTheLimitGet503()
    {
        DashboardOptions options;
        options.maxClients = 3;
        auto server = serve(options);
        QVERIFY(server);
        const quint16 port = server->port();
        std::vector<std::unique_ptr<Client>> streams;
        for (int i = 0; i < 3; ++i) {
            streams.push_back(std::make_unique<Client>(port));
            streams.back()->send(get(eventsPath(m_runId), port));
        }
        QVERIFY(QTest::qWaitFor([&] { return server->clientCount() == 3; }, kWaitMs));
        const Answer refused = fetch(port, get("/", port));
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.header("retry-after"), QByteArray("5"));
        streams.pop_back();
        QVERIFY(QTest::qWaitFor([&] { return server->clientCount() == 2; }, kWaitMs));
        QCOMPARE(fetch(port, get("/", port)).status, 200);
    }

    void listenErrorsNameWhatIsWrong()
    {
        DashboardOptions options;
        options.bindAddress = u"not-an-address"_s;
        options.pageDir = pageDir();
        DashboardServer bad(options);
        auto r = bad.listen();
        QVERIFY(!r);
        QVERIFY2(r.error().message().startsWith(u"--bind: 'not-an-address' is not an IP address"_s), qPrintable(r.error().message()));

        auto first = serve();
        QVERIFY(first);
        options.bindAddress = u"127.0.0.1"_s;
        options.port = first->port();
        DashboardServer taken(options);
        r = taken.listen();
        QVERIFY(!r);
        QVERIFY2(r.error().message().startsWith(u"cannot listen on 127.0.0.1:%1: "_s.arg(first->port())), qPrintable(r.error().message()));

        options.port = 0;
        options.pageDir = m_dir.filePath(u"nowhere"_s);
        DashboardServer noPage(options);
        r = noPage.listen();
        QVERIFY(!r);
        QVERIFY2(r.error().message().contains(u"the dashboard's page is not in"_s), qPrintable(r.error().message()));

        QVERIFY(DashboardServer::isLoopback(u"127.0.0.1"_s));
        QVERIFY(DashboardServer::isLoopback(u"::1"_s));
        QVERIFY(DashboardServer::isLoopback(u"localhost"_s));
        QVERIFY(!DashboardServer::isLoopback(u"203.0.113.7"_s)); // documentation addresses (RFC 5737, 3849)
        QVERIFY(!DashboardServer::isLoopback(u"2001:db8::1"_s));
        QCOMPARE(DashboardServer::newToken().size(), 32);
        QVERIFY(DashboardServer::newToken() != DashboardServer::newToken());
    }
};

QTEST_GUILESS_MAIN(tst_DashboardServer)
#include "tst_dashboardserver.moc"
