// SPDX-License-Identifier: MIT
// The limiter: order, cap, work conservation, stop-on-error, keep-going, cancellation.
// Jobs here are timers (the limiter is generic); process jobs are covered end to end.
#include <peal/limiter.h>

#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace Peal;
using namespace Qt::StringLiterals;

namespace {

// Finishes after `ms` with `success`; writes its events into a shared log.
class TimerJob : public Job
{
public:
    TimerJob(QString name, int ms, bool success, QStringList *log, QObject *parent)
        : Job(parent), m_name(std::move(name)), m_success(success), m_log(log)
    {
        m_timer.setSingleShot(true);
        m_timer.setInterval(ms);
        connect(&m_timer, &QTimer::timeout, this, [this] { end(m_success); });
    }
    void start() override
    {
        m_log->append(u"start "_s + m_name);
        m_timer.start();
    }
    void cancel() override
    {
        m_timer.stop();
        QTimer::singleShot(0, this, [this] { end(false, u"cancel "_s); });
    }

private:
    void end(bool ok, const QString &prefix = u"end "_s)
    {
        m_log->append(prefix + m_name);
        Q_EMIT finished(ok);
    }

    QString m_name;
    bool m_success;
    QStringList *m_log;
    QTimer m_timer;
};

} // namespace

class tst_Limiter : public QObject
{
    Q_OBJECT

    QStringList m_log;

    TimerJob *job(const char *name, int ms, bool ok = true)
    {
        return new TimerJob(QString::fromLatin1(name), ms, ok, &m_log, this);
    }

    void runUntilIdle(Limiter &limiter)
    {
        QSignalSpy idle(&limiter, &Limiter::idle);
        if (!limiter.isIdle())
            QVERIFY(idle.wait(10000));
    }

private Q_SLOTS:
    void init() { m_log.clear(); }

    void startsInOrderOneAtATime()
    {
        Limiter limiter(1);
        for (const char *n : {"a", "b", "c"})
            limiter.submit(job(n, 5));
        runUntilIdle(limiter);
        QCOMPARE(m_log, (QStringList{u"start a"_s, u"end a"_s, u"start b"_s, u"end b"_s,
                                     u"start c"_s, u"end c"_s}));
    }

    void capsConcurrencyAndRefillsAtOnce()
    {
        // a is long; b, c, d are short. With two slots, c starts as soon as b ends, while a
        // still runs (work conserving, not batches of two).
        Limiter limiter(2);
        limiter.submit(job("a", 300));
        limiter.submit(job("b", 10));
        limiter.submit(job("c", 10));
        limiter.submit(job("d", 10));
        int maxRunning = 0;
        connect(&limiter, &Limiter::jobStarted, this,
                [&] { maxRunning = std::max(maxRunning, limiter.runningCount()); });
        runUntilIdle(limiter);
        QCOMPARE(maxRunning, 2);
        QCOMPARE(m_log, (QStringList{u"start a"_s, u"start b"_s, u"end b"_s, u"start c"_s,
                                     u"end c"_s, u"start d"_s, u"end d"_s, u"end a"_s}));
    }

    void keepGoingRunsEverything()
    {
        Limiter limiter(1);
        limiter.setPolicy(Limiter::Policy::KeepGoing);
        QSignalSpy skipped(&limiter, &Limiter::jobSkipped);
        limiter.submit(job("a", 5, false));
        limiter.submit(job("b", 5));
        runUntilIdle(limiter);
        QCOMPARE(m_log, (QStringList{u"start a"_s, u"end a"_s, u"start b"_s, u"end b"_s}));
        QCOMPARE(skipped.count(), 0);
    }

    void stopOnErrorSkipsQueuedButLetsRunningFinish()
    {
        Limiter limiter(2);
        limiter.setPolicy(Limiter::Policy::StopOnError);
        QSignalSpy skipped(&limiter, &Limiter::jobSkipped);
        limiter.submit(job("slow", 200));
        limiter.submit(job("bad", 10, false));
        limiter.submit(job("never1", 10));
        limiter.submit(job("never2", 10));
        runUntilIdle(limiter);
        QCOMPARE(m_log, (QStringList{u"start slow"_s, u"start bad"_s, u"end bad"_s, u"end slow"_s}));
        QCOMPARE(skipped.count(), 2);
        QVERIFY(limiter.isStopped());
        // A closed queue reports later submissions as skipped too.
        limiter.submit(job("late", 1));
        QVERIFY(skipped.wait(1000));
        QCOMPARE(skipped.count(), 3);
        QVERIFY(!m_log.contains(u"start late"_s));
    }

    void cancelAllCancelsRunningAndSkipsQueued()
    {
        Limiter limiter(2);
        QSignalSpy skipped(&limiter, &Limiter::jobSkipped);
        QSignalSpy finished(&limiter, &Limiter::jobFinished);
        limiter.submit(job("a", 5000));
        limiter.submit(job("b", 5000));
        limiter.submit(job("c", 10));
        QCOMPARE(limiter.runningCount(), 2);
        limiter.cancelAll();
        runUntilIdle(limiter);
        QCOMPARE(skipped.count(), 1);
        QCOMPARE(finished.count(), 2);
        QVERIFY(m_log.contains(u"cancel a"_s));
        QVERIFY(m_log.contains(u"cancel b"_s));
        QVERIFY(!m_log.contains(u"start c"_s));
    }

    void raisingTheCapStartsMore()
    {
        Limiter limiter(1);
        limiter.submit(job("a", 100));
        limiter.submit(job("b", 100));
        QCOMPARE(limiter.runningCount(), 1);
        limiter.setMaxConcurrent(2);
        QCOMPARE(limiter.runningCount(), 2);
        QCOMPARE(limiter.queuedCount(), 0);
        runUntilIdle(limiter);
    }

    void capBelowOneMeansOne()
    {
        Limiter limiter(0);
        QCOMPARE(limiter.maxConcurrent(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_Limiter)
#include "tst_limiter.moc"
