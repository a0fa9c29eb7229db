// SPDX-License-Identifier: MIT
// Graph plans: `## Task 5 (after 2, 4)` read, checked and ordered (peal/plangraph.h); a plan
// without `after` is read as the reference reads it.
#include <peal/plan.h>
#include <peal/plangraph.h>

#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

namespace {

PlanDocument read(const QByteArray &text)
{
    return PlanParser::parseDocument(text);
}

QStringList errorsOf(const PlanDocument &doc)
{
    QStringList out;
    for (const PlanNotice &e : doc.graphErrors)
        out << u"%1: %2"_s.arg(e.line).arg(e.text);
    return out;
}

} // namespace

class tst_PlanGraph : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void afterIsReadWithAnySpacing()
    {
        const PlanDocument doc = read("## Task 1\na\n## Task 2 (after 1)\nb\n## Task 3 (parallel) (after  1 ,2)\nc\n"
                                      "## Task 4 (after 3) (parallel)\nd\n");
        QVERIFY(doc.graphErrors.isEmpty());
        QCOMPARE(doc.plan.tasks.size(), 4);
        QCOMPARE(doc.plan.tasks[1].after, QList<quint32>{1});
        QCOMPARE(doc.plan.tasks[2].after, (QList<quint32>{1, 2}));
        QVERIFY(doc.plan.tasks[2].parallel);
        QVERIFY(doc.plan.tasks[3].parallel);
        QVERIFY(PlanGraph::isGraph(doc.plan));
        QVERIFY(doc.notices.isEmpty());
    }

    void aTaskWithoutAfterWaitsForTheSegmentBeforeIt()
    {
        const PlanDocument doc = read("## Task 1\na\n## Task 2 (parallel)\nb\n## Task 3 (parallel)\nc\n## Task 4\nd\n"
                                      "## Task 5 (after 1)\ne\n## Task 6\nf\n");
        const auto waits = PlanGraph::waitsFor(doc.plan);
        QCOMPARE(waits.value(1), QList<quint32>());
        QCOMPARE(waits.value(2), QList<quint32>{1});
        QCOMPARE(waits.value(3), QList<quint32>{1});
        QCOMPARE(waits.value(4), (QList<quint32>{2, 3}));
        QCOMPARE(waits.value(5), QList<quint32>{1});
        QCOMPARE(waits.value(6), QList<quint32>{5});
    }

    void aPlanWithoutAfterIsNoGraph()
    {
        const PlanDocument doc = read("## Task 1\na\n## Task 2 (parallel)\nb\n## Task 3 (parallel)\nc\n");
        QVERIFY(!PlanGraph::isGraph(doc.plan));
        QVERIFY(PlanGraph::waitsFor(doc.plan).value(2).isEmpty());
        // Words that only look like it are no `after` group: the reference's reading.
        const PlanDocument party = read("## Task 1\na\n## Task 2 (after-party)\nb\n");
        QVERIFY(!PlanGraph::isGraph(party.plan));
        QCOMPARE(party.plan.tasks.size(), 1);
        QCOMPARE(party.notices.size(), 1);
    }

    void errorsNameTheHeadingsLine_data()
    {
        QTest::addColumn<QByteArray>("plan");
        QTest::addColumn<QString>("error");
        QTest::newRow("unknown") << QByteArray("## Task 1\na\n## Task 2 (after 9)\nb\n")
                                 << u"3: task 2 waits for task 9, which is not in the plan"_s;
        QTest::newRow("itself") << QByteArray("## Task 1\na\n## Task 2 (after 2)\nb\n")
                                << u"3: task 2 waits for itself (remove 2 from its after list)"_s;
        QTest::newRow("cycle") << QByteArray("## Task 1\na\n## Task 3 (after 5)\nb\n## Task 5 (after 3)\nc\n")
                               << u"3: tasks 3 -> 5 -> 3 wait for each other (a cycle): no task of it can start"_s;
        QTest::newRow("empty") << QByteArray("## Task 1\na\n## Task 2 (after)\nb\n")
                               << u"3: '## Task 2 (after)': the list of tasks it waits for is malformed: a task number is "
                                  "missing (write '## Task 2 (after 2, 4)')"_s;
        QTest::newRow("word") << QByteArray("## Task 1\na\n## Task 2 (after one)\nb\n")
                              << u"3: '## Task 2 (after one)': the list of tasks it waits for is malformed: 'one' is not a "
                                 "task number (write '## Task 2 (after 2, 4)')"_s;
        QTest::newRow("unclosed") << QByteArray("## Task 1\na\n## Task 2 (after 1\nb\n")
                                  << u"3: '## Task 2 (after 1': the list of tasks it waits for is malformed: '(after' is not "
                                     "closed with ')' (write '## Task 2 (after 2, 4)')"_s;
    }

    void errorsNameTheHeadingsLine()
    {
        QFETCH(QByteArray, plan);
        QFETCH(QString, error);
        QCOMPARE(errorsOf(read(plan)), QStringList{error});
    }

    void orderWavesAndTheCriticalPath()
    {
        const PlanDocument doc = read("## Task 1\na\n## Task 2 (after 1)\nb\n## Task 3 (after 1)\nc\n## Task 4 (after 2, 3)\n"
                                      "d\n## Task 5 (after 1)\ne\n## Task 6 (after 4, 5)\nf\n");
        QCOMPARE(PlanGraph::order(doc.plan), (QList<quint32>{1, 2, 3, 4, 5, 6}));
        const QList<QList<quint32>> waves{{1}, {2, 3, 5}, {4}, {6}};
        QCOMPARE(PlanGraph::waves(doc.plan), waves);
        QCOMPARE(PlanGraph::criticalPath(doc.plan), (QList<quint32>{1, 2, 4, 6}));
        QCOMPARE(PlanGraph::dependents(doc.plan, 2), (QList<quint32>{4, 6}));
        // Plan order where the waits allow: 3 waits for 4, so 4 comes first.
        const PlanDocument back = read("## Task 1\na\n## Task 3 (after 4)\nc\n## Task 4 (after 1)\nd\n");
        QCOMPARE(PlanGraph::order(back.plan), (QList<quint32>{1, 4, 3}));
    }
};

QTEST_GUILESS_MAIN(tst_PlanGraph)
#include "tst_plangraph.moc"
