// SPDX-License-Identifier: MIT
// Log filters and the log file (reference §13.4 and spec §11).
#include <peal/log.h>

#include "testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

class tst_Logger : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultFilterIsInfo()
    {
        const LogFilter f = LogFilter::effective(std::nullopt, std::nullopt);
        QVERIFY(f.toString().contains(u"info"));
        QVERIFY(f.enabled(u"peal::runner", LogLevel::Info));
        QVERIFY(!f.enabled(u"peal::runner", LogLevel::Debug));
    }

    void explicitLevel()
    {
        const LogFilter f = LogFilter::effective(std::nullopt, u"debug"_s);
        QVERIFY(f.toString().contains(u"debug"));
        QVERIFY(f.enabled(u"peal::phase", LogLevel::Debug));
        QVERIFY(!f.enabled(u"peal::phase", LogLevel::Trace));
    }

    void directiveSyntax()
    {
        const LogFilter f = LogFilter::effective(std::nullopt, u"peal=trace,warn"_s);
        QVERIFY(f.toString().contains(u"peal=trace"));
        QVERIFY(f.enabled(u"peal::exec", LogLevel::Trace));
        QVERIFY(f.enabled(u"other", LogLevel::Warn));
        QVERIFY(!f.enabled(u"other", LogLevel::Info));
        QVERIFY(!f.enabled(u"pealish", LogLevel::Info));
    }

    void mostSpecificTargetWins()
    {
        const LogFilter f = LogFilter::parse(u"peal=warn,peal::exec=trace");
        QVERIFY(f.enabled(u"peal::exec", LogLevel::Trace));
        QVERIFY(!f.enabled(u"peal::runner", LogLevel::Info));
        QVERIFY(!LogFilter::parse(u"off").enabled(u"peal", LogLevel::Error));
    }

    void pealLogOverridesAndInvalidIsIgnored()
    {
        QVERIFY(LogFilter::effective(u"trace"_s, u"warn"_s).enabled(u"peal", LogLevel::Trace));
        // An invalid PEAL_LOG is ignored as a whole.
        const LogFilter f = LogFilter::effective(u"peal=loud"_s, u"warn"_s);
        QVERIFY(!f.enabled(u"peal", LogLevel::Info));
        QVERIFY(f.enabled(u"peal", LogLevel::Warn));
        // Invalid items of log_level are dropped one by one.
        bool valid = true;
        const LogFilter g = LogFilter::parse(u"peal=loud,debug", &valid);
        QVERIFY(!valid);
        QVERIFY(g.enabled(u"peal", LogLevel::Debug));
    }

    void openFileCreatesParentDirsAndAppends()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"a/b/c/peal.log"_s);
        {
            Logger logger;
            logger.setStderrEnabled(false);
            QVERIFY(logger.openFile(path));
            logger.info(u"peal::test", u"first"_s, {{u"n"_s, 1}});
        }
        {
            Logger logger;
            logger.setStderrEnabled(false);
            QVERIFY(logger.openFile(path));
            logger.trace(u"peal::test", u"second"_s, {{u"list"_s, QStringList{u"x"_s}}});
        }
        const QList<QByteArray> lines = PealTest::readFile(path).trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        const QJsonObject first = QJsonDocument::fromJson(lines[0]).object();
        QCOMPARE(first.value(u"level").toString(), u"INFO"_s);
        QCOMPARE(first.value(u"fields").toObject().value(u"message").toString(), u"first"_s);
        QCOMPARE(first.value(u"fields").toObject().value(u"n").toInt(), 1);
        QVERIFY(first.value(u"timestamp").toString().endsWith(u"+00:00"));
        // The file has no level filter: trace arrives too.
        QCOMPARE(QJsonDocument::fromJson(lines[1]).object().value(u"level").toString(), u"TRACE"_s);
    }

    void openFileFailureNamesThePath()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::writeFile(dir.filePath(u"blocker"_s), "x"));
        Logger logger;
        auto opened = logger.openFile(dir.filePath(u"blocker/peal.log"_s));
        QVERIFY(!opened);
        QVERIFY(opened.error().message().contains(dir.filePath(u"blocker"_s)));
    }

    void validateAcceptsOnlyLevelsAndModules_data()
    {
        QTest::addColumn<QString>("directives");
        QTest::addColumn<QString>("error");
        QTest::newRow("level") << u"debug"_s << QString();
        QTest::newRow("upper case level") << u"WARN"_s << QString();
        QTest::newRow("modules") << u"info,peal::exec=trace,peal=warn"_s << QString();
        QTest::newRow("bare module") << u"peal::stet"_s << QString();
        QTest::newRow("off") << u"off"_s << QString();
        QTest::newRow("typo") << u"verbose"_s << u"invalid log filter 'verbose': not a level or a module"_s;
        QTest::newRow("unknown module") << u"info,peal::nope=debug"_s
                                        << u"invalid log filter 'peal::nope=debug': 'peal::nope' is not a module of peal"_s;
        QTest::newRow("bad level") << u"peal=loud"_s << u"invalid log filter 'peal=loud': 'loud' is not a level"_s;
        QTest::newRow("nothing") << u" , "_s << u"invalid log filter ' , ': it names no level"_s;
    }
    void validateAcceptsOnlyLevelsAndModules()
    {
        QFETCH(QString, directives);
        QFETCH(QString, error);
        const auto valid = LogFilter::validate(directives, u"--log-level"_s);
        if (error.isEmpty()) {
            QVERIFY2(valid, qPrintable(valid ? QString() : valid.error().toDisplayString()));
            return;
        }
        QVERIFY(!valid);
        QCOMPARE(valid.error().message(), error);
        QVERIFY(valid.error().hint().startsWith(u"set by --log-level; expected a level (error, warn, info, debug, "
                                                "trace, off) or <module>=<level> with a module of: peal, peal::main"_s));
    }
};

QTEST_GUILESS_MAIN(tst_Logger)
#include "tst_logger.moc"
