// SPDX-License-Identifier: MIT
// Plan reading, canonical detection, parsing, segments and filters (spec §3; reference §13.7).
#include <peal/plan.h>
#include <peal/textutil.h>

#include "testsupport.h"

#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

namespace {

QString segmentsText(const Plan &plan)
{
    QStringList parts;
    for (const Segment &s : plan.segments)
        parts.append(s.toString());
    return parts.join(u", ");
}

QString indicesText(const Plan &plan)
{
    QStringList parts;
    for (const Task &t : plan.tasks)
        parts.append(QString::number(t.index) + (t.parallel ? u"p"_s : QString()));
    return parts.join(u',');
}

} // namespace

class tst_PlanParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void isCanonical_data()
    {
        QTest::addColumn<QString>("content");
        QTest::addColumn<bool>("canonical");
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("only preamble") << u"# Title\n\nText"_s << false;
        QTest::newRow("task 1 with body") << u"## Task 1\nBody"_s << true;
        QTest::newRow("task 42 parallel") << u"## Task 42 (parallel)\nBody"_s << true;
        QTest::newRow("task 999 no newline") << u"## Task 999"_s << true;
        QTest::newRow("task 999 trailing newline") << u"## Task 999\n"_s << true;
        QTest::newRow("leading space") << u"  ## Task 1"_s << false;
        QTest::newRow("not a task") << u"## Not a Task 1"_s << false;
        QTest::newRow("crlf") << u"## Task 1\r\nBody\r\n"_s << true;
        QTest::newRow("multiple task lines") << u"intro\n## Task 1\na\n## Task 2\nb"_s << true;
        QTest::newRow("titled heading is canonical") << u"## Task 1 - Title"_s << true;
        QTest::newRow("no whitespace") << u"## Task1"_s << false;
        QTest::newRow("three hashes") << u"### Task 1"_s << false;
        QTest::newRow("unicode digit") << u"## Task \u0663"_s << true;
        QTest::newRow("no-break space is white space") << u"## Task\u00A01"_s << true;
        // Rust's White_Space: U+180E has not been a space since Unicode 6.3 (PCRE2 still says it is).
        QTest::newRow("mongolian vowel separator is not") << u"## Task\u180E1"_s << false;
        QTest::newRow("nbsp separator") << u"## Task\u00a01"_s << true;
    }
    void isCanonical()
    {
        QFETCH(QString, content);
        QFETCH(bool, canonical);
        QCOMPARE(PlanParser::isCanonical(content), canonical);
    }

    void detectedContentStillParsesCorrectly()
    {
        const QString content = u"# Plan\n## Task 1\nfirst\n## Task 2 (parallel)\nsecond\n"_s;
        QVERIFY(PlanParser::isCanonical(content));
        const Plan plan = PlanParser::parse(content);
        QCOMPARE(plan.tasks.size(), 2);
        QVERIFY(plan.tasks[1].parallel);
        QCOMPARE(plan.tasks[1].index, 2u);
    }

    void emptyContentProducesNoTasks()
    {
        const Plan plan = PlanParser::parse(u"");
        QVERIFY(plan.tasks.isEmpty());
        QVERIFY(plan.segments.isEmpty());
    }

    void singleTaskParsed()
    {
        const Plan plan = PlanParser::parse(u"## Task 1\nDo the thing.\n");
        QCOMPARE(plan.tasks.size(), 1);
        QCOMPARE(plan.tasks[0], (Task{1, u"Do the thing."_s, false}));
    }

    void multipleSequentialTasks()
    {
        const Plan plan = PlanParser::parse(u"## Task 1\n  one  \n\n## Task 2\ntwo\n## Task 3\n\nthree\n\n"_s);
        QCOMPARE(plan.tasks.size(), 3);
        QCOMPARE(plan.tasks[0].content, u"one"_s);
        QCOMPARE(plan.tasks[1].content, u"two"_s);
        QCOMPARE(plan.tasks[2].content, u"three"_s);
        QCOMPARE(segmentsText(plan), u"Seq1, Seq2, Seq3"_s);
    }

    void parallelSuffixDetected()
    {
        const Plan plan = PlanParser::parse(u"## Task 1\na\n## Task 2 (parallel)\nb\n## Task 3(parallel)\nc\n"_s);
        QCOMPARE(indicesText(plan), u"1,2p,3p"_s);
    }

    void bodyCapturedUntilNextHeading()
    {
        const Plan plan = PlanParser::parse(u"## Task 1\nline one\n\nline three\n## Task 2\nx"_s);
        QCOMPARE(plan.tasks[0].content, u"line one\n\nline three"_s);
    }

    void bodyCapturedUntilEof()
    {
        const Plan plan = PlanParser::parse(u"## Task 7\nalpha\nbeta"_s);
        QCOMPARE(plan.tasks[0].content, u"alpha\nbeta"_s);
    }

    void crlfNormalisedToLf()
    {
        const Plan plan = PlanParser::parse(u"## Task 1\r\nfirst line\r\nsecond\r\n## Task 2\r\nx\r\n"_s);
        QCOMPARE(plan.tasks.size(), 2);
        QCOMPARE(plan.tasks[0].content, u"first line\nsecond"_s);
        QCOMPARE(plan.tasks[1].content, u"x"_s);
    }

    void gapsInIndicesPreservedInOrder()
    {
        const Plan plan = PlanParser::parse(u"## Task 5\nfive\n## Task 1\none\n## Task 3\nthree\n"_s);
        QCOMPARE(indicesText(plan), u"1,3,5"_s);
        QCOMPARE(plan.tasks[2].content, u"five"_s);
    }

    void duplicatesKeptInFileOrder()
    {
        const Plan plan = PlanParser::parse(u"## Task 2\nfirst two\n## Task 1\none\n## Task 2\nsecond two\n"_s);
        QCOMPARE(indicesText(plan), u"1,2,2"_s);
        QCOMPARE(plan.tasks[1].content, u"first two"_s);
        QCOMPARE(plan.tasks[2].content, u"second two"_s);
        QCOMPARE(plan.taskByIndex(2)->content, u"first two"_s);
        QCOMPARE(segmentsText(plan), u"Seq1, Seq2, Seq2"_s);
    }

    void preambleBeforeFirstHeadingIgnored()
    {
        const Plan plan = PlanParser::parse(u"# Title\nSome intro.\n\n## Task 1\nbody\n"_s);
        QCOMPARE(plan.tasks.size(), 1);
        QCOMPARE(plan.tasks[0].content, u"body"_s);
    }

    void headingForms_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<bool>("heading");
        QTest::addColumn<quint32>("index");
        QTest::addColumn<bool>("parallel");
        QTest::newRow("extra whitespace") << u"## Task   42   (parallel)   "_s << true << 42u << true;
        QTest::newRow("attached parallel") << u"## Task 1(parallel)"_s << true << 1u << true;
        QTest::newRow("tab") << u"## Task\t3"_s << true << 3u << false;
        QTest::newRow("nbsp") << u"## Task\u00a04"_s << true << 4u << false;
        QTest::newRow("leading zeros") << u"## Task 007"_s << true << 7u << false;
        QTest::newRow("zero") << u"## Task 0"_s << true << 0u << false;
        QTest::newRow("u32 max") << u"## Task 4294967295"_s << true << 4294967295u << false;
        QTest::newRow("titled") << u"## Task 1 - foo"_s << false << 0u << false;
        QTest::newRow("capital Parallel") << u"## Task 1 (Parallel)"_s << false << 0u << false;
        QTest::newRow("three hashes") << u"### Task 1"_s << false << 0u << false;
        QTest::newRow("leading space") << u" ## Task 1"_s << false << 0u << false;
        QTest::newRow("overflow") << u"## Task 4294967296"_s << false << 0u << false;
        QTest::newRow("huge") << u"## Task 99999999999999999999999999"_s << false << 0u << false;
        QTest::newRow("arabic-indic digits") << u"## Task \u0661\u0662"_s << false << 0u << false;
        QTest::newRow("fullwidth digit") << u"## Task \uff11"_s << false << 0u << false;
    }
    void headingForms()
    {
        QFETCH(QString, line);
        QFETCH(bool, heading);
        QFETCH(quint32, index);
        QFETCH(bool, parallel);
        const QString text = u"## Task 99999\nbase\n"_s + line + u"\nbody\n"_s;
        const Plan plan = PlanParser::parse(text);
        if (!heading) {
            // Not a heading: the line stays in the body of the previous task.
            QCOMPARE(plan.tasks.size(), 1);
            QVERIFY(plan.tasks[0].content.contains(line.trimmed()));
            return;
        }
        QCOMPARE(plan.tasks.size(), 2);
        const Task *task = plan.taskByIndex(index);
        QVERIFY(task);
        QCOMPARE(task->parallel, parallel);
        QCOMPARE(task->content, u"body"_s);
    }

    void nonTaskHeadingsNotMatched()
    {
        const Plan plan = PlanParser::parse(u"## Task 1\nintro\n## Not a task heading\nmore\n"_s);
        QCOMPARE(plan.tasks.size(), 1);
        QCOMPARE(plan.tasks[0].content, u"intro\n## Not a task heading\nmore"_s);
    }

    void fencedCodeBlocksAreNotSpecial()
    {
        // As in the reference: a heading-shaped line inside a fence still starts a task.
        const Plan plan = PlanParser::parse(u"## Task 1\n```\n## Task 2\n```\n"_s);
        QCOMPARE(plan.tasks.size(), 2);
        QCOMPARE(plan.tasks[0].content, u"```"_s);
        QCOMPARE(plan.tasks[1].content, u"```"_s);
    }

    // ---- lines that look like headings but are not (ours) ----

    void lookalikeHeadingsAreReported_data()
    {
        QTest::addColumn<QByteArray>("plan");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("text");
        const QByteArray head = "# Plan\n\n## Task 1\nfirst\n";
        QTest::newRow("title after the number")
            << head + "## Task 2: add the CLI\nsecond\n" << 5
            << u"'## Task 2: add the CLI' is not a task heading: folded into task 1's body (write '## Task 2' "
               "and put the title on the next line)"_s;
        QTest::newRow("lower case")
            << head + "## task 2\n" << 5
            << u"'## task 2' is not a task heading: folded into task 1's body (write '## Task 2')"_s;
        QTest::newRow("level three")
            << head + "### Task 3\n" << 5
            << u"'### Task 3' is not a task heading: folded into task 1's body (write '## Task 3')"_s;
        QTest::newRow("capital Parallel")
            << head + "## Task 2 (Parallel)\n" << 5
            << u"'## Task 2 (Parallel)' is not a task heading: folded into task 1's body (write '## Task 2 "
               "(parallel)')"_s;
        QTest::newRow("index too large")
            << head + "## Task 4294967296\n" << 5
            << u"'## Task 4294967296' is not a task heading: folded into task 1's body (a task number is at "
               "most 4294967295)"_s;
        QTest::newRow("no space")
            << head + "##Task 2 - dash title\n" << 5
            << u"'##Task 2 - dash title' is not a task heading: folded into task 1's body (write '## Task 2' "
               "and put the title on the next line)"_s;
        QTest::newRow("before the first task")
            << QByteArray("## task 1\nintro\n## Task 2\nx\n") << 1
            << u"'## task 1' is not a task heading: ignored (it comes before the first task) (write '## Task 1')"_s;
        QTest::newRow("duplicate")
            << head + "## Task 2\nsecond\n\n## Task 1\nagain\n" << 8
            << u"'## Task 1' repeats task 1 of line 3: ignored duplicate, only the first one runs (give it a "
               "number of its own)"_s;
        QTest::newRow("CRLF line numbers")
            << QByteArray("## Task 1\r\nfirst\r\n\r\n## Task 2:\r\n") << 4
            << u"'## Task 2:' is not a task heading: folded into task 1's body (write '## Task 2')"_s;
    }
    void lookalikeHeadingsAreReported()
    {
        QFETCH(QByteArray, plan);
        QFETCH(int, line);
        QFETCH(QString, text);
        const PlanDocument doc = PlanParser::parseDocument(plan);
        QCOMPARE(doc.notices.size(), 1);
        QCOMPARE(doc.notices.first().line, line);
        QCOMPARE(doc.notices.first().text, text);
        // The parse stays the reference's.
        QCOMPARE(doc.plan.tasks, PlanParser::parse(QString::fromUtf8(plan)).tasks);
        QCOMPARE(PlanParser::noticeLine(u"plan.md"_s, doc.notices.first()),
                 u"plan.md:%1: %2"_s.arg(line).arg(text));
    }

    void repeatedCarriageReturnsAreReadAsTheReferenceDoes()
    {
        // Regression (fuzz_plan): CRLF -> LF, then Rust's `lines` drops one more '\r' per line.
        const QByteArray plan = "## Task 1\r\r\nbody\r\r\r\nmore\r\r\nend\r\n";
        const PlanDocument doc = PlanParser::parseDocument(plan);
        QCOMPARE(doc.plan.tasks.size(), 1);
        QCOMPARE(doc.plan.tasks.first().content, u"body\r\nmore\nend"_s);
        QCOMPARE(PlanParser::parse(QString::fromUtf8(plan)).tasks, doc.plan.tasks);
    }

    void lookalikeKeepsTheReferenceParse()
    {
        const PlanDocument doc = PlanParser::parseDocument("## Task 1\nfirst\n## Task 2: title\nsecond\n");
        QCOMPARE(doc.plan.tasks.size(), 1);
        QCOMPARE(doc.plan.tasks.first().content, u"first\n## Task 2: title\nsecond"_s);
        QVERIFY(doc.canonical);
    }

    void ordinaryHeadingsAndFencedExamplesAreNotReported()
    {
        const PlanDocument doc = PlanParser::parseDocument(
            "# Title\n## Task 1\n## Notes\n### Steps\n```markdown\n### Task 9\n## task 8\n```\n"
            "#hashtag\n## Task 2\nTask 3 is next\n");
        QVERIFY2(doc.notices.isEmpty(), qPrintable(doc.notices.value(0).text));
        QCOMPARE(doc.plan.indices(), (QList<quint32>{1, 2}));
    }

    void segments_data()
    {
        QTest::addColumn<QString>("plan");
        QTest::addColumn<QString>("segments");
        QTest::newRow("all sequential") << u"1,2,3"_s << u"Seq1, Seq2, Seq3"_s;
        QTest::newRow("consecutive parallel block") << u"1,2p,3p,4"_s << u"Seq1, Par[2,3], Seq4"_s;
        QTest::newRow("single parallel demoted") << u"1,2p,3"_s << u"Seq1, Seq2, Seq3"_s;
        QTest::newRow("multiple blocks") << u"1,2p,3p,4,5p,6p,7p"_s
                                         << u"Seq1, Par[2,3], Seq4, Par[5,6,7]"_s;
        QTest::newRow("all parallel") << u"1p,2p"_s << u"Par[1,2]"_s;
        QTest::newRow("trailing single") << u"1p,2p,3,4p"_s << u"Par[1,2], Seq3, Seq4"_s;
    }
    void segments()
    {
        QFETCH(QString, plan);
        QFETCH(QString, segments);
        QString text;
        for (const QString &item : plan.split(u',')) {
            const bool parallel = item.endsWith(u'p');
            text += u"## Task "_s + item.left(item.size() - (parallel ? 1 : 0))
                    + (parallel ? u" (parallel)"_s : QString()) + u"\nbody\n"_s;
        }
        const Plan parsed = PlanParser::parse(text);
        QCOMPARE(segmentsText(parsed), segments);
    }

    void parseFileValid()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"plan.md"_s);
        QVERIFY(PealTest::writeFile(path, "## Task 1\none\n## Task 2\ntwo\n"));
        auto plan = PlanParser::parseFile(path);
        QVERIFY(plan);
        QCOMPARE(plan->tasks.size(), 2);
    }

    void parseFileInvalidUtf8()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"plan.md"_s);
        QVERIFY(PealTest::writeFile(path, QByteArray("\xff\xfe\x80\x81")));
        auto plan = PlanParser::parseFile(path);
        QVERIFY(!plan);
        QCOMPARE(plan.error().message(), u"Invalid or missing plan file."_s);
        QVERIFY(plan.error().hint().contains(u"UTF-8"));
    }

    void leadingByteOrderMarkIsDropped()
    {
        // Ours (docs/decisions.md): the reference keeps U+FEFF, which hides the first heading.
        QTemporaryDir dir;
        const QString path = dir.filePath(u"plan.md"_s);
        QVERIFY(PealTest::writeFile(path, "\xEF\xBB\xBF## Task 1\none\n## Task 2\ntwo \xEF\xBB\xBF\n"));
        auto text = PlanParser::readFile(path);
        QVERIFY(text);
        QVERIFY(text->startsWith(u"## Task 1\n"));
        QVERIFY(PlanParser::isCanonical(*text));
        auto plan = PlanParser::parseFile(path);
        QVERIFY(plan);
        QCOMPARE(plan->indices(), (QList<quint32>{1, 2}));
        QCOMPARE(plan->tasks.first().content, u"one"_s);
        // Only a leading BOM: one inside the text is content.
        QCOMPARE(plan->tasks.last().content, u"two \uFEFF"_s);
        // Just one is dropped: a second stays.
        QVERIFY(PealTest::writeFile(path, "\xEF\xBB\xBF\xEF\xBB\xBF## Task 1\n"));
        text = PlanParser::readFile(path);
        QVERIFY(text);
        QVERIFY(text->startsWith(QChar(0xFEFF)));
        QVERIFY(!PlanParser::isCanonical(*text));
    }

    void parseFileNotFound()
    {
        auto plan = PlanParser::parseFile(u"/no/such/plan.md"_s);
        QVERIFY(!plan);
        QCOMPARE(plan.error().message(), u"Invalid or missing plan file."_s);
        QCOMPARE(plan.error().kind(), Error::Kind::PlanFile);
        QVERIFY(plan.error().hint().contains(u"/no/such/plan.md"));
    }

    void parseFileDirectory()
    {
        QTemporaryDir dir;
        auto plan = PlanParser::parseFile(dir.path());
        QVERIFY(!plan);
        QCOMPARE(plan.error().message(), u"Invalid or missing plan file."_s);
    }

    void filterSingleTaskReturnsMatchingTask()
    {
        const Plan plan = PlanParser::parse(u"## Task 1\na\n## Task 2 (parallel)\nb\n## Task 3 (parallel)\nc\n"_s);
        auto filtered = PlanParser::filterSingleTask(plan, 2);
        QVERIFY(filtered);
        QCOMPARE(segmentsText(*filtered), u"Seq2"_s);
        QCOMPARE(filtered->tasks.size(), 1);
    }

    void filterSingleTaskKeepsDuplicates()
    {
        const Plan plan = PlanParser::parse(u"## Task 1\na\n## Task 1\nb\n"_s);
        auto filtered = PlanParser::filterSingleTask(plan, 1);
        QVERIFY(filtered);
        QCOMPARE(filtered->tasks.size(), 2);
    }

    void filterNotFound_data()
    {
        QTest::addColumn<bool>("single");
        QTest::newRow("--task") << true;
        QTest::newRow("--from-task") << false;
    }
    void filterNotFound()
    {
        QFETCH(bool, single);
        const Plan plan = PlanParser::parse(u"## Task 3\nc\n## Task 1\na\n## Task 2\nb\n"_s);
        auto filtered = single ? PlanParser::filterSingleTask(plan, 99)
                               : PlanParser::filterFromTask(plan, 99);
        QVERIFY(!filtered);
        QCOMPARE(filtered.error().kind(), Error::Kind::TaskNotFound);
        QCOMPARE(filtered.error().message(), u"Task 99 not found in plan (available: [1, 2, 3])"_s);
    }

    void filterFromTaskReturnsTail()
    {
        const Plan plan = PlanParser::parse(u"## Task 1\na\n## Task 2\nb\n## Task 3\nc\n"_s);
        auto filtered = PlanParser::filterFromTask(plan, 2);
        QVERIFY(filtered);
        QCOMPARE(indicesText(*filtered), u"2,3"_s);
    }

    void filterFromLastTaskReturnsSingle()
    {
        const Plan plan = PlanParser::parse(u"## Task 1\na\n## Task 2\nb\n## Task 3\nc\n"_s);
        auto filtered = PlanParser::filterFromTask(plan, 3);
        QVERIFY(filtered);
        QCOMPARE(segmentsText(*filtered), u"Seq3"_s);
    }

    void filterFromTaskRecomputesParallelSegments()
    {
        const Plan plan = PlanParser::parse(
            u"## Task 1\na\n## Task 2 (parallel)\nb\n## Task 3 (parallel)\nc\n## Task 4\nd\n"_s);
        QCOMPARE(segmentsText(plan), u"Seq1, Par[2,3], Seq4"_s);
        auto filtered = PlanParser::filterFromTask(plan, 3);
        QVERIFY(filtered);
        QCOMPARE(segmentsText(*filtered), u"Seq3, Seq4"_s);
    }

    void taskByIndex()
    {
        const Plan plan = PlanParser::parse(u"## Task 10\na\n## Task 20\nb\n## Task 30\nc\n"_s);
        QCOMPARE(plan.taskByIndex(20)->content, u"b"_s);
        QCOMPARE(plan.taskByIndex(10)->content, u"a"_s);
        QCOMPARE(plan.taskByIndex(30)->content, u"c"_s);
        QVERIFY(!plan.taskByIndex(25));
        QVERIFY(!plan.taskByIndex(0));
    }

    void docsFixturePlans_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("tasks");
        QTest::newRow("phase 4") << u"plan-phase4.md"_s << 7;
        QTest::newRow("phase 5 with sub-headings") << u"plan-phase5.md"_s << 5;
        QTest::newRow("phase 6") << u"plan-phase6.md"_s << 3;
        QTest::newRow("phase 7") << u"plan-phase7.md"_s << 4;
    }
    void docsFixturePlans()
    {
        QFETCH(QString, file);
        QFETCH(int, tasks);
        auto plan = PlanParser::parseFile(PealTest::dataDir() + u"/plans/"_s + file);
        QVERIFY(plan);
        QCOMPARE(plan->tasks.size(), tasks);
        for (const Task &t : plan->tasks)
            QVERIFY(!t.content.isEmpty());
    }

    void improvementPlanFixture()
    {
        auto plan = PlanParser::parseFile(PealTest::dataDir() + u"/plans/improvement-plan.md"_s);
        QVERIFY(plan);
        QCOMPARE(plan->tasks.size(), 22);
        for (int i = 0; i < 22; ++i) {
            QCOMPARE(plan->tasks[i].index, quint32(i + 1));
            QVERIFY(!plan->tasks[i].parallel);
            QVERIFY(plan->tasks[i].content.startsWith(u"Improvement %1:"_s.arg(i + 1)));
        }
        QCOMPARE(plan->segments.size(), 22);
    }

    void parseOrFailWithSnippet_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<bool>("ok");
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("non canonical") << u"Here is your plan:\n1. do it"_s << false;
        QTest::newRow("canonical") << u"## Task 1\nDo it."_s << true;
        QTest::newRow("canonical but no heading") << u"## Task 1 - titled\nx"_s << false;
    }
    void parseOrFailWithSnippet()
    {
        QFETCH(QString, output);
        QFETCH(bool, ok);
        auto plan = PlanParser::parseOrFailWithSnippet(output);
        QCOMPARE(bool(plan), ok);
        if (ok) {
            QCOMPARE(plan->tasks.size(), 1);
            QCOMPARE(plan->tasks[0].index, 1u);
            return;
        }
        const QString message = plan.error().message();
        QVERIFY(message.startsWith(u"Normalized plan output could not be parsed (no canonical "
                                   "tasks found). Snippet:\n"));
        QVERIFY(message.endsWith(output));
        QVERIFY(Text::utf8Length(message) <= 520 + 100);
    }

    void snippetBoundedForLongOutput()
    {
        const QString output = u"x\n"_s.repeated(1000);
        const QString snippet = PlanParser::snippetForParseFailure(output);
        QCOMPARE(snippet, u"x\n"_s.repeated(20) + u"... (truncated)"_s);
        QVERIFY(Text::utf8Length(snippet) <= 600);
    }

    void snippetCutsLongLinesAtCharacterBoundary()
    {
        // 20 lines of 100 two-byte characters: over 500 bytes, cut at byte 485 or just after.
        const QString line = QString(100, QChar(0x00e9));
        QStringList lines;
        for (int i = 0; i < 20; ++i)
            lines.append(line);
        const QString snippet = PlanParser::snippetForParseFailure(lines.join(u'\n'));
        QVERIFY(snippet.endsWith(u"... (truncated)"));
        const qsizetype bodyBytes = Text::utf8Length(snippet) - 15;
        QVERIFY(bodyBytes >= 485 && bodyBytes <= 486);
        QVERIFY(!snippet.contains(QChar(QChar::ReplacementCharacter)));
        // Exactly 20 lines and short: no truncation marker.
        QCOMPARE(PlanParser::snippetForParseFailure(u"a\nb"_s), u"a\nb"_s);
    }

    void hostileInputsNeverCrash()
    {
        // Random bytes, huge numbers, lone surrogates, control characters: parse must return.
        QRandomGenerator rng(42);
        const QStringList fragments = {
            u"## Task "_s, u"(parallel)"_s, u"\r\n"_s, u"\n"_s, u"99999999999999999999"_s,
            u"\u0663"_s, u"\u00a0"_s, QString(QChar(0xd800)), u"\0"_s, u"#"_s, u" "_s, u"1"_s,
        };
        for (int round = 0; round < 2000; ++round) {
            QString text;
            const int parts = rng.bounded(1, 30);
            for (int i = 0; i < parts; ++i)
                text += fragments[rng.bounded(int(fragments.size()))];
            const Plan plan = PlanParser::parse(text);
            for (const Task &t : plan.tasks)
                QVERIFY(plan.taskByIndex(t.index));
            PlanParser::isCanonical(text);
            PlanParser::snippetForParseFailure(text);
        }
    }
};

QTEST_GUILESS_MAIN(tst_PlanParser)
#include "tst_planparser.moc"
