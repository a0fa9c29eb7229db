// SPDX-License-Identifier: MIT
// The findings formats of the checks reviewer (docs/plugins.md, "The checks reviewer").
#include "checkfindings.h"

#include <QTest>

using namespace Peal;
using namespace Peal::Checks;
using namespace Qt::StringLiterals;

class tst_CheckFindings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jsonFindings()
    {
        auto r = parseOutput(uR"({"findings": [{"id": "E1", "message": "bad", "path": "a.cpp", "line": 3,
                                  "severity": "error", "suggestion": "fix it"}, {"message": "no id"}]})"_s,
                             Format::Json);
        QVERIFY(r.ok());
        QCOMPARE(r->size(), 2);
        QCOMPARE(r->at(0).id, u"E1"_s);
        QCOMPARE(r->at(0).line, 3);
        QCOMPARE(r->at(0).suggestion, u"fix it"_s);
        QVERIFY(r->at(1).id.startsWith(u"chk-"_s));
        // The same finding gets the same id in every review, so a dismissal holds.
        auto again = parseOutput(uR"([{"message": "no id"}])"_s, Format::Json);
        QCOMPARE(again->at(0).id, r->at(1).id);
    }

    void emptyOutputIsNoFindings()
    {
        auto r = parseOutput(u"  \n"_s, Format::Json);
        QVERIFY(r.ok());
        QVERIFY(r->isEmpty());
    }

    void badJsonSaysWhy_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<QString>("error");
        QTest::newRow("not json") << u"oops"_s << u"output is not JSON"_s;
        QTest::newRow("no findings array") << uR"({"issues": 3})"_s << u"output has no \"findings\" array"_s;
        QTest::newRow("no message") << uR"([{"path": "a"}])"_s << u"finding 1 needs a non-empty \"message\" string"_s;
        QTest::newRow("bad line") << uR"([{"message": "m", "line": -2}])"_s
                                  << u"finding 1 has a \"line\" that is not a non-negative integer"_s;
        QTest::newRow("not an object") << u"[1]"_s << u"finding 1 is not an object"_s;
        QTest::newRow("path not a string") << uR"([{"message": "m", "path": 7}])"_s
                                           << u"finding 1 has a \"path\" that is not a string"_s;
    }

    void badJsonSaysWhy()
    {
        QFETCH(QString, output);
        QFETCH(QString, error);
        auto r = parseOutput(output, Format::Json);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message().startsWith(error), qPrintable(r.error().message()));
    }

    void lineFindings()
    {
        auto r = parseOutput(u"src/app.cpp:12:5: error: expected ';'\n\n  plain words  \nC:odd\n"_s, Format::Lines);
        QVERIFY(r.ok());
        QCOMPARE(r->size(), 3);
        QCOMPARE(r->at(0).path, u"src/app.cpp"_s);
        QCOMPARE(r->at(0).line, 12);
        QCOMPARE(r->at(0).message, u"error: expected ';'"_s);
        QCOMPARE(r->at(1).message, u"plain words"_s);
        QVERIFY(r->at(1).path.isEmpty());
        QCOMPARE(r->at(2).message, u"C:odd"_s);
    }

    void theNormalisedDocumentReadsBack()
    {
        auto r = parseOutput(u"a.cpp:1: one\nb.cpp:2: two\n"_s, Format::Lines);
        const auto back = readNormalised(normalised(*r));
        QVERIFY(back);
        QCOMPARE(back->size(), 2);
        QCOMPARE(back->at(1).path, u"b.cpp"_s);
        QCOMPARE(back->at(1).id, r->at(1).id);
    }
};

QTEST_GUILESS_MAIN(tst_CheckFindings)
#include "tst_checkfindings.moc"
