// SPDX-License-Identifier: MIT
// The Rust-compatible text helpers the reference semantics are written in.
#include <peal/textutil.h>

#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

class tst_TextUtil : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lines_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("lines");
        QTest::newRow("trailing newline") << u"a\n"_s << QStringList{u"a"_s};
        QTest::newRow("only newline") << u"\n"_s << QStringList{u""_s};
        QTest::newRow("empty") << QString() << QStringList();
        QTest::newRow("mixed") << u"a\nb\r\nc\r"_s << QStringList{u"a"_s, u"b"_s, u"c\r"_s};
        QTest::newRow("blank lines") << u"a\n\nb"_s << QStringList{u"a"_s, u""_s, u"b"_s};
    }
    void lines()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, lines);
        QCOMPARE(Text::lines(text), lines);
    }

    void whitespaceSplitting()
    {
        QCOMPARE(Text::splitWhitespace(u" a\tb\u00a0c\u2003d \n"),
                 (QStringList{u"a"_s, u"b"_s, u"c"_s, u"d"_s}));
        // ASCII splitting keeps NBSP inside a token (spec §6.2).
        QCOMPARE(Text::splitAsciiWhitespace(u" echo  a\u00a0b\t\x0c""c "),
                 (QStringList{u"echo"_s, u"a\u00a0b"_s, u"c"_s}));
        QCOMPARE(Text::splitAsciiWhitespace(u"   "), QStringList());
    }

    void utf8Lengths()
    {
        QCOMPARE(Text::utf8Length(u"abc"), 3);
        QCOMPARE(Text::utf8Length(u"\u00e9"), 2);
        QCOMPARE(Text::utf8Length(u"\u4e2d"), 3);
        QCOMPARE(Text::utf8Length(u"\U0001F600"), 4);
    }

    void truncateAtCharacterBoundary()
    {
        QCOMPARE(Text::truncateUtf8(u"abcdef", 3), u"abc"_s);
        QCOMPARE(Text::truncateUtf8(u"a\u00e9b", 2), u"a"_s);
        QCOMPARE(Text::truncateUtf8(u"a\u00e9b", 3), u"a\u00e9"_s);
        QCOMPARE(Text::truncateUtf8(u"\U0001F600x", 3), QString());
        QCOMPARE(Text::truncateUtf8(u"\U0001F600x", 4), u"\U0001F600"_s);
        QCOMPARE(Text::truncateUtf8(u"short", 100), u"short"_s);
    }

    void lossyDecoding()
    {
        const QString text = Text::fromUtf8Lossy(QByteArray("ok\xff\xfe!"));
        QVERIFY(text.startsWith(u"ok"));
        QVERIFY(text.endsWith(u"!"));
        QVERIFY(text.contains(QChar(QChar::ReplacementCharacter)));
    }

    void debugRendering()
    {
        QCOMPARE(Text::debugList({1, 2, 3}), u"[1, 2, 3]"_s);
        QCOMPARE(Text::debugList({}), u"[]"_s);
    }

    void clockTimeNamesTheDayOnlyWhenItIsNotToday_data()
    {
        QTest::addColumn<QDateTime>("now");
        QTest::addColumn<QDateTime>("when");
        QTest::addColumn<QString>("expected");
        const auto local = [](int day, int hour, int minute) {
            return QDateTime(QDate(2026, 12, day), QTime(hour, minute), Qt::LocalTime);
        };
        QTest::newRow("same day") << local(7, 10, 0) << local(7, 10, 30) << u"10:30:00"_s;
        // A wait of one hour started at 23:55 ends after midnight: the date is shown.
        QTest::newRow("after midnight") << local(7, 23, 55) << local(8, 0, 55) << u"2026-12-08 00:55:00"_s;
        QTest::newRow("a day earlier") << local(8, 0, 5) << local(7, 23, 59) << u"2026-12-07 23:59:00"_s;
    }

    void clockTimeNamesTheDayOnlyWhenItIsNotToday()
    {
        QFETCH(QDateTime, now);
        QFETCH(QDateTime, when);
        QFETCH(QString, expected);
        QCOMPARE(Text::clockTime(when, now), expected);
        // The same moments given in UTC read the same.
        QCOMPARE(Text::clockTime(when.toUTC(), now.toUTC()), expected);
    }
};

QTEST_APPLESS_MAIN(tst_TextUtil)
#include "tst_textutil.moc"
