// SPDX-License-Identifier: MIT
// The run's journal (peal/journal.h): numbered, timed lines written by a thread of their own,
// read back from any sequence number, a torn last line ignored.
#include <peal/journal.h>

#include "testsupport.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

class tst_Journal : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eventsAreNumberedAndReadBackFromAnyPoint()
    {
        QTemporaryDir dir;
        const QString path = RunJournal::path(dir.path(), u"20261207T000000Z-1"_s);
        QCOMPARE(path, dir.path() + u"/runs/20261207T000000Z-1.jsonl"_s);
        RunJournal journal;
        QVERIFY(journal.open(path));
        ProgressEvent started;
        started.kind = ProgressEvent::Kind::RunStarted;
        started.taskCount = 2;
        QCOMPARE(journal.append(started), 1u);
        ProgressEvent finished;
        finished.kind = ProgressEvent::Kind::TaskFinished;
        finished.task = 2;
        finished.review = u"1 found, 0 dismissed, 1 fixed, 0 left"_s;
        QCOMPARE(journal.append(finished), 2u);
        QCOMPARE(journal.append(u"budget_stop"_s, {{u"reason"_s, u"max_cost_usd"_s}}), 3u);
        journal.flush();

        auto all = RunJournal::read(path);
        QVERIFY(all);
        QCOMPARE(all->size(), 3);
        QCOMPARE(all->at(0).value(u"kind"_s).toString(), u"run_started"_s);
        QCOMPARE(all->at(0).value(u"task_count"_s).toInt(), 2);
        QCOMPARE(all->at(1).value(u"review"_s).toString(), u"1 found, 0 dismissed, 1 fixed, 0 left"_s);
        QVERIFY(!all->at(2).value(u"time"_s).toString().isEmpty());
        auto later = RunJournal::read(path, 2);
        QVERIFY(later);
        QCOMPARE(later->size(), 1);
        QCOMPARE(later->first().value(u"seq"_s).toInt(), 3);
    }

    void theAgentsToolCallsAndWordsAreTold()
    {
        QTemporaryDir dir;
        const QString path = RunJournal::path(dir.path(), u"20261207T000000Z-2"_s);
        RunJournal journal;
        QVERIFY(journal.open(path));
        ProgressEvent tool;
        tool.kind = ProgressEvent::Kind::AgentActivity;
        tool.task = 3;
        tool.detail = u"Edit src/a.c"_s;
        ProgressEvent words = tool;
        words.said = true;
        words.detail = u"I will add the parser first."_s;
        journal.append(tool);
        journal.append(words);
        journal.flush();
        auto all = RunJournal::read(path);
        QVERIFY(all);
        QCOMPARE(all->size(), 2);
        QCOMPARE(all->at(0).value(u"activity"_s).toString(), u"Edit src/a.c"_s);
        QVERIFY(!all->at(0).contains(u"said"_s));
        QCOMPARE(all->at(1).value(u"activity"_s).toString(), u"I will add the parser first."_s);
        QCOMPARE(all->at(1).value(u"said"_s).toBool(), true);
        QCOMPARE(all->at(1).value(u"task"_s).toInt(), 3);
    }

    void aTornLastLineIsIgnored()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"j.jsonl"_s);
        QVERIFY(PealTest::writeFile(path, "{\"seq\":1,\"kind\":\"run_started\"}\n{\"seq\":2,\"ki"));
        auto events = RunJournal::read(path);
        QVERIFY(events);
        QCOMPARE(events->size(), 1);
        // A missing journal is none.
        auto none = RunJournal::read(dir.filePath(u"missing.jsonl"_s));
        QVERIFY(none && none->isEmpty());
    }

    void whatIsQueuedIsWrittenWhenTheJournalCloses()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"runs/r.jsonl"_s);
        {
            RunJournal journal;
            QVERIFY(journal.open(path));
            for (int i = 0; i < 1000; ++i)
                journal.append(u"agent_activity"_s, {{u"activity"_s, u"Edit src/x.c"_s}});
        }
        auto events = RunJournal::read(path);
        QVERIFY(events);
        QCOMPARE(events->size(), 1000);
        QCOMPARE(events->last().value(u"seq"_s).toInt(), 1000);
    }
};

QTEST_GUILESS_MAIN(tst_Journal)
#include "tst_journal.moc"
