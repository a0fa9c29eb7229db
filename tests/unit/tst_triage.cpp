// SPDX-License-Identifier: MIT
// The dismiss decisions of the address phase (reference §13.12 triage parsing and pattern
// triage, spec §8.8): the phrase-based reading of an LLM's answer, rule patterns, and reasons.
#include "triage.h"

#include <QTest>

using namespace Peal;
using namespace Peal::Address;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(Peal::Address::TriageDecision)

namespace {

QList<Finding> findings(const QStringList &ids)
{
    QList<Finding> out;
    for (const QString &id : ids)
        out.append(Finding{id, u"message of "_s + id, std::nullopt, std::nullopt, std::nullopt});
    return out;
}

TriageDecision all()
{
    return {TriageDecision::Kind::DismissAll, u"false_positive"_s, {}};
}

TriageDecision rest(const QStringList &keep)
{
    return {TriageDecision::Kind::DismissRest, QString(), keep};
}

} // namespace

class tst_Triage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseTriageResponse_data()
    {
        QTest::addColumn<QString>("answer");
        QTest::addColumn<QStringList>("ids");
        QTest::addColumn<TriageDecision>("expected");
        const QStringList two{u"abc123"_s, u"def456"_s};
        QTest::newRow("no, nothing to address") << u"No, nothing to address from this review."_s << two << all();
        QTest::newRow("nothing to address") << u"Nothing to address"_s << two << all();
        QTest::newRow("all false positives") << u"All false positives"_s << two << all();
        QTest::newRow("no findings to address") << u"No findings to address."_s << two << all();
        QTest::newRow("no issues to address") << u"there are no issues to address"_s << two << all();
        QTest::newRow("nothing to fix") << u"Honestly: NOTHING TO FIX."_s << two << all();
        QTest::newRow("no nothing") << u"no nothing here"_s << two << all();
        QTest::newRow("No.") << u"No."_s << two << all();
        QTest::newRow("nope with a short second line") << u"nope\nok"_s << two << all();
        QTest::newRow("no, but too long") << u"No\nbut let me think about it"_s << two << TriageDecision();
        QTest::newRow("one of two needs a fix")
            << u"Only finding abc123 needs a fix. The rest are noise."_s << two << rest({u"abc123"_s});
        QTest::newRow("ids match case-insensitively") << u"Please address ABC123."_s << two << rest({u"abc123"_s});
        QTest::newRow("both need fixes: nothing dismissed")
            << u"abc123 needs a fix and def456 needs a fix"_s << two << TriageDecision();
        QTest::newRow("mentioned without a fix word") << u"abc123 is fine, def456 is fine"_s << two << TriageDecision();
        QTest::newRow("fix word too far from the id")
            << u"abc123 ........................................................ fix"_s << two << TriageDecision();
        QTest::newRow("fix word just inside the window after the id")
            << u"abc123 " + QString(40, u'.') + u" fix"_s << two << rest({u"abc123"_s});
        QTest::newRow("fix word before the id") << u"we need abc123"_s << two << rest({u"abc123"_s});
        QTest::newRow("empty") << u""_s << two << TriageDecision();
        QTest::newRow("whitespace") << u"  \n\t "_s << two << TriageDecision();
        QTest::newRow("unparseable") << u"maybe fix something"_s << two << TriageDecision();
        QTest::newRow("window would split a character")
            << u"é"_s + QString(29, u'.') + u"abc123 fix"_s << two << TriageDecision();
    }

    void parseTriageResponse()
    {
        QFETCH(QString, answer);
        QFETCH(QStringList, ids);
        QFETCH(TriageDecision, expected);
        const TriageDecision got = Address::parseTriageResponse(answer, findings(ids));
        QCOMPARE(int(got.kind), int(expected.kind));
        QCOMPARE(got.reason, expected.reason);
        QCOMPARE(got.keepIds, expected.keepIds);
    }

    void dismissalsFollowTheDecision()
    {
        const QList<Finding> f = findings({u"a1"_s, u"b2"_s, u"c3"_s});
        QCOMPARE(dismissals(all(), f), (QList<Dismissal>{{u"a1"_s, u"false_positive"_s},
                                                         {u"b2"_s, u"false_positive"_s},
                                                         {u"c3"_s, u"false_positive"_s}}));
        QCOMPARE(dismissals(rest({u"b2"_s}), f),
                 (QList<Dismissal>{{u"a1"_s, u"false_positive"_s}, {u"c3"_s, u"false_positive"_s}}));
        QVERIFY(dismissals(TriageDecision(), f).isEmpty());
    }

    void triageByPatterns()
    {
        QList<Finding> f{
            Finding{u"f1"_s, u"unused variable x"_s, std::nullopt, u"src/gen/model.rs"_s, std::nullopt},
            Finding{u"f2"_s, u"possible null dereference"_s, std::nullopt, u"src/main.rs"_s, std::nullopt},
            Finding{u"f3"_s, u"Unused import"_s, std::nullopt, std::nullopt, std::nullopt},
        };
        // No patterns: nothing dismissed.
        QVERIFY(Address::triageByPatterns(f, {}).isEmpty());
        // Case-sensitive substring of "<message> <path>"; the first matching pattern wins.
        const QList<DismissPattern> patterns{{u"unused"_s, u"out_of_scope"_s},
                                             {u"/gen/"_s, u"wrong_suggestion"_s},
                                             {u"null"_s, u"already_correct"_s}};
        QCOMPARE(Address::triageByPatterns(f, patterns),
                 (QList<Dismissal>{{u"f1"_s, u"out_of_scope"_s}, {u"f2"_s, u"already_correct"_s}}));
        // The path takes part, after one space.
        QCOMPARE(Address::triageByPatterns(f, {{u"x src/gen"_s, u"false_positive"_s}}),
                 (QList<Dismissal>{{u"f1"_s, u"false_positive"_s}}));
        // An empty pattern (possible only from TOML) matches every finding.
        QCOMPARE(Address::triageByPatterns(f, {{u""_s, u"out_of_scope"_s}}).size(), 3);
    }

    void normalizeReason_data()
    {
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("expected");
        QTest::newRow("canonical") << u"out_of_scope"_s << u"out_of_scope"_s;
        QTest::newRow("spaces and case") << u"  False Positive "_s << u"false_positive"_s;
        QTest::newRow("already correct") << u"already correct"_s << u"already_correct"_s;
        QTest::newRow("wrong suggestion") << u"Wrong_Suggestion"_s << u"wrong_suggestion"_s;
        QTest::newRow("out of scope") << u"OUT OF SCOPE"_s << u"out_of_scope"_s;
        QTest::newRow("unknown") << u"meh"_s << u"false_positive"_s;
        QTest::newRow("empty") << u""_s << u"false_positive"_s;
    }

    void normalizeReason()
    {
        QFETCH(QString, reason);
        QFETCH(QString, expected);
        QCOMPARE(Address::normalizeReason(reason), expected);
    }
};

QTEST_APPLESS_MAIN(tst_Triage)
#include "tst_triage.moc"
