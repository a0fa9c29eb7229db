// SPDX-License-Identifier: MIT
// The documentation against the code: docs/configuration.md has one true row per key of the key
// table, and README.md and docs/ name no PEAL_* variable that peal does not read.
#include <peal/config.h>

#include "testsupport.h"

#include <QDir>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

namespace {

QString source(const QString &relative)
{
    return PealTest::sourceDir() + u'/' + relative;
}

// The cells of the "## Keys" table rows, by key: `key` | type | env | flag | default | meaning.
QHash<QString, QStringList> keyRows(const QString &markdown, QStringList *duplicates)
{
    QHash<QString, QStringList> rows;
    for (const QString &line : markdown.split(u'\n')) {
        if (!line.startsWith(u"| `"))
            continue;
        QStringList cells = line.split(u'|');
        if (cells.size() < 3)
            continue;
        cells = cells.mid(1, cells.size() - 2);
        for (QString &cell : cells)
            cell = cell.trimmed();
        const QString key = cells.first().mid(1, cells.first().size() - 2);
        if (rows.contains(key))
            duplicates->append(key);
        rows.insert(key, cells);
    }
    return rows;
}

QString flagCell(const ConfigKeyInfo &info)
{
    if (info.cliFlag.isEmpty())
        return u"\u2014"_s; // an em dash: no flag
    if (info.cliSwitch)
        return u'`' + info.cliFlag + u'`';
    return u"`%1 <%2>`"_s.arg(info.cliFlag, info.valueName);
}

// The macros of the plugin SDK (PEAL_REGISTER_PLUGIN, PEAL_PLUGIN_ABI, ...) are not variables.
QSet<QString> sdkMacros()
{
    QSet<QString> out;
    static const QRegularExpression define(u"#\\s*define\\s+(PEAL_[A-Z0-9_]+)"_s);
    QStringList files{source(u"core/version.h.in"_s)};
    for (const QString &dir : {u"core/include/peal"_s, u"core/sdk/include/peal/sdk"_s}) {
        const QDir include(source(dir));
        for (const QString &name : include.entryList({u"*.h"_s}, QDir::Files))
            files.append(include.filePath(name));
    }
    for (const QString &file : files) {
        const QString text = QString::fromUtf8(PealTest::readFile(file));
        for (auto it = define.globalMatch(text); it.hasNext();)
            out.insert(it.next().captured(1));
    }
    // The build's options (-DPEAL_FUZZ=ON) are real names too.
    static const QRegularExpression option(u"option\\((PEAL_[A-Z0-9_]+)"_s);
    const QString cmake = QString::fromUtf8(PealTest::readFile(source(u"CMakeLists.txt"_s)));
    for (auto it = option.globalMatch(cmake); it.hasNext();)
        out.insert(it.next().captured(1));
    return out;
}

} // namespace

class tst_Docs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyKeyHasATrueRow()
    {
        const QString markdown = QString::fromUtf8(PealTest::readFile(source(u"docs/configuration.md"_s)));
        QVERIFY(!markdown.isEmpty());
        QStringList duplicates;
        const QHash<QString, QStringList> rows = keyRows(markdown, &duplicates);
        QCOMPARE(duplicates, QStringList());
        QSet<QString> known;
        for (const ConfigKeyInfo &info : ConfigLoader::keys()) {
            known.insert(info.key);
            QVERIFY2(rows.contains(info.key), qPrintable(u"no row for "_s + info.key));
            const QStringList &cells = rows.value(info.key);
            QCOMPARE(cells.size(), 6);
            QCOMPARE(cells.at(2), u'`' + info.envVar + u'`');
            QCOMPARE(cells.at(3), flagCell(info));
            QCOMPARE(cells.at(4), u'`' + info.defaultText + u'`');
        }
        for (auto it = rows.cbegin(); it != rows.cend(); ++it)
            QVERIFY2(known.contains(it.key()), qPrintable(u"row for an unknown key: "_s + it.key()));
    }

    void onlyRealVariablesAreMentioned()
    {
        QSet<QString> allowed{u"PEAL_LOG"_s, u"PEAL_PLUGIN_PATH"_s};
        for (const ConfigKeyInfo &info : ConfigLoader::keys())
            allowed.insert(info.envVar);
        allowed += sdkMacros();
        // The test fakes' knobs are real where the fakes read them.
        const QString fakes = QString::fromUtf8(PealTest::readFile(source(u"cli/demoagent/demoagent.cpp"_s))
                                                + PealTest::readFile(source(u"cli/demostet/demostet.cpp"_s)));
        QVERIFY(!fakes.isEmpty());
        // So is the one that records the SDK's layout (docs/plugins.md), where the test reads it.
        const QString recorder = QString::fromUtf8(PealTest::readFile(source(u"tests/unit/tst_sdkabi.cpp"_s)));
        QVERIFY(recorder.contains(u"\"PEAL_RECORD_SDK_ABI\""_s));
        allowed.insert(u"PEAL_RECORD_SDK_ABI"_s);
        // And the one that keeps the browser test's screenshots (docs/dashboard.md).
        const QString browserTest = QString::fromUtf8(PealTest::readFile(source(u"tests/e2e/tst_dashboardbrowser.cpp"_s)));
        QVERIFY(browserTest.contains(u"\"PEAL_SCREENSHOT_DIR\""_s));
        allowed.insert(u"PEAL_SCREENSHOT_DIR"_s);
        // So are the variables peal sets for the commands it runs (notify_commands).
        const QString givenToCommands = QString::fromUtf8(PealTest::readFile(source(u"core/engine/unattended/notifier.cpp"_s)));
        QVERIFY(givenToCommands.contains(u"PEAL_NOTIFY_EVENT"_s));
        // A name followed by `*` is a family (`PEAL_*`, `PEAL_FAKE_STET_*`).
        const QSet<QString> families{u"PEAL_"_s, u"PEAL_FAKE_"_s, u"PEAL_FAKE_AGENT_"_s, u"PEAL_FAKE_STET_"_s};

        QStringList files{source(u"README.md"_s)};
        const QDir docs(source(u"docs"_s));
        for (const QString &name : docs.entryList({u"*.md"_s}, QDir::Files))
            files.append(docs.filePath(name));
        QCOMPARE(files.size() > 2, true);
        static const QRegularExpression variable(u"PEAL_[A-Z0-9_]*"_s);
        QStringList unknown;
        int mentions = 0;
        for (const QString &file : files) {
            const QString text = QString::fromUtf8(PealTest::readFile(file));
            QVERIFY2(!text.isEmpty(), qPrintable(file));
            for (auto it = variable.globalMatch(text); it.hasNext();) {
                const QRegularExpressionMatch m = it.next();
                const QString name = m.captured();
                ++mentions;
                const bool family = text.mid(m.capturedEnd(), 1) == u"*";
                const bool ok = family ? families.contains(name)
                                       : allowed.contains(name)
                                             || (name.startsWith(u"PEAL_FAKE_") && fakes.contains(u'"' + name))
                                             || givenToCommands.contains(u'"' + name + u'"');
                if (!ok)
                    unknown.append(QDir(PealTest::sourceDir()).relativeFilePath(file) + u": "_s + name
                                   + (family ? u"*"_s : QString()));
            }
        }
        QVERIFY(mentions > ConfigLoader::keys().size());
        QCOMPARE(unknown, QStringList());
    }
};

QTEST_GUILESS_MAIN(tst_Docs)
#include "tst_docs.moc"
