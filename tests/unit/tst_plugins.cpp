// SPDX-License-Identifier: MIT
// Plugin discovery and loading: the real plugins, and one purpose-built broken plugin for each
// way loading can fail. Every failure is an error naming the file and the reason, never a crash.
#include <peal/sdk/agent.h>
#include <peal/sdk/phase.h>
#include <peal/pluginmanager.h>

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

namespace {

const QString testPlugins = QStringLiteral(PEAL_TEST_PLUGIN_DIR);
const QString realPlugins = QStringLiteral(PEAL_PLUGIN_DIR);

// Copies plugin `id` (manifest and library) from the test plugin directory into `dir`.
bool copyPlugin(const QString &id, const QString &dir)
{
    return QFile::copy(testPlugins + u'/' + id + u".plugin.json"_s, dir + u'/' + id + u".plugin.json"_s)
           && QFile::copy(testPlugins + u"/peal-"_s + id + u".so"_s, dir + u"/peal-"_s + id + u".so"_s);
}

QByteArray manifest(const QString &id, const QString &extra = {})
{
    return (u"{\"id\":\""_s + id + u"\",\"version\":\"1.0\",\"abi\":"_s + QString::number(PEAL_PLUGIN_ABI) + u",\"role\":\"phase\","
            "\"description\":\"d\",\"library\":\"peal-"_s + id + u".so\""_s + extra + u'}')
        .toUtf8();
}

} // namespace

class tst_Plugins : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void realCursorPluginLoads()
    {
        PluginManager manager;
        manager.discover({realPlugins});
        const PluginSpec *spec = manager.find(u"cursor"_s);
        QVERIFY(spec);
        QCOMPARE(spec->manifest.role, PluginRole::Agent);
        QCOMPARE(spec->manifest.abi, PEAL_PLUGIN_ABI);
        auto plugin = manager.load(u"cursor"_s, PluginRole::Agent);
        QVERIFY2(plugin, qPrintable(plugin ? QString() : plugin.error().message()));
        QCOMPARE((*plugin)->role(), PluginRole::Agent);
        // Loading again returns the same object.
        auto again = manager.load(u"cursor"_s, PluginRole::Agent);
        QVERIFY(again);
        QCOMPARE(again->get(), plugin->get());
    }

    void objectOutlivesManager()
    {
        // An object handed out keeps its library mapped after the manager is gone.
        std::shared_ptr<AgentPlugin> agent;
        {
            PluginManager manager;
            manager.discover({realPlugins});
            auto plugin = manager.load(u"cursor"_s, PluginRole::Agent);
            QVERIFY(plugin);
            agent = pluginCast<AgentPlugin>(*plugin);
        }
        AgentSettings settings;
        settings.workspace = u"/r"_s;
        settings.sandbox = u"disabled"_s;
        const ProcessSpec spec = agent->command(AgentMode::Plan, u"p"_s, settings);
        QCOMPARE(spec.arguments.last(), u"p"_s);
    }

    void goodTestPluginRuns()
    {
        PluginManager manager;
        manager.discover({testPlugins});
        auto plugin = manager.load(u"good"_s, PluginRole::Phase);
        QVERIFY2(plugin, qPrintable(plugin ? QString() : plugin.error().message()));
        auto phase = pluginCast<PhasePlugin>(*plugin);
        QVERIFY(phase->createRun());
    }

    // Packages strip their libraries (.symtab goes, .dynsym stays): the factory check must
    // still find the factory before loading, and still reject a library without one.
    void strippedPluginsAreCheckedByTheirDynamicSymbols()
    {
        QTemporaryDir dir;
        QVERIFY(copyPlugin(u"good"_s, dir.path()));
        QVERIFY(copyPlugin(u"noalias"_s, dir.path()));
        for (const QString &id : {u"good"_s, u"noalias"_s}) {
            const auto strip = PealTest::run(u"strip"_s, {u"--strip-all"_s, dir.filePath(u"peal-"_s + id + u".so"_s)});
            QVERIFY2(strip.exitCode == 0, PealTest::tail(strip.err).constData());
        }
        const auto symtab = PealTest::run(u"readelf"_s, {u"-S"_s, dir.filePath(u"peal-good.so"_s)});
        QVERIFY(!symtab.out.contains(u".symtab"));
        PluginManager manager;
        manager.discover({dir.path()});
        auto good = manager.load(u"good"_s, PluginRole::Phase);
        QVERIFY2(good, qPrintable(good ? QString() : good.error().message()));
        auto noalias = manager.load(u"noalias"_s, PluginRole::Phase);
        QVERIFY(!noalias);
        QVERIFY2(noalias.error().message().contains(u"does not export the plugin factory 'peal_plugin_factory'"),
                 qPrintable(noalias.error().message()));
    }

    void brokenPluginsGiveClearErrors_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("reason");
        QTest::newRow("constructor throws") << u"throwing"_s << u"the plugin factory failed: constructor exploded"_s;
        QTest::newRow("factory throws") << u"rawthrow"_s << u"the plugin factory threw: factory exploded"_s;
        QTest::newRow("factory returns null") << u"nullfactory"_s << u"the plugin factory returned no object"_s;
        QTest::newRow("missing symbol") << u"missingsymbol"_s << u"peal_test_symbol_nobody_defines"_s;
        QTest::newRow("no factory alias") << u"noalias"_s << u"does not export the plugin factory 'peal_plugin_factory'"_s;
        QTest::newRow("library ABI differs") << u"innerabi"_s << u"library was built for plugin ABI 999"_s;
        QTest::newRow("object role differs") << u"wrongrole"_s << u"object has role 'agent' but its manifest says 'phase'"_s;
        QTest::newRow("manifest ABI differs") << u"oldabi"_s << u"built for plugin ABI 0, but this peal loads ABI"_s;
    }
    void brokenPluginsGiveClearErrors()
    {
        QFETCH(QString, id);
        QFETCH(QString, reason);
        PluginManager manager;
        manager.discover({testPlugins});
        auto plugin = manager.load(id, PluginRole::Phase);
        QVERIFY(!plugin);
        const QString message = plugin.error().message();
        QCOMPARE(plugin.error().kind(), Error::Kind::Plugin);
        QVERIFY2(message.contains(reason), qPrintable(message));
        QVERIFY2(message.contains(testPlugins), qPrintable(message)); // names the file
        QVERIFY2(message.startsWith(u"plugin '"_s + id + u"' cannot be loaded: "_s), qPrintable(message));
    }

    void loadAllRecordsEveryFailureOnTheSpecs()
    {
        PluginManager manager;
        manager.discover({testPlugins});
        manager.loadAll();
        int loaded = 0;
        int rejected = 0;
        for (const PluginSpec &spec : manager.specs()) {
            if (spec.status == PluginSpec::Status::Loaded)
                ++loaded;
            if (spec.status == PluginSpec::Status::Rejected) {
                ++rejected;
                QVERIFY(!spec.error.isEmpty());
            }
        }
        QCOMPARE(loaded, 3);   // good, otheragent, misbehave (it loads; it breaks only when run)
        QCOMPARE(rejected, 8); // the rest
    }

    void badManifests_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("reason");
        QTest::newRow("not json") << QByteArray("{nope") << u"manifest is not valid JSON"_s;
        QTest::newRow("array") << QByteArray("[]") << u"manifest is not a JSON object"_s;
        QTest::newRow("no id") << QByteArray(R"({"version":"1","abi":1,"role":"phase","description":"d"})")
                               << u"manifest field 'id' must be a non-empty string"_s;
        QTest::newRow("bad id") << manifest(u"Bad Id"_s) << u"must use lowercase letters"_s;
        QTest::newRow("bad role") << QByteArray(R"({"id":"x","version":"1","abi":1,"role":"judge","description":"d"})")
                                  << u"manifest role 'judge' is not one of agent, reviewer, phase"_s;
        QTest::newRow("abi string") << QByteArray(R"({"id":"x","version":"1","abi":"1","role":"phase","description":"d"})")
                                    << u"manifest field 'abi' must be an integer"_s;
        QTest::newRow("library path") << manifest(u"x"_s).replace("peal-x.so", "../evil.so")
                                      << u"must be a file name beside the manifest"_s;
    }
    void badManifests()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, reason);
        QTemporaryDir dir;
        const QString path = dir.filePath(u"x.plugin.json"_s);
        QVERIFY(PealTest::writeFile(path, json));
        PluginManager manager;
        manager.discover({dir.path()});
        QCOMPARE(manager.specs().size(), 1);
        const PluginSpec &spec = manager.specs().first();
        QCOMPARE(spec.status, PluginSpec::Status::Rejected);
        QVERIFY2(spec.error.startsWith(path + u": "_s), qPrintable(spec.error));
        QVERIFY2(spec.error.contains(reason), qPrintable(spec.error));
    }

    void missingLibraryFile()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::writeFile(dir.filePath(u"ghost.plugin.json"_s), manifest(u"ghost"_s)));
        PluginManager manager;
        manager.discover({dir.path()});
        auto plugin = manager.load(u"ghost"_s, PluginRole::Phase);
        QVERIFY(!plugin);
        QVERIFY2(plugin.error().message().contains(u"peal-ghost.so: library file not found"_s),
                 qPrintable(plugin.error().message()));
    }

    void corruptLibraryFile()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::writeFile(dir.filePath(u"junk.plugin.json"_s), manifest(u"junk"_s)));
        QVERIFY(PealTest::writeFile(dir.filePath(u"peal-junk.so"_s), QByteArray("\x7f" "ELF garbage, not a library")));
        PluginManager manager;
        manager.discover({dir.path()});
        auto plugin = manager.load(u"junk"_s, PluginRole::Phase);
        QVERIFY(!plugin);
        QVERIFY2(plugin.error().message().contains(dir.filePath(u"peal-junk.so"_s)),
                 qPrintable(plugin.error().message()));
        // Also a text file with a .so name.
        QVERIFY(PealTest::writeFile(dir.filePath(u"peal-junk.so"_s), QByteArray("hello")));
        PluginManager again;
        again.discover({dir.path()});
        QVERIFY(!again.load(u"junk"_s, PluginRole::Phase));
    }

    void wrongRoleRequested()
    {
        PluginManager manager;
        manager.discover({testPlugins});
        auto plugin = manager.load(u"good"_s, PluginRole::Agent);
        QVERIFY(!plugin);
        QVERIFY2(plugin.error().message().contains(u"is a phase plugin, but the role 'agent' is needed"_s),
                 qPrintable(plugin.error().message()));
    }

    void notFoundListsSearchPath()
    {
        QTemporaryDir dir;
        PluginManager manager;
        manager.discover({dir.path(), u"/no/such/dir"_s});
        auto plugin = manager.load(u"cursor"_s, PluginRole::Agent);
        QVERIFY(!plugin);
        QCOMPARE(plugin.error().message(),
                 u"plugin 'cursor' not found (searched: "_s + dir.path() + u", /no/such/dir)"_s);
    }

    void firstDirectoryWinsAndLaterOnesAreShadowed()
    {
        QTemporaryDir first;
        QTemporaryDir second;
        QVERIFY(copyPlugin(u"good"_s, first.path()));
        QVERIFY(copyPlugin(u"good"_s, second.path()));
        PluginManager manager;
        manager.discover({first.path(), second.path()});
        QCOMPARE(manager.specs().size(), 2);
        QCOMPARE(manager.specs()[1].status, PluginSpec::Status::Shadowed);
        QVERIFY(manager.specs()[1].error.contains(first.path()));
        QCOMPARE(manager.find(u"good"_s)->directory, first.path());
        QVERIFY(manager.load(u"good"_s, PluginRole::Phase));
    }

    void searchPathOrder()
    {
        qputenv("PEAL_PLUGIN_PATH", "/env/one:/env/two");
        const QStringList path = PluginManager::defaultSearchPath({u"/cli/dir"_s});
        qunsetenv("PEAL_PLUGIN_PATH");
        QVERIFY(path.size() >= 4);
        QCOMPARE(path[0], u"/cli/dir"_s);
        QCOMPARE(path[1], u"/env/one"_s);
        QCOMPARE(path[2], u"/env/two"_s);
        QVERIFY(path.last().endsWith(u"/lib/peal/plugins"));
    }

    void pluginsCommandReportsRejections()
    {
        const auto r = PealTest::runPeal({u"plugins"_s, u"--plugin-dir"_s, testPlugins});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.out.contains(u"cursor"));
        QVERIFY(r.out.contains(testPlugins));
        QVERIFY(r.out.contains(u"reason: "_s));
        QVERIFY(r.out.contains(u"constructor exploded"));
        const auto clean = PealTest::runPeal({u"plugins"_s});
        QCOMPARE(clean.exitCode, 0);
        QVERIFY(clean.out.contains(u"cursor"));
        QVERIFY(clean.out.contains(u"ok"));
    }
};

QTEST_GUILESS_MAIN(tst_Plugins)
#include "tst_plugins.moc"
