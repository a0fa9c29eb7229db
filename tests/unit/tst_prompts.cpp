// SPDX-License-Identifier: MIT
// Prompt texts, byte for byte where the reference fixes them (spec §7; reference §13.8, §13.9).
#include <peal/prompt.h>

#include "testsupport.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

class tst_Prompts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void planWrapsTaskInDelimiters()
    {
        const QString p = Prompts::plan(u"Add a login form.");
        QVERIFY(p.startsWith(u"Create a plan for implementing this task:\n\n---TASK---\n"));
        QVERIFY(p.endsWith(u"\n---TASK---"));
        QCOMPARE(p, u"Create a plan for implementing this task:\n\n---TASK---\nAdd a login form.\n---TASK---"_s);
        QCOMPARE(p.count(u"---TASK---"_s), 2);
    }

    void planHandlesMultilineAndEmpty()
    {
        const QString p = Prompts::plan(u"line 1\nline 2\n\nline 4");
        QVERIFY(p.contains(u"---TASK---\nline 1\nline 2\n\nline 4\n---TASK---"));
        QVERIFY(Prompts::plan(u"").endsWith(u"---TASK---\n\n---TASK---"));
    }

    void executeWrapsPlanInDelimiters()
    {
        const QString p = Prompts::execute(u"1. do x\n2. do y");
        QCOMPARE(p, u"Execute the following plan. Do not re-plan; only implement and test.\n\n"
                    "---PLAN---\n1. do x\n2. do y\n---PLAN---"_s);
        QVERIFY(Prompts::execute(u"").endsWith(u"---PLAN---\n\n---PLAN---"));
        QCOMPARE(Prompts::execute(u"a\nb").count(u"---PLAN---"_s), 2);
    }

    void addressWrapsReviewInDelimiters()
    {
        const QString p = Prompts::address(u"finding 1\nfinding 2");
        QCOMPARE(p, u"Address the following stet review findings. Apply fixes and run tests.\n\n"
                    "---STET---\nfinding 1\nfinding 2\n---STET---"_s);
        QCOMPARE(p.count(u"---STET---"_s), 2);
        QVERIFY(Prompts::address(u"").endsWith(u"---STET---\n\n---STET---"));
    }

    void addressWithSuggestions()
    {
        const QString p = Prompts::address(u"review", u"use a constant"_s);
        QCOMPARE(p, u"Address the following stet review findings. Apply fixes and run tests.\n\n"
                    "---STET---\nreview\n---STET---\n\nSuggested fixes from stet:\n\n"
                    "---SUGGESTIONS---\nuse a constant\n---SUGGESTIONS---"_s);
        QCOMPARE(p.count(u"---SUGGESTIONS---"_s), 2);
        QVERIFY(!p.contains(u"---TASK---"));
        QVERIFY(!p.contains(u"---PLAN---"));
        QCOMPARE(Prompts::address(u"review", std::nullopt), Prompts::address(u"review"));
    }

    void triageLayout()
    {
        QCOMPARE(Prompts::triage(u"{\"findings\":[]}"),
                 u"---STET---\n{\"findings\":[]}\n---STET---\n\nAnything to address from this review?"_s);
    }

    void normalizePromptContainsInstructionsDelimiterAndDoc()
    {
        const QString doc = u"Some loose notes\n- do a\n- do b"_s;
        const QString p = Prompts::normalize(doc);
        QVERIFY(p.contains(u"canonical format"));
        QVERIFY(p.contains(u"## Task 1"));
        QVERIFY(p.contains(u"(parallel)"));
        QVERIFY(p.contains(u"Output rules:"));
        QCOMPARE(p.count(u"---DOC---"_s), 2);
        QVERIFY(p.endsWith(u"---DOC---\n"_s + doc + u"\n---DOC---"_s));
        QVERIFY(Prompts::normalize(u"").endsWith(u"---DOC---\n\n---DOC---"));
    }

    void templateReplacesEveryPlaceholder()
    {
        QCOMPARE(Prompts::fromTemplate(u"Convert the following:\n{{DOC}}\nEnd.", u"my doc"),
                 u"Convert the following:\nmy doc\nEnd."_s);
        QCOMPARE(Prompts::fromTemplate(u"{{DOC}} and {{DOC}}", u"x"), u"x and x"_s);
        QCOMPARE(Prompts::fromTemplate(u"no placeholder", u"x"), u"no placeholder"_s);
    }

    void buildNormalizeWithoutTemplateUsesBuiltin()
    {
        auto p = Prompts::buildNormalize(u"doc", std::nullopt);
        QVERIFY(p);
        QCOMPARE(*p, Prompts::normalize(u"doc"));
    }

    void buildNormalizeFromTemplateFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"prompt.txt"_s);
        QVERIFY(PealTest::writeFile(path, "Convert the following:\n{{DOC}}\nEnd."));
        auto p = Prompts::buildNormalize(u"the doc", path);
        QVERIFY(p);
        QVERIFY(p->startsWith(u"Convert the following:\n"));
        QVERIFY(p->endsWith(u"\nEnd."));
        QVERIFY(p->contains(u"the doc"));
    }

    void templateFileByteOrderMarkIsDropped()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"prompt.txt"_s);
        QVERIFY(PealTest::writeFile(path, "\xEF\xBB\xBF" "Convert:\n{{DOC}}"));
        auto p = Prompts::buildNormalize(u"the doc", path);
        QVERIFY(p);
        QCOMPARE(*p, u"Convert:\nthe doc"_s);
    }

    void buildNormalizeMissingTemplateFails()
    {
        auto p = Prompts::buildNormalize(u"doc", u"/no/such/prompt.txt"_s);
        QVERIFY(!p);
        QCOMPARE(p.error().kind(), Error::Kind::Normalization);
        QVERIFY(p.error().message().startsWith(u"Normalization prompt file /no/such/prompt.txt: "));
    }

    void delimitersAreDistinctAcrossPhases()
    {
        const QString plan = Prompts::plan(u"x");
        const QString exec = Prompts::execute(u"x");
        const QString address = Prompts::address(u"x");
        QVERIFY(plan.contains(u"---TASK---") && !plan.contains(u"---PLAN---"));
        QVERIFY(exec.contains(u"---PLAN---") && !exec.contains(u"---TASK---"));
        QVERIFY(address.contains(u"---STET---") && !address.contains(u"---PLAN---"));
        QVERIFY(!Prompts::normalize(u"x").contains(u"---TASK---"));
    }

    void promptsNeverEndWithNewline()
    {
        for (const QString &p : {Prompts::plan(u"x\n"), Prompts::execute(u"x\n"),
                                 Prompts::address(u"x\n", u"y\n"_s), Prompts::triage(u"x\n"),
                                 Prompts::normalize(u"x\n")})
            QVERIFY(!p.endsWith(u'\n'));
    }

    void planFormatGuide()
    {
        const QString guide = Prompts::planFormatGuide();
        QVERIFY(guide.contains(u"## Task"));
        QVERIFY(guide.contains(u"(parallel)"));
        QVERIFY(guide.contains(u"PEAL"));
        QVERIFY(guide.contains(u"## Required format"));
        QVERIFY(guide.contains(u"## Example"));
        QVERIFY(guide.contains(u"## Guidance"));
        QVERIFY(guide.contains(u"```markdown"));
        QVERIFY(guide.contains(u"peal run --plan <path> --repo <path>"));
    }

    void redactForLog_data()
    {
        QTest::addColumn<QStringList>("argv");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("empty") << QStringList() << QStringList();
        QTest::newRow("single") << QStringList{u"x"_s} << QStringList{u"<prompt len=1>"_s};
        QTest::newRow("multi") << QStringList{u"--print"_s, u"--plan"_s, u"my long prompt text here"_s}
                               << QStringList{u"--print"_s, u"--plan"_s, u"<prompt len=24>"_s};
        QTest::newRow("utf-8 bytes") << QStringList{u"\u00e9\u4e2d"_s} << QStringList{u"<prompt len=5>"_s};
    }
    void redactForLog()
    {
        QFETCH(QStringList, argv);
        QFETCH(QStringList, expected);
        QCOMPARE(Prompts::redactForLog(argv), expected);
    }
};

QTEST_GUILESS_MAIN(tst_Prompts)
#include "tst_prompts.moc"
