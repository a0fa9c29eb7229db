// SPDX-License-Identifier: MIT
// The dashboard's benchmarks (bench/run.sh dashboard), over real sockets against a real
// `peal serve` or `peal run --serve`:
//
//   peal-bench-sse delay <peal> <clients> <events>
//       Starts `peal serve` on a state directory of its own, connects <clients> event streams to
//       a run's journal, then appends <events> events to that journal as a run does (RunJournal,
//       20-30 ms apart, each carrying the time it was appended) and measures, for every event and
//       client, the delay from the append to the event's arrival. Prints the median, 95th
//       percentile and maximum, and peal serve's peak and current memory.
//   peal-bench-sse follow <url> <clients>
//       Connects <clients> event streams to the newest run of the server at <url> (waiting for
//       one to start) and stays until every stream has seen the run end.
#include <peal/journal.h>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

[[noreturn]] void die(const QString &message)
{
    std::fprintf(stderr, "peal-bench-sse: %s\n", qPrintable(message));
    std::exit(1);
}

// Waits on the event loop until `done` holds, at most `ms`.
bool waitFor(const std::function<bool()> &done, int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > ms)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 10);
    }
    return true;
}

QByteArray httpGet(const QUrl &url, const QByteArray &target)
{
    QTcpSocket socket;
    socket.connectToHost(url.host(), quint16(url.port()));
    if (!socket.waitForConnected(10000))
        return {};
    socket.write("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(url.port()) + "\r\n\r\n");
    QByteArray data;
    while (socket.waitForReadyRead(10000))
        data += socket.readAll();
    return data.mid(data.indexOf("\r\n\r\n") + 4);
}

// The events path of the newest run, once there is one.
QByteArray newestRunEvents(const QUrl &url, int waitMs)
{
    QByteArray target;
    waitFor([&] {
        const QJsonObject state = QJsonDocument::fromJson(httpGet(url, "/api/states")).object().value(u"states").toArray().first().toObject();
        const QJsonArray runs = state.value(u"runs").toArray();
        if (runs.isEmpty() || !runs.first().toObject().value(u"journal").toBool())
            return false;
        target = "/api/states/" + state.value(u"key").toString().toUtf8() + "/runs/"
                 + runs.first().toObject().value(u"id").toString().toUtf8() + "/events";
        return true;
    }, waitMs);
    return target;
}

// One event stream; `onEvent` sees each event as it arrives.
class Stream
{
public:
    Stream(const QUrl &url, const QByteArray &target, std::function<void(const QJsonObject &)> onEvent)
        : m_onEvent(std::move(onEvent))
    {
        QObject::connect(&m_socket, &QTcpSocket::connected, [this, url, target] {
            m_socket.write("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(url.port()) + "\r\n\r\n");
        });
        QObject::connect(&m_socket, &QTcpSocket::readyRead, [this] { read(); });
        m_socket.connectToHost(url.host(), quint16(url.port()));
    }

    bool ended = false;
    int events = 0;

private:
    void read()
    {
        m_buffer += m_socket.readAll();
        qsizetype end;
        while ((end = m_buffer.indexOf('\n')) >= 0) {
            const QByteArray line = m_buffer.left(end);
            m_buffer.remove(0, end + 1);
            if (!line.startsWith("data: "))
                continue;
            const QJsonObject event = QJsonDocument::fromJson(line.mid(6)).object();
            ++events;
            ended = ended || event.value(u"kind").toString() == u"run_ended";
            m_onEvent(event);
        }
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
    std::function<void(const QJsonObject &)> m_onEvent;
};

QString memoryOf(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return QStringLiteral("?");
    QString peak, now;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            peak = QString::fromLatin1(line.mid(6).simplified());
        if (line.startsWith("VmRSS:"))
            now = QString::fromLatin1(line.mid(6).simplified());
    }
    return QStringLiteral("peak %1, now %2").arg(peak, now);
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(p * double(values.size() - 1) + 0.5))];
}

int delay(const QString &peal, int clients, int events)
{
    QTemporaryDir dir;
    const QString state = dir.filePath(QStringLiteral(".peal"));
    Peal::RunJournal journal;
    if (!journal.open(Peal::RunJournal::path(state, QStringLiteral("20261207T000000Z-1"))))
        die(QStringLiteral("cannot open the journal"));
    journal.append(QStringLiteral("run_started"), {{QStringLiteral("task_count"), 1}, {QStringLiteral("already_done"), 0}});
    journal.flush();

    QProcess serve;
    serve.setProcessChannelMode(QProcess::MergedChannels);
    serve.start(peal, {QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--state-dir"), state});
    QByteArray printed;
    static const QRegularExpression pattern(QStringLiteral("http://127\\.0\\.0\\.1:\\d+/"));
    QRegularExpressionMatch match;
    if (!waitFor([&] {
            printed += serve.readAll();
            return (match = pattern.match(QString::fromUtf8(printed))).hasMatch();
        }, 10000))
        die(QStringLiteral("peal serve printed no URL: ") + QString::fromUtf8(printed));
    const QUrl url(match.captured(0));
    const QByteArray target = newestRunEvents(url, 10000);

    std::vector<double> delays;
    delays.reserve(size_t(clients) * size_t(events));
    std::vector<std::unique_ptr<Stream>> streams;
    for (int i = 0; i < clients; ++i)
        streams.push_back(std::make_unique<Stream>(url, target, [&](const QJsonObject &e) {
            if (e.contains(u"sent_ns"))
                delays.push_back(double(nowNs() - e.value(u"sent_ns").toInteger()) / 1e6);
        }));
    if (!waitFor([&] { return std::all_of(streams.begin(), streams.end(), [](const auto &s) { return s->events >= 1; }); }, 20000))
        die(QStringLiteral("not every client connected"));

    // The events, 20 to 30 ms apart: the journal's writer batches every 20 ms, so the offsets
    // fall anywhere in its cycle.
    int sent = 0;
    QTimer pace;
    pace.setSingleShot(true);
    QObject::connect(&pace, &QTimer::timeout, [&] {
        journal.append(QStringLiteral("agent_activity"), {{QStringLiteral("task"), 1},
                                                          {QStringLiteral("activity"), QStringLiteral("Edit src/bench.c")},
                                                          {QStringLiteral("sent_ns"), nowNs()}});
        if (++sent < events)
            pace.start(20 + int(QRandomGenerator::global()->bounded(11)));
    });
    pace.start(20);
    const size_t expected = size_t(clients) * size_t(events);
    if (!waitFor([&] { return delays.size() >= expected; }, 30000 + events * 100))
        die(QStringLiteral("only %1 of %2 deliveries arrived").arg(delays.size()).arg(expected));
    std::printf("dashboard: %d client(s), %d events: journal append to SSE client median %.1f ms, p95 %.1f ms, max %.1f ms; "
                "peal serve memory %s\n",
                clients, events, percentile(delays, 0.5), percentile(delays, 0.95), percentile(delays, 1.0),
                qPrintable(memoryOf(serve.processId())));
    streams.clear();
    serve.terminate();
    serve.waitForFinished(10000);
    return 0;
}

int follow(const QUrl &url, int clients)
{
    const QByteArray target = newestRunEvents(url, 60000);
    if (target.isEmpty())
        die(QStringLiteral("no run started at ") + url.toString());
    std::vector<std::unique_ptr<Stream>> streams;
    for (int i = 0; i < clients; ++i)
        streams.push_back(std::make_unique<Stream>(url, target, [](const QJsonObject &) {}));
    if (!waitFor([&] { return std::all_of(streams.begin(), streams.end(), [](const auto &s) { return s->ended; }); }, 600000))
        die(QStringLiteral("not every stream saw the run end"));
    std::printf("%d clients each got %d events\n", clients, streams.front()->events);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    if (args.size() == 4 && args.at(0) == u"delay")
        return delay(args.at(1), args.at(2).toInt(), args.at(3).toInt());
    if (args.size() == 3 && args.at(0) == u"follow")
        return follow(QUrl(args.at(1)), args.at(2).toInt());
    die(QStringLiteral("usage: peal-bench-sse delay <peal> <clients> <events> | follow <url> <clients>"));
}
