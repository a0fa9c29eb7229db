// SPDX-License-Identifier: MIT
// `peal serve` and `peal run --serve` as a person runs them: the URL printed, a run followed
// live over Server-Sent Events by one client and by a hundred at once, the stream ending with
// the run, and the command's own errors.
#include "testsupport.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <csignal>
#include <memory>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

namespace {

constexpr int kWaitMs = 60000;

// A peal process whose stderr and stdout are read as they come.
struct PealProcess
{
    QProcess process;
    QByteArray output;

    void start(const Scenario &s, const QStringList &arguments, const QHash<QString, QString> &env = {})
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        for (auto it = env.cbegin(); it != env.cend(); ++it)
            e.insert(it.key(), it.value());
        process.setProcessEnvironment(e);
        process.setWorkingDirectory(s.dir());
        process.setProcessChannelMode(QProcess::MergedChannels);
        QObject::connect(&process, &QProcess::readyRead, [this] { output += process.readAll(); });
        process.start(PealTest::pealBinary(), arguments);
    }

    // The dashboard's URL once printed ("dashboard: http://..." or peal serve's line).
    QUrl url()
    {
        static const QRegularExpression pattern(u"(http://127\\.0\\.0\\.1:\\d+/\\S*)"_s);
        QRegularExpressionMatch m;
        (void)QTest::qWaitFor([&] {
            m = pattern.match(QString::fromUtf8(output));
            return m.hasMatch() || process.state() == QProcess::NotRunning;
        }, kWaitMs);
        return m.hasMatch() ? QUrl(m.captured(1)) : QUrl();
    }
};

// An event-stream client of a run's journal.
class Stream
{
public:
    Stream(const QUrl &url, const QByteArray &target)
    {
        m_socket.connectToHost(url.host(), quint16(url.port()));
        QObject::connect(&m_socket, &QTcpSocket::connected, [this, url, target] {
            m_socket.write("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(url.port()) + "\r\n\r\n");
        });
        QObject::connect(&m_socket, &QTcpSocket::readyRead, [this] { data += m_socket.readAll(); });
    }

    // The events received, in order.
    QList<QJsonObject> events() const
    {
        QList<QJsonObject> out;
        for (const QByteArray &line : data.split('\n')) {
            if (line.startsWith("data: "))
                out << QJsonDocument::fromJson(line.mid(6)).object();
        }
        return out;
    }
    bool ended() const { return data.contains("\"kind\":\"run_ended\""); }

    QByteArray data;

private:
    QTcpSocket m_socket;
};

QByteArray get(const QUrl &url, const QByteArray &target)
{
    QTcpSocket socket;
    socket.connectToHost(url.host(), quint16(url.port()));
    if (!socket.waitForConnected(kWaitMs))
        return {};
    socket.write("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(url.port()) + "\r\n\r\n");
    QByteArray data;
    while (socket.waitForReadyRead(kWaitMs))
        data += socket.readAll();
    return data.mid(data.indexOf("\r\n\r\n") + 4);
}

// The events path of the state's newest run, from the API.
QByteArray eventsOfNewestRun(const QUrl &url)
{
    QByteArray target;
    (void)QTest::qWaitFor([&] {
        const QJsonObject state = PealTest::json(get(url, "/api/states")).value(u"states"_s).toArray().first().toObject();
        const QJsonArray runs = state.value(u"runs"_s).toArray();
        if (runs.isEmpty())
            return false;
        target = "/api/states/" + state.value(u"key"_s).toString().toUtf8() + "/runs/"
                 + runs.first().toObject().value(u"id"_s).toString().toUtf8() + "/events";
        return true;
    }, kWaitMs);
    return target;
}

QStringList kinds(const QList<QJsonObject> &events, quint32 task)
{
    QStringList out;
    for (const QJsonObject &e : events) {
        if (quint32(e.value(u"task"_s).toInteger()) == task)
            out << e.value(u"kind"_s).toString() + (e.contains(u"phase"_s) ? u':' + e.value(u"phase"_s).toString() : QString());
    }
    return out;
}

} // namespace

class tst_Serve : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void runServeStreamsTheRunToItsEnd()
    {
        Scenario s("## Task 1\nT1: first.\n\n## Task 2\nT2: second.\n");
        QVERIFY(s.isValid());
        PealProcess run;
        run.start(s, {u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s, s.stateDir(),
                      u"--agent-cmd"_s, PealTest::demoAgent(), u"--no-review"_s, u"--serve=0"_s},
                  {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"300"_s}});
        const QUrl url = run.url();
        QVERIFY2(url.isValid(), run.output.constData());
        QVERIFY2(run.output.contains("dashboard: http://127.0.0.1:"), run.output.constData());
        Stream stream(url, eventsOfNewestRun(url));
        QVERIFY2(QTest::qWaitFor([&] { return stream.ended(); }, kWaitMs), stream.data.right(2000).constData());
        QVERIFY(run.process.waitForFinished(kWaitMs));
        QCOMPARE(run.process.exitCode(), 0);
        const QList<QJsonObject> events = stream.events();
        // Numbered from 1 without a gap, the plan first and the end last.
        for (qsizetype i = 0; i < events.size(); ++i)
            QCOMPARE(events.at(i).value(u"seq"_s).toInt(), int(i + 1));
        QCOMPARE(events.first().value(u"kind"_s).toString(), u"run_plan"_s);
        QCOMPARE(events.first().value(u"tasks"_s).toArray().at(1).toObject().value(u"title"_s).toString(), u"T2: second."_s);
        QCOMPARE(events.last().value(u"kind"_s).toString(), u"run_ended"_s);
        QCOMPARE(events.last().value(u"exit_code"_s).toInt(), 0);
        for (quint32 task : {1u, 2u}) {
            const QStringList k = kinds(events, task);
            const qsizetype plan = k.indexOf(u"phase_started:plan"_s);
            const qsizetype execute = k.indexOf(u"phase_started:execute"_s);
            const qsizetype finished = k.indexOf(u"task_finished:execute"_s);
            QVERIFY2(plan >= 0 && plan < execute && execute < finished, qPrintable(k.join(u", "_s)));
        }
    }

    void aHundredClientsFollowARun()
    {
        Scenario s("## Task 1\nT1: first.\n\n## Task 2\nT2: second.\n\n## Task 3\nT3: third.\n");
        QVERIFY(s.isValid());
        PealProcess serve;
        serve.start(s, {u"serve"_s, u"--port"_s, u"0"_s, u"--state-dir"_s, s.stateDir()});
        const QUrl url = serve.url();
        QVERIFY2(url.isValid(), serve.output.constData());
        PealProcess run;
        run.start(s, {u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s, s.stateDir(),
                      u"--agent-cmd"_s, PealTest::demoAgent(), u"--no-review"_s},
                  {{u"PEAL_FAKE_AGENT_SLEEP_MS"_s, u"300"_s}});
        const QByteArray target = eventsOfNewestRun(url);
        QVERIFY(!target.isEmpty());
        std::vector<std::unique_ptr<Stream>> streams;
        for (int i = 0; i < 100; ++i)
            streams.push_back(std::make_unique<Stream>(url, target));
        QVERIFY(run.process.waitForFinished(kWaitMs));
        QCOMPARE(run.process.exitCode(), 0);
        QVERIFY(QTest::qWaitFor([&] {
            return std::all_of(streams.begin(), streams.end(), [](const auto &st) { return st->ended(); });
        }, kWaitMs));
        // Every client got the same events, whenever it joined.
        const QList<QJsonObject> first = streams.front()->events();
        QVERIFY(first.size() > 10);
        for (const auto &st : streams)
            QCOMPARE(st->events(), first);
        // The server is still there for the next page, and stops on SIGTERM with exit 0.
        QVERIFY(get(url, "/").contains("<title>peal dashboard</title>"));
        ::kill(pid_t(serve.process.processId()), SIGTERM);
        QVERIFY(serve.process.waitForFinished(kWaitMs));
        QCOMPARE(serve.process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(serve.process.exitCode(), 0);
    }

    void serveSaysWhatIsWrong()
    {
        Scenario s;
        const auto badPort = PealTest::runPeal({u"serve"_s, u"--port"_s, u"http"_s});
        QCOMPARE(badPort.exitCode, 2);
        QVERIFY2(badPort.err.contains(u"invalid value 'http' for '--port <N>': a port number from 0"_s), qPrintable(badPort.err));
        const auto shortToken = PealTest::runPeal({u"serve"_s, u"--token"_s, u"abc"_s});
        QCOMPARE(shortToken.exitCode, 2);
        QVERIFY2(shortToken.err.contains(u"at least 16 characters"_s), qPrintable(shortToken.err));
        const auto badServe = PealTest::runPeal({u"run"_s, u"--serve=99999"_s});
        QCOMPARE(badServe.exitCode, 2);
        QVERIFY2(badServe.err.contains(u"'--serve[=PORT]'"_s), qPrintable(badServe.err));
        const auto noRoot = PealTest::runPeal({u"serve"_s, u"--root"_s, s.path(u"nowhere"_s)});
        QCOMPARE(noRoot.exitCode, 1);
        QVERIFY2(noRoot.err.startsWith(u"error: --root: "_s), qPrintable(noRoot.err));
        const auto badBind = PealTest::runPeal({u"serve"_s, u"--bind"_s, u"everywhere"_s});
        QCOMPARE(badBind.exitCode, 1);
        QVERIFY2(badBind.err.contains(u"--bind: 'everywhere' is not an IP address"_s), qPrintable(badBind.err));
        // A port that is taken, asked for by number: said so (only the default falls back).
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
        const auto busy = PealTest::runPeal({u"serve"_s, u"--port"_s, QString::number(taken.serverPort()), u"--state-dir"_s, s.stateDir()});
        QCOMPARE(busy.exitCode, 1);
        QVERIFY2(busy.err.contains(u"cannot listen on 127.0.0.1:%1"_s.arg(taken.serverPort())), qPrintable(busy.err));
        QVERIFY2(busy.err.contains(u"--port 0"_s), qPrintable(busy.err));
        const auto help = PealTest::runPeal({u"serve"_s, u"--help"_s});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains(u"Usage: peal serve [OPTIONS]"_s));
    }
};

QTEST_GUILESS_MAIN(tst_Serve)
#include "tst_serve.moc"
