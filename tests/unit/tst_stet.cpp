// SPDX-License-Identifier: MIT
// The stet reviewer plugin, loaded as a plugin (reference §13.12 stet): resolution, the findings
// decision and its helpers, the argv and policies of its sessions against scripted process
// results (no processes), the built-in and custom sessions run against the fake stet (real
// processes, real git repositories), and the fake stet's own contract (stet-contract.md).
#include <peal/exec.h>
#include <peal/pluginmanager.h>
#include <peal/sdk/reviewer.h>

#include "recipe/recipe.h"
#include "sessions.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace Peal;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(std::optional<int>)
Q_DECLARE_METATYPE(QList<Peal::ProcessResult>)

namespace {

QString demoStet()
{
    return QStringLiteral(PEAL_BUILD_DIR "/lib/peal/peal-demo-stet");
}

bool makeExecutable(const QString &path, bool executable = true)
{
    if (!PealTest::writeFile(path, "#!/bin/true\n"))
        return false;
    QFile::Permissions p = QFile::ReadOwner | QFile::WriteOwner;
    if (executable)
        p |= QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther;
    return QFile::setPermissions(path, p);
}

// Runs a session's steps as the core does, each recipe on a runner of its own.
class StepServices : public ReviewServices
{
public:
    void run(const Step &recipe, std::function<void(Result<void>)> done) override
    {
        m_runners.push_back(std::make_unique<Internal::RecipeRunner>());
        m_runners.back()->start(recipe, std::move(done));
    }

private:
    std::vector<std::unique_ptr<Internal::RecipeRunner>> m_runners;
};

// Runs a session's processes for real, on this test's event loop, and keeps its log lines.
class Services : public StepServices
{
public:
    QObject context;
    QStringList logLines;

    void runProcess(const ProcessSpec &spec, ProcessCallback done) override
    {
        Peal::runProcess(spec, &context, std::move(done));
    }
    void log(LogLevel, const QString &message, const LogFields &) override { logLines.append(message); }
};

ProcessResult exited(int code, const QString &out = {}, const QString &errText = {})
{
    ProcessResult r;
    r.ending = ProcessEnding::Exited;
    r.exitCode = code;
    r.stdoutText = out;
    r.stderrText = errText;
    return r;
}

ProcessResult ended(ProcessEnding ending, const QString &errText = {})
{
    ProcessResult r;
    r.ending = ending;
    r.stderrText = errText;
    if (ending == ProcessEnding::FailedToStart)
        r.errorString = u"No such file or directory"_s;
    return r;
}

/*
 * Runs nothing: records each process a session asks for and answers it, on the next turn of
 * the event loop like the real services, with the next scripted result (a clean JSON review
 * once the script is used up).
 */
class ScriptedServices : public StepServices
{
public:
    QObject context;
    QList<ProcessSpec> specs;
    QList<ProcessResult> replies;
    QStringList logLines;

    void runProcess(const ProcessSpec &spec, ProcessCallback done) override
    {
        specs.append(spec);
        const ProcessResult r = replies.isEmpty() ? exited(0, u"{\"findings\":[]}\n"_s) : replies.takeFirst();
        QTimer::singleShot(0, &context, [done, r] { done(r); });
    }
    void log(LogLevel, const QString &message, const LogFields &) override { logLines.append(message); }

    QList<QStringList> argvs() const
    {
        QList<QStringList> out;
        for (const ProcessSpec &s : specs)
            out.append(QStringList{s.program} + s.arguments);
        return out;
    }
};

// A git repository for the fake stet, its argv log, and blocking helpers over one session.
class StetRepo
{
public:
    StetRepo()
    {
        m_ok = m_dir.isValid() && PealTest::initGitRepo(repo());
        qputenv("PEAL_FAKE_STET_LOG", log().toUtf8());
    }
    ~StetRepo()
    {
        for (const char *name : {"PEAL_FAKE_STET_LOG", "PEAL_FAKE_STET_FAIL", "PEAL_FAKE_STET_HANG",
                                 "PEAL_FAKE_STET_HANG_AT", "PEAL_FAKE_STET_VANISH", "PEAL_FAKE_STET_MODE",
                                 "PEAL_FAKE_STET_SCRIPT", "PEAL_FAKE_STET_LLM_UNREACHABLE"})
            qunsetenv(name);
    }

    bool ok() const { return m_ok; }
    QString repo() const { return m_dir.path() + u"/repo"_s; }
    QString log() const { return m_dir.path() + u"/stet.log"_s; }
    QString path(const QString &name) const { return m_dir.path() + u'/' + name; }

    Stet::StetSettings settings(const QString &program = demoStet()) const
    {
        Stet::StetSettings s;
        s.program = program;
        s.repo = repo();
        s.timeout = std::chrono::milliseconds(20000);
        return s;
    }

    // The argv of every call, e.g. "start HEAD --allow-dirty".
    QStringList calls() const
    {
        QStringList out;
        for (const QByteArray &line : PealTest::readFile(log()).split('\n')) {
            if (line.isEmpty())
                continue;
            QStringList argv;
            for (const QJsonValue &v : QJsonDocument::fromJson(line).object().value(u"argv").toArray())
                argv.append(v.toString());
            out.append(argv.join(u' '));
        }
        return out;
    }
    // A copy of the fake that PEAL_FAKE_STET_VANISH may delete.
    QString copyOfFake() const
    {
        const QString copy = path(u"bin/stet"_s);
        QDir().mkpath(path(u"bin"_s));
        return QFile::copy(demoStet(), copy) ? copy : QString();
    }
    // Runs the fake directly in the repository.
    PealTest::RunResult fake(const QStringList &args, const QHash<QString, QString> &env = {}) const
    {
        return PealTest::run(demoStet(), args, repo(), env);
    }
    // Writes the script of PEAL_FAKE_STET_MODE=script (element i: what the i-th run prints).
    bool script(const QByteArray &json) const
    {
        qputenv("PEAL_FAKE_STET_MODE", "script");
        qputenv("PEAL_FAKE_STET_SCRIPT", path(u"script.json"_s).toUtf8());
        return PealTest::writeFile(path(u"script.json"_s), json);
    }
    QStringList cwds() const
    {
        QStringList out;
        for (const QByteArray &line : PealTest::readFile(log()).split('\n')) {
            if (!line.isEmpty())
                out.append(QDir(QJsonDocument::fromJson(line).object().value(u"cwd").toString()).canonicalPath());
        }
        return out;
    }

private:
    QTemporaryDir m_dir;
    bool m_ok = false;
};

template<typename T>
std::optional<Result<T>> wait(const std::function<void(std::function<void(Result<T>)>)> &call)
{
    std::optional<Result<T>> out;
    call([&out](Result<T> r) { out = std::move(r); });
    if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
        return std::nullopt;
    return out;
}

const QString kFindingsJson =
    QString::fromUtf8(R"({"findings":[{"id":"abc123","message":"unused variable","suggestion":"remove it"},{"id":"def456","message":"typo"}]})");

} // namespace

class tst_Stet : public QObject
{
    Q_OBJECT

    PluginManager m_manager;
    std::shared_ptr<ReviewerPlugin> m_stet;
    Services m_services;

    std::optional<Result<bool>> start(ReviewSession &session, ReviewServices *services = nullptr)
    {
        ReviewServices &sv = services ? *services : m_services;
        return wait<bool>([&](auto done) { session.start(sv, done); });
    }
    std::optional<Result<ReviewResult>> review(ReviewSession &session, ReviewServices *services = nullptr)
    {
        ReviewServices &sv = services ? *services : m_services;
        return wait<ReviewResult>([&](auto done) { session.review(sv, done); });
    }
    std::optional<Result<void>> finish(ReviewSession &session, ReviewServices *services = nullptr)
    {
        ReviewServices &sv = services ? *services : m_services;
        return wait<void>([&](auto done) { session.finish(sv, done); });
    }
    bool dismiss(ReviewSession &session, ReviewServices &services, const QString &id, const QString &reason)
    {
        bool dismissed = false;
        session.dismiss(services, id, reason, [&] { dismissed = true; });
        return QTest::qWaitFor([&] { return dismissed; }, 30000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_manager.discover({QStringLiteral(PEAL_PLUGIN_DIR)});
        auto plugin = m_manager.load(u"stet"_s, PluginRole::Reviewer);
        QVERIFY2(plugin, qPrintable(plugin ? QString() : plugin.error().message()));
        m_stet = pluginCast<ReviewerPlugin>(*plugin);
        QVERIFY(QFile::exists(demoStet()));
    }

    void init() { m_services.logLines.clear(); }

    // ---- resolution (9) ----

    void resolution()
    {
        QTemporaryDir dir;
        const QString bin = dir.path() + u"/bin"_s;
        QVERIFY(makeExecutable(bin + u"/stet"_s));
        QString warning;

        // Not on PATH, no PATH, empty PATH: unavailable without a warning.
        QCOMPARE(Stet::findStet(std::nullopt, dir.path() + u"/nowhere"_s, &warning), std::nullopt);
        QCOMPARE(Stet::findStet(std::nullopt, std::nullopt, &warning), std::nullopt);
        QCOMPARE(Stet::findStet(std::nullopt, u""_s, &warning), std::nullopt);
        QVERIFY(warning.isEmpty());

        // Found in a custom PATH, after a directory that does not have it.
        QCOMPARE(Stet::findStet(std::nullopt, dir.path() + u"/nowhere:"_s + bin, &warning), bin + u"/stet"_s);

        // A valid explicit path is used as is.
        QCOMPARE(Stet::findStet(bin + u"/stet"_s, std::nullopt, &warning), bin + u"/stet"_s);

        // An invalid explicit path disables stet with a warning: no fallback to PATH.
        QCOMPARE(Stet::findStet(u"/nonexistent/stet"_s, bin, &warning), std::nullopt);
        QVERIFY(warning.contains(u"not a valid executable"));
    }

    void resolutionSkipsNonExecutablesAndDirectories()
    {
        QTemporaryDir dir;
        const QString plain = dir.path() + u"/plain"_s;
        const QString asDir = dir.path() + u"/asdir"_s;
        const QString good = dir.path() + u"/good"_s;
        QVERIFY(makeExecutable(plain + u"/stet"_s, false));
        QVERIFY(QDir().mkpath(asDir + u"/stet"_s));
        QVERIFY(makeExecutable(good + u"/stet"_s));
        QString warning;
        QCOMPARE(Stet::findStet(std::nullopt, plain, &warning), std::nullopt);
        QCOMPARE(Stet::findStet(std::nullopt, asDir, &warning), std::nullopt);
        QCOMPARE(Stet::findStet(std::nullopt, plain + u':' + asDir + u':' + good, &warning), good + u"/stet"_s);
        QCOMPARE(Stet::findStet(plain + u"/stet"_s, good, &warning), std::nullopt);
        QVERIFY(!warning.isEmpty());
    }

    void theReferenceKeysConfigureThePlugin()
    {
        // The configuration hands the plugin the reference's stet keys in its table.
        QTemporaryDir dir;
        const QString bin = dir.path() + u"/bin"_s;
        QVERIFY(makeExecutable(bin + u"/stet"_s));
        PluginConfig c;
        c.id = u"stet"_s;
        c.repoPath = dir.path();
        c.phaseTimeout = std::chrono::seconds(30);
        c.pathVariable = bin;
        QVERIFY(m_stet->configure(c).ok());
        ReviewerReadiness ready = m_stet->readiness();
        QVERIFY(ready.ready);
        QCOMPARE(ready.program, bin + u"/stet"_s);
        QVERIFY(ready.warning.isEmpty());
        auto session = m_stet->createSession();
        QVERIFY(session);
        QCOMPARE(session->outline().perReview, bin + u"/stet run --output=json"_s);

        // Custom commands need no stet of their own.
        c.pathVariable = std::nullopt;
        c.options = QJsonObject{{u"stet_commands"_s, QJsonArray{u"true"_s}}};
        QVERIFY(m_stet->configure(c).ok());
        ready = m_stet->readiness();
        QVERIFY(ready.ready);
        QVERIFY(ready.program.isEmpty());
        session = m_stet->createSession();
        QVERIFY(session);
        QCOMPARE(session->reviewName(), u"custom stet command"_s);

        // A stet_path that is not executable: not ready, and no fallback to PATH.
        c.pathVariable = bin;
        c.options = QJsonObject{{u"stet_path"_s, u"/nonexistent/stet"_s}};
        QVERIFY(m_stet->configure(c).ok());
        ready = m_stet->readiness();
        QVERIFY(!ready.ready);
        QVERIFY2(ready.warning.contains(u"not a valid executable"_s), qPrintable(ready.warning));

        // A key it does not know, a value of the wrong kind: errors that name the key.
        c.options = QJsonObject{{u"stet_pth"_s, u"x"_s}};
        auto bad = m_stet->configure(c);
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message().contains(u"unknown key 'stet_pth'"_s), qPrintable(bad.error().message()));
        c.options = QJsonObject{{u"on_stet_fail"_s, u"sometimes"_s}};
        bad = m_stet->configure(c);
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message().contains(u"on_stet_fail"_s), qPrintable(bad.error().message()));
    }

    // ---- the findings decision (24 rows of spec §8.5) ----

    void detectFindings_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<std::optional<int>>("exitCode");
        QTest::addColumn<bool>("expected");
        const std::optional<int> ok = 0;
        QTest::newRow("object, non-empty findings") << QString::fromUtf8(R"({"findings":[{"id":"a"}]})") << ok << true;
        QTest::newRow("object, empty findings") << QString::fromUtf8(R"({"findings":[]})") << ok << false;
        QTest::newRow("count 3") << QString::fromUtf8(R"({"count":3})") << ok << true;
        QTest::newRow("count 0") << QString::fromUtf8(R"({"count":0})") << ok << false;
        QTest::newRow("top-level array with items") << QString::fromUtf8(R"([{"id":"a"},{"id":"b"}])") << ok << true;
        QTest::newRow("top-level empty array") << u"[]"_s << ok << false;
        QTest::newRow("non-JSON, exit 1") << u"something broke"_s << std::optional<int>(1) << true;
        QTest::newRow("non-JSON, exit 0, text") << u"Found 2 issues\n"_s << ok << true;
        QTest::newRow("non-JSON, exit 0, empty") << u""_s << ok << false;
        QTest::newRow("non-JSON, exit 0, whitespace") << u"  \n\t\n"_s << ok << false;
        QTest::newRow("empty, killed (None)") << u""_s << std::optional<int>() << true;
        QTest::newRow("object with extra fields") << QString::fromUtf8(R"({"findings":[{"id":"x"}],"version":2})") << ok << true;
        QTest::newRow("object without findings or count") << QString::fromUtf8(R"({"status":"ok"})") << std::optional<int>(1) << false;
        QTest::newRow("findings beat count") << QString::fromUtf8(R"({"findings":[{"id":"a"}],"count":0})") << ok << true;
        QTest::newRow("scalar true") << u"true"_s << ok << false;
        QTest::newRow("human, 0 finding(s).") << u"0 finding(s).\n"_s << ok << false;
        QTest::newRow("human, 0 finding(s)") << u"0 finding(s)"_s << ok << false;
        QTest::newRow("human, tokens/sec") << u"0 finding(s) at 12.3 tokens/sec.\n"_s << ok << false;
        QTest::newRow("human, 1 finding.") << u"1 finding.\n"_s << ok << true;
        QTest::newRow("human, last line zero") << u"some header\n0 finding(s)."_s << ok << false;
        QTest::newRow("stet, no findings exact") << u"{\"findings\":[]}\n"_s << ok << false;
        QTest::newRow("stet, with findings exact") << kFindingsJson + u'\n' << ok << true;
        QTest::newRow("issues non-empty") << QString::fromUtf8(R"({"issues":[{"id":"i"}]})") << ok << true;
        QTest::newRow("issues empty") << QString::fromUtf8(R"({"issues":[]})") << ok << false;
        // Beyond the reference table: what the rules imply.
        QTest::newRow("count negative") << QString::fromUtf8(R"({"count":-1})") << ok << false;
        QTest::newRow("count float") << QString::fromUtf8(R"({"count":1.5})") << ok << false;
        QTest::newRow("count string") << QString::fromUtf8(R"({"count":"3"})") << ok << false;
        QTest::newRow("findings not an array, issues is") << QString::fromUtf8(R"({"findings":{},"issues":[1]})") << ok << true;
        QTest::newRow("NDJSON is not JSON") << u"{\"type\":\"done\"}\n{\"type\":\"done\"}\n"_s << ok << true;
        QTest::newRow("trailing garbage, exit 1") << u"{\"findings\":[]} x"_s << std::optional<int>(1) << true;
        QTest::newRow("0 finding(s) but exit 1") << u"0 finding(s)."_s << std::optional<int>(1) << true;
        QTest::newRow("JSON empty findings, exit 1") << u"{\"findings\":[]}"_s << std::optional<int>(1) << false;
    }

    void detectFindings()
    {
        QFETCH(QString, output);
        QFETCH(std::optional<int>, exitCode);
        QFETCH(bool, expected);
        QCOMPARE(m_stet->detectFindings(exitCode, output), expected);
    }

    // ---- parse_findings (8) ----

    void parseFindings()
    {
        auto f = m_stet->parseFindings(kFindingsJson);
        QVERIFY(f);
        QCOMPARE(f->size(), 2);
        QCOMPARE(f->at(0).id, u"abc123"_s);
        QCOMPARE(f->at(0).message, u"unused variable"_s);
        QCOMPARE(f->at(0).suggestion, std::optional<QString>(u"remove it"_s));
        QCOMPARE(f->at(0).path, std::nullopt);
        QCOMPARE(f->at(1).suggestion, std::nullopt);

        // Top-level array; a missing message is "".
        f = m_stet->parseFindings(QString::fromUtf8(R"([{"id":"x1"}])"));
        QVERIFY(f);
        QCOMPARE(f->size(), 1);
        QCOMPARE(f->at(0).message, QString());

        f = m_stet->parseFindings(u"[]"_s);
        QVERIFY(f);
        QVERIFY(f->isEmpty());

        QCOMPARE(m_stet->parseFindings(u"not json"_s), std::nullopt);
        // Malformed: an element without a string id makes the whole result none.
        QCOMPARE(m_stet->parseFindings(QString::fromUtf8(R"({"findings":[{"id":"a"},{"message":"no id"}]})")), std::nullopt);
        QCOMPARE(m_stet->parseFindings(QString::fromUtf8(R"({"findings":[{"id":7}]})")), std::nullopt);
        QCOMPARE(m_stet->parseFindings(QString::fromUtf8(R"({"findings":["a"]})")), std::nullopt);
        QCOMPARE(m_stet->parseFindings(QString::fromUtf8(R"({"status":"ok"})")), std::nullopt);

        // "path" wins over "file"; either must be a string.
        f = m_stet->parseFindings(QString::fromUtf8(R"({"findings":[{"id":"p","path":"src/a.rs","file":"other"}]})"));
        QCOMPARE(f->at(0).path, std::optional<QString>(u"src/a.rs"_s));
        f = m_stet->parseFindings(QString::fromUtf8(R"({"findings":[{"id":"p","path":3,"file":"other"}]})"));
        QCOMPARE(f->at(0).path, std::nullopt);

        // A finding as stet prints it: "file" is the path.
        f = m_stet->parseFindings(
            u"{\"findings\":[{\"id\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\","
            "\"file\":\"main.go\",\"line\":12,\"range\":{\"start\":12,\"end\":14},\"severity\":\"warning\","
            "\"category\":\"correctness\",\"confidence\":0.8,\"message\":\"nil check\",\"suggestion\":\"check err\","
            "\"cursor_uri\":\"file:///r/main.go\\u0023L12\",\"evidence_lines\":[12]}]}"_s);
        QVERIFY(f);
        QCOMPARE(f->at(0).path, std::optional<QString>(u"main.go"_s));
        QCOMPARE(f->at(0).message, u"nil check"_s);

        // "issues" arrays have the same shape.
        f = m_stet->parseFindings(QString::fromUtf8(R"({"issues":[{"id":"i1","message":"m","file":"f.c"}]})"));
        QVERIFY(f);
        QCOMPARE(f->at(0).id, u"i1"_s);
        QCOMPARE(f->at(0).path, std::optional<QString>(u"f.c"_s));
    }

    // ---- extract_suggestions (10) ----

    void extractSuggestions_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<std::optional<QString>>("expected");
        const std::optional<QString> none;
        QTest::newRow("object") << kFindingsJson << std::optional<QString>(u"remove it"_s);
        QTest::newRow("top-level array, joined by newline")
            << QString::fromUtf8(R"([{"id":"a","suggestion":"one"},{"id":"b","suggestion":"two"}])")
            << std::optional<QString>(u"one\ntwo"_s);
        QTest::newRow("no suggestion field") << QString::fromUtf8(R"({"findings":[{"id":"a","message":"m"}]})") << none;
        QTest::newRow("non-JSON") << u"1 finding."_s << none;
        QTest::newRow("mixed") << QString::fromUtf8(R"({"findings":[{"id":"a"},{"id":"b","suggestion":"fix b"},{"id":"c","suggestion":7}]})")
                               << std::optional<QString>(u"fix b"_s);
        QTest::newRow("empty findings array") << QString::fromUtf8(R"({"findings":[]})") << none;
        QTest::newRow("empty top-level array") << u"[]"_s << none;
        QTest::newRow("scalar true") << u"true"_s << none;
        QTest::newRow("scalar 42") << u"42"_s << none;
        QTest::newRow("stet-shaped") << QString::fromUtf8(R"({"findings":[{"id":"f","file":"a.go","line":3,"severity":"info","category":"maintainability","confidence":1,"message":"m","suggestion":"use x"}]})")
                                     << std::optional<QString>(u"use x"_s);
        QTest::newRow("issues array") << QString::fromUtf8(R"({"issues":[{"id":"i","suggestion":"from issues"}]})")
                                      << std::optional<QString>(u"from issues"_s);
    }

    void extractSuggestions()
    {
        QFETCH(QString, output);
        QFETCH(std::optional<QString>, expected);
        QCOMPARE(m_stet->extractSuggestions(output), expected);
    }

    // ---- count_findings (6) ----

    void countFindings_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<int>("expected");
        QTest::newRow("object with findings") << kFindingsJson << 2;
        QTest::newRow("top-level array") << u"[{\"id\":1},{\"id\":2},{\"id\":3}]"_s << 3;
        QTest::newRow("non-JSON") << u"3 findings, trust me"_s << 1;
        QTest::newRow("empty array") << u"[]"_s << 0;
        QTest::newRow("issues") << QString::fromUtf8(R"({"issues":[{"id":"a"},{"id":"b"}]})") << 2;
        QTest::newRow("stet-shaped") << QString::fromUtf8(R"({"findings":[{"id":"f","file":"a.go","confidence":1,"message":"m"}]})") << 1;
    }

    void countFindings()
    {
        QFETCH(QString, output);
        QFETCH(int, expected);
        QCOMPARE(m_stet->countFindings(output), expected);
    }

    // ---- argv of the built-in sequence, without processes (spec §8.2, §8.3) ----

    void builtInArgv_data()
    {
        QTest::addColumn<QString>("ref"); // null: no stet_start_ref
        QTest::addColumn<QStringList>("startExtra");
        QTest::addColumn<QStringList>("runExtra");
        QTest::addColumn<QStringList>("startArgv");
        QTest::addColumn<QStringList>("runArgv");
        const QStringList start{u"start"_s};
        const QStringList run{u"run"_s, u"--output=json"_s};
        QTest::newRow("defaults") << QString() << QStringList() << QStringList() << start << run;
        QTest::newRow("ref only") << u"HEAD~1"_s << QStringList() << QStringList() << start + QStringList{u"HEAD~1"_s}
                                  << run;
        QTest::newRow("ref before the extra args")
            << u"main"_s << QStringList{u"--allow-dirty"_s, u"--context"_s, u"256k"_s} << QStringList()
            << start + QStringList{u"main"_s, u"--allow-dirty"_s, u"--context"_s, u"256k"_s} << run;
        QTest::newRow("extra args without a ref") << QString() << QStringList{u"--dry-run"_s} << QStringList()
                                                  << start + QStringList{u"--dry-run"_s} << run;
        QTest::newRow("run args after --output=json")
            << QString() << QStringList() << QStringList{u"--verify"_s, u"--strictness"_s, u"strict"_s} << start
            << run + QStringList{u"--verify"_s, u"--strictness"_s, u"strict"_s};
        QTest::newRow("run args are passed as they are")
            << QString() << QStringList() << QStringList{u"--output=human"_s} << start
            << run + QStringList{u"--output=human"_s};
        QTest::newRow("start args do not reach run") << u"HEAD"_s << QStringList{u"--allow-dirty"_s}
                                                     << QStringList{u"--dry-run"_s}
                                                     << start + QStringList{u"HEAD"_s, u"--allow-dirty"_s}
                                                     << run + QStringList{u"--dry-run"_s};
    }

    void builtInArgv()
    {
        QFETCH(QString, ref);
        QFETCH(QStringList, startExtra);
        QFETCH(QStringList, runExtra);
        QFETCH(QStringList, startArgv);
        QFETCH(QStringList, runArgv);
        Stet::StetSettings s;
        s.program = u"/opt/stet/bin/stet"_s;
        s.repo = u"/work/repo"_s;
        s.timeout = std::chrono::milliseconds(123000);
        if (!ref.isNull())
            s.startRef = ref;
        s.startExtraArgs = startExtra;
        s.runExtraArgs = runExtra;
        ScriptedServices services;
        auto session = Stet::createSession(s);
        QVERIFY(!session->needsFinish()); // nothing to finish before a start
        auto started = start(*session, &services);
        QVERIFY(started && *started && **started);
        QVERIFY(session->needsFinish());
        auto reviewed = review(*session, &services);
        QVERIFY(reviewed && *reviewed && !(*reviewed)->hasFindings);
        QVERIFY(dismiss(*session, services, u"abcd1234"_s, u"out_of_scope"_s));
        auto finished = finish(*session, &services);
        QVERIFY(finished && *finished);
        QCOMPARE(services.specs.size(), 4);
        QCOMPARE(services.specs[0].arguments, startArgv);
        QCOMPARE(services.specs[1].arguments, runArgv);
        QCOMPARE(services.specs[2].arguments, (QStringList{u"dismiss"_s, u"abcd1234"_s, u"out_of_scope"_s}));
        QCOMPARE(services.specs[3].arguments, QStringList{u"finish"_s});
        for (const ProcessSpec &spec : services.specs) {
            QCOMPARE(spec.program, s.program);
            QCOMPARE(spec.workingDirectory, s.repo);
            QCOMPARE(spec.timeout, std::optional<std::chrono::milliseconds>(s.timeout));
            QCOMPARE(spec.stdinMode, ProcessSpec::Stdin::Inherit);
            QVERIFY(!spec.lastArgumentIsPrompt);
        }
    }

    void customArgv()
    {
        Stet::StetSettings s;
        s.repo = u"/work/repo"_s;
        s.timeout = std::chrono::milliseconds(5000);
        // Split on ASCII whitespace only (spec §6.2): a no-break space stays inside its word.
        s.customCommands = {u"  /opt/stet   start\tHEAD~1 "_s, u""_s, u"   "_s,
                            u"stet run --output=json\u00a0--quiet"_s};
        ScriptedServices services;
        auto session = Stet::createSession(s);
        QVERIFY(!session->canDismiss());
        auto started = start(*session, &services);
        QVERIFY(started && *started && **started);
        QVERIFY(!session->needsFinish());
        QVERIFY(review(*session, &services));
        QVERIFY(finish(*session, &services)); // runs nothing
        const QList<QStringList> expected{{u"/opt/stet"_s, u"start"_s, u"HEAD~1"_s},
                                          {u"stet"_s, u"run"_s, u"--output=json\u00a0--quiet"_s},
                                          {u"stet"_s, u"run"_s, u"--output=json\u00a0--quiet"_s}};
        QCOMPARE(services.argvs(), expected);
        for (const ProcessSpec &spec : services.specs) {
            QCOMPARE(spec.workingDirectory, s.repo);
            QCOMPARE(spec.timeout, std::optional<std::chrono::milliseconds>(s.timeout));
            QCOMPARE(spec.stdinMode, ProcessSpec::Stdin::Inherit);
        }

        // One entry: it is the session start and every review.
        s.customCommands = {u"stet review"_s};
        ScriptedServices single;
        session = Stet::createSession(s);
        QVERIFY(start(*session, &single));
        QVERIFY(review(*session, &single));
        QCOMPARE(single.argvs(), (QList<QStringList>{{u"stet"_s, u"review"_s}, {u"stet"_s, u"review"_s}}));
    }

    // ---- start policies against scripted endings: cancel, kill, retry (spec §8.3, §8.4) ----

    void startEndings_data()
    {
        QTest::addColumn<bool>("custom");
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QList<ProcessResult>>("replies");
        QTest::addColumn<int>("processes");
        QTest::addColumn<int>("outcome"); // 1 active, 0 phase 3 off, -1 error
        QTest::addColumn<QString>("message");
        QTest::addColumn<bool>("needsFinish");
        using E = ProcessEnding;
        const ProcessResult cancel = ended(E::Cancelled);
        const ProcessResult timeout = ended(E::TimedOut, u"  half a review\n"_s);
        const ProcessResult exit1 = exited(1, {}, u"no LLM\n"_s);
        const QString interrupted = u"stet start cancelled"_s;
        for (const QString &policy : {u"fail"_s, u"retry_once"_s, u"skip"_s}) {
            QTest::addRow("built-in, cancelled, %s: no retry, no skip, finish", qPrintable(policy))
                << false << policy << QList<ProcessResult>{cancel} << 1 << -1 << interrupted << true;
            QTest::addRow("custom, cancelled, %s: no retry, no later entry", qPrintable(policy))
                << true << policy << QList<ProcessResult>{cancel} << 1 << -1 << interrupted << false;
        }
        QTest::newRow("built-in, cancelled during the retry")
            << false << u"retry_once"_s << QList<ProcessResult>{exit1, cancel} << 2 << -1 << interrupted << true;
        QTest::newRow("built-in, timed out, fail: finish anyway")
            << false << u"fail"_s << QList<ProcessResult>{timeout} << 1 << -1 << u"stet start failed: timed out"_s
            << true;
        QTest::newRow("built-in, timed out, skip: no review, but finish")
            << false << u"skip"_s << QList<ProcessResult>{timeout} << 1 << 0 << QString() << true;
        QTest::newRow("built-in, crashed, skip: finish") << false << u"skip"_s
                                                        << QList<ProcessResult>{ended(E::Crashed)} << 1 << 0
                                                        << QString() << true;
        QTest::newRow("built-in, timed out then exit 1, retry_once")
            << false << u"retry_once"_s << QList<ProcessResult>{timeout, exit1} << 2 << -1
            << u"stet start failed: exit code 1: no LLM"_s << true;
        QTest::newRow("built-in, exit 1 then timed out, retry_once: the retry's error")
            << false << u"retry_once"_s << QList<ProcessResult>{exit1, timeout} << 2 << -1
            << u"stet start failed: timed out"_s << true;
        QTest::newRow("built-in, exit 1, skip: nothing to finish")
            << false << u"skip"_s << QList<ProcessResult>{exit1} << 1 << 0 << QString() << false;
        QTest::newRow("built-in, spawn failure, fail: nothing to finish")
            << false << u"fail"_s << QList<ProcessResult>{ended(E::FailedToStart)} << 1 << -1
            << u"stet start failed: spawn failed: No such file or directory"_s << false;
        QTest::newRow("custom, exit 1 then cancelled, retry_once")
            << true << u"retry_once"_s << QList<ProcessResult>{exit1, cancel} << 2 << -1 << interrupted << false;
        QTest::newRow("custom, timed out then cancelled, retry_once")
            << true << u"retry_once"_s << QList<ProcessResult>{timeout, cancel} << 2 << -1 << interrupted << false;
        QTest::newRow("custom, spawn failure then cancelled, retry_once")
            << true << u"retry_once"_s << QList<ProcessResult>{ended(E::FailedToStart), cancel} << 2 << -1
            << interrupted << false;
        QTest::newRow("custom, exit 1 then timed out, retry_once: no exit code")
            << true << u"retry_once"_s << QList<ProcessResult>{exit1, timeout} << 2 << -1
            << u"stet start failed: timed out: half a review"_s << false;
        QTest::newRow("custom, exit 1 then crashed, retry_once")
            << true << u"retry_once"_s << QList<ProcessResult>{exit1, ended(E::Crashed, u"killed"_s)} << 2 << -1
            << u"stet start failed: was killed by a signal: killed"_s << false;
        QTest::newRow("custom, exit 1 then spawn failure, retry_once")
            << true << u"retry_once"_s << QList<ProcessResult>{exit1, ended(E::FailedToStart)} << 2 << -1
            << u"stet start failed: custom stet command failed on retry"_s << false;
        QTest::newRow("custom, exit 1, fail") << true << u"fail"_s << QList<ProcessResult>{exit1} << 1 << -1
                                              << u"stet start failed: exit code 1: no LLM"_s << false;
        QTest::newRow("custom, timed out, skip: later entries still run")
            << true << u"skip"_s << QList<ProcessResult>{timeout} << 2 << 0 << QString() << false;
    }

    void startEndings()
    {
        QFETCH(bool, custom);
        QFETCH(QString, policy);
        QFETCH(QList<ProcessResult>, replies);
        QFETCH(int, processes);
        QFETCH(int, outcome);
        QFETCH(QString, message);
        QFETCH(bool, needsFinish);
        Stet::StetSettings s;
        s.program = u"stet"_s;
        s.repo = u"/work/repo"_s;
        s.onFail = policy;
        if (custom)
            s.customCommands = {u"stet start"_s, u"stet run --output=json"_s};
        ScriptedServices services;
        services.replies = replies;
        auto session = Stet::createSession(s);
        auto started = start(*session, &services);
        QVERIFY(started);
        QCOMPARE(services.specs.size(), processes);
        if (outcome < 0) {
            QVERIFY(!*started);
            QCOMPARE(started->error().message(), message);
            QCOMPARE(started->error().kind(),
                     message == u"stet start cancelled" ? Error::Kind::Interrupted : Error::Kind::Review);
        } else {
            QVERIFY(*started);
            QCOMPARE(**started, outcome == 1);
        }
        QCOMPARE(session->needsFinish(), needsFinish);
        if (replies.constFirst().ending == ProcessEnding::Cancelled)
            QVERIFY(services.logLines.filter(u"retrying"_s).isEmpty());
    }

    void reviewEndings_data()
    {
        QTest::addColumn<bool>("custom");
        QTest::addColumn<ProcessResult>("reply");
        QTest::addColumn<QString>("message"); // empty: a review result
        using E = ProcessEnding;
        for (const bool custom : {false, true}) {
            const char *mode = custom ? "custom" : "built-in";
            QTest::addRow("%s, cancelled", mode) << custom << ended(E::Cancelled) << u"stet run cancelled"_s;
            QTest::addRow("%s, timed out", mode) << custom << ended(E::TimedOut) << u"stet run failed: timed out"_s;
            QTest::addRow("%s, spawn failure", mode) << custom << ended(E::FailedToStart)
                                                     << u"stet run failed: spawn failed: No such file or directory"_s;
            QTest::addRow("%s, crashed: findings", mode) << custom << ended(E::Crashed) << QString();
            QTest::addRow("%s, exit 3: findings", mode) << custom << exited(3) << QString();
        }
    }

    void reviewEndings()
    {
        QFETCH(bool, custom);
        QFETCH(ProcessResult, reply);
        QFETCH(QString, message);
        Stet::StetSettings s;
        s.program = u"stet"_s;
        if (custom)
            s.customCommands = {u"stet run"_s};
        ScriptedServices services;
        services.replies = {reply};
        auto session = Stet::createSession(s);
        auto reviewed = review(*session, &services);
        QVERIFY(reviewed);
        if (message.isEmpty()) {
            QVERIFY(*reviewed);
            QVERIFY((*reviewed)->hasFindings); // not JSON and no exit 0: findings (spec §8.5)
            QCOMPARE((*reviewed)->exitCode, reply.code());
        } else {
            QVERIFY(!*reviewed);
            QCOMPARE(reviewed->error().message(), message);
        }
    }

    // ---- the built-in session with the fake stet (start 5, review 5, finish 4, dismiss) ----

    void startArgvAndWorkingDirectory()
    {
        StetRepo r;
        QVERIFY(r.ok());
        auto session = Stet::createSession(r.settings());
        auto started = start(*session);
        QVERIFY(started && *started && **started);
        QVERIFY(finish(*session).has_value());

        Stet::StetSettings withRef = r.settings();
        withRef.startRef = u"HEAD"_s;
        withRef.startExtraArgs = {u"--allow-dirty"_s, u"--context"_s, u"256k"_s};
        session = Stet::createSession(withRef);
        started = start(*session);
        QVERIFY(started && *started && **started);
        QVERIFY(finish(*session).has_value());

        QCOMPARE(r.calls(), (QStringList{u"start"_s, u"finish"_s, u"start HEAD --allow-dirty --context 256k"_s,
                                         u"finish"_s}));
        const QString repo = QDir(r.repo()).canonicalPath();
        QCOMPARE(r.cwds(), (QStringList{repo, repo, repo, repo}));
    }

    void startFailures()
    {
        StetRepo r;
        QVERIFY(r.ok());
        qputenv("PEAL_FAKE_STET_FAIL", "start");
        auto session = Stet::createSession(r.settings());
        auto started = start(*session);
        QVERIFY(started && !*started);
        QCOMPARE(started->error().kind(), Error::Kind::Review);
        QCOMPARE(started->error().message(),
                 u"stet start failed: exit code 1: peal-demo-stet: start failing as asked"_s);

        session = Stet::createSession(r.settings(r.path(u"no-such-stet"_s)));
        started = start(*session);
        QVERIFY(started && !*started);
        QVERIFY2(started->error().message().startsWith(u"stet start failed: spawn failed: "),
                 qPrintable(started->error().message()));
        QVERIFY(started->error().message().size() > int(strlen("stet start failed: spawn failed: ")));
    }

    void startPolicies_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QString>("fail");
        QTest::addColumn<int>("starts");
        QTest::addColumn<int>("outcome"); // 1 active, 0 skipped, -1 error
        QTest::newRow("fail") << u"fail"_s << u"start:1"_s << 1 << -1;
        QTest::newRow("retry_once recovers") << u"retry_once"_s << u"start:1"_s << 2 << 1;
        QTest::newRow("retry_once exhausted") << u"retry_once"_s << u"start:2"_s << 2 << -1;
        QTest::newRow("skip") << u"skip"_s << u"start"_s << 1 << 0;
        QTest::newRow("LLM unreachable (exit 2), fail") << u"fail"_s << u"start:1:2"_s << 1 << -1;
    }

    void startPolicies()
    {
        QFETCH(QString, policy);
        QFETCH(QString, fail);
        QFETCH(int, starts);
        QFETCH(int, outcome);
        StetRepo r;
        QVERIFY(r.ok());
        qputenv("PEAL_FAKE_STET_FAIL", fail.toUtf8());
        Stet::StetSettings s = r.settings();
        s.onFail = policy;
        auto session = Stet::createSession(s);
        auto started = start(*session);
        QVERIFY(started);
        QCOMPARE(r.calls().size(), starts);
        if (outcome < 0) {
            QVERIFY(!*started);
            QVERIFY(started->error().message().startsWith(u"stet start failed: exit code "));
        } else {
            QVERIFY(*started);
            QCOMPARE(**started, outcome == 1);
        }
    }

    void reviewRunsWithJsonAndExtraArgs()
    {
        StetRepo r;
        QVERIFY(r.ok());
        Stet::StetSettings s = r.settings();
        s.runExtraArgs = {u"--verify"_s, u"--context"_s, u"256k"_s};
        auto session = Stet::createSession(s);
        QVERIFY(start(*session).has_value());
        auto reviewed = review(*session);
        QVERIFY(reviewed && *reviewed);
        QCOMPARE((*reviewed)->stdoutText, u"{\"findings\":[]}\n"_s);
        QCOMPARE((*reviewed)->exitCode, std::optional<int>(0));
        QVERIFY(!(*reviewed)->hasFindings);
        QCOMPARE(r.calls().value(1), u"run --output=json --verify --context 256k"_s);
        QCOMPARE(r.cwds().value(1), QDir(r.repo()).canonicalPath());
        QVERIFY(m_services.logLines.contains(u"stet run completed"_s));
    }

    void reviewNonZeroExitIsNotAnError()
    {
        StetRepo r;
        QVERIFY(r.ok());
        QVERIFY(PealTest::writeFile(r.path(u"script.json"_s),
                                    R"([{"exit":1,"stdout":"review crashed half way\n","stderr":"boom"}])"));
        qputenv("PEAL_FAKE_STET_MODE", "script");
        qputenv("PEAL_FAKE_STET_SCRIPT", r.path(u"script.json"_s).toUtf8());
        auto session = Stet::createSession(r.settings());
        QVERIFY(start(*session).has_value());
        auto reviewed = review(*session);
        QVERIFY(reviewed && *reviewed);
        QCOMPARE((*reviewed)->exitCode, std::optional<int>(1));
        QCOMPARE((*reviewed)->stderrText, u"boom"_s);
        QVERIFY((*reviewed)->hasFindings);
    }

    void reviewFailures()
    {
        StetRepo r;
        QVERIFY(r.ok());
        auto missing = Stet::createSession(r.settings(r.path(u"no-such-stet"_s)));
        auto reviewed = review(*missing);
        QVERIFY(reviewed && !*reviewed);
        QCOMPARE(reviewed->error().kind(), Error::Kind::Review);
        QVERIFY(reviewed->error().message().startsWith(u"stet run failed: spawn failed: "));

        qputenv("PEAL_FAKE_STET_HANG", "run");
        Stet::StetSettings s = r.settings();
        s.timeout = std::chrono::milliseconds(200);
        auto hanging = Stet::createSession(s);
        reviewed = review(*hanging);
        QVERIFY(reviewed && !*reviewed);
        QCOMPARE(reviewed->error().message(), u"stet run failed: timed out"_s);
    }

    void dismissArgvAndBestEffort()
    {
        StetRepo r;
        QVERIFY(r.ok());
        QVERIFY(PealTest::writeFile(r.path(u"script.json"_s), kFindingsJson.toUtf8().prepend('[').append(']')));
        qputenv("PEAL_FAKE_STET_MODE", "script");
        qputenv("PEAL_FAKE_STET_SCRIPT", r.path(u"script.json"_s).toUtf8());
        auto session = Stet::createSession(r.settings());
        QVERIFY(session->canDismiss());
        QVERIFY(start(*session).has_value());
        QVERIFY(review(*session).has_value());
        bool dismissed = false;
        session->dismiss(m_services, u"abc1"_s, u"false_positive"_s, [&] { dismissed = true; });
        QTRY_VERIFY_WITH_TIMEOUT(dismissed, 20000);
        // The dismissed finding does not come back.
        auto reviewed = review(*session);
        QVERIFY(reviewed && *reviewed);
        QCOMPARE(m_stet->parseFindings((*reviewed)->stdoutText)->size(), 1);
        // An unknown id fails; that is only a warning and the callback still runs.
        dismissed = false;
        session->dismiss(m_services, u"zzzz"_s, u"out_of_scope"_s, [&] { dismissed = true; });
        QTRY_VERIFY_WITH_TIMEOUT(dismissed, 20000);
        QVERIFY(m_services.logLines.contains(u"stet dismiss failed (best-effort)"_s));
        QCOMPARE(r.calls().mid(1), (QStringList{u"run --output=json"_s, u"dismiss abc1 false_positive"_s,
                                                u"run --output=json"_s, u"dismiss zzzz out_of_scope"_s}));
        QCOMPARE(r.cwds().value(2), QDir(r.repo()).canonicalPath());
    }

    void finishFailures()
    {
        StetRepo r;
        QVERIFY(r.ok());
        auto session = Stet::createSession(r.settings());
        // No session: the fake refuses like stet does.
        auto finished = finish(*session);
        QVERIFY(finished && !*finished);
        QCOMPARE(finished->error().message(),
                 u"stet finish failed: exit code 1: no active session; run stet start first"_s);
        auto missing = Stet::createSession(r.settings(r.path(u"no-such-stet"_s)));
        finished = finish(*missing);
        QVERIFY(finished && !*finished);
        QVERIFY(finished->error().message().startsWith(u"stet finish failed: spawn failed: "));
    }

    // ---- custom stet_commands (spec §8.4) ----

    void customStartRunsEveryEntryAndReviewsWithTheLast()
    {
        StetRepo r;
        QVERIFY(r.ok());
        Stet::StetSettings s = r.settings(QString());
        s.customCommands = {demoStet() + u" start HEAD"_s, u"  "_s, demoStet() + u"  run   --json"_s};
        auto session = Stet::createSession(s);
        QVERIFY(!session->canDismiss());
        QVERIFY(!session->needsFinish());
        auto started = start(*session);
        QVERIFY(started && *started && **started);
        auto reviewed = review(*session);
        QVERIFY(reviewed && *reviewed);
        QVERIFY(!(*reviewed)->hasFindings);
        QCOMPARE(r.calls(), (QStringList{u"start HEAD"_s, u"run --json"_s, u"run --json"_s}));
        QVERIFY(finish(*session).has_value());
        QCOMPARE(r.calls().size(), 3); // finish is never run in custom mode
    }

    void customEmptyLastEntry()
    {
        StetRepo r;
        QVERIFY(r.ok());
        Stet::StetSettings s = r.settings(QString());
        s.customCommands = {demoStet() + u" start HEAD"_s, u""_s};
        auto session = Stet::createSession(s);
        auto reviewed = review(*session);
        QVERIFY(reviewed && !*reviewed);
        QCOMPARE(reviewed->error().message(), u"stet run failed: custom run command is empty"_s);
    }

    void customStartPolicies_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QString>("first");     // the first entry's program
        QTest::addColumn<QByteArray>("failEnv"); // PEAL_FAKE_STET_FAIL
        QTest::addColumn<QByteArray>("hangEnv"); // PEAL_FAKE_STET_HANG
        QTest::addColumn<int>("outcome");        // 1 active, 0 phase 3 off, -1 error
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("calls");          // calls the fake stet logged

        const QString stet = demoStet();
        const QString missing = u"/nonexistent/peal-stet"_s;
        QTest::newRow("spawn, fail") << u"fail"_s << missing << QByteArray() << QByteArray() << -1
                                     << u"stet start failed: spawn failed: "_s << 0;
        QTest::newRow("spawn, skip: later entries still run") << u"skip"_s << missing << QByteArray() << QByteArray()
                                                              << 0 << QString() << 1;
        QTest::newRow("spawn, retry_once: spawn again") << u"retry_once"_s << missing << QByteArray() << QByteArray()
                                                        << -1 << u"stet start failed: spawn failed: "_s << 0;
        QTest::newRow("exit, fail") << u"fail"_s << stet << QByteArray("start") << QByteArray() << -1
                                    << u"stet start failed: exit code 1: peal-demo-stet: start failing as asked"_s << 1;
        QTest::newRow("exit, skip") << u"skip"_s << stet << QByteArray("start") << QByteArray() << 0 << QString() << 2;
        QTest::newRow("exit, retry_once recovers") << u"retry_once"_s << stet << QByteArray("start:1") << QByteArray()
                                                   << 1 << QString() << 3;
        QTest::newRow("exit, retry_once fails again") << u"retry_once"_s << stet << QByteArray("start:2") << QByteArray()
                                                      << -1 << u"stet start failed: exit code 1: "_s << 2;
        QTest::newRow("timeout, fail") << u"fail"_s << stet << QByteArray() << QByteArray("start") << -1
                                       << u"stet start failed: custom stet command timed out"_s << 1;
        QTest::newRow("timeout, skip") << u"skip"_s << stet << QByteArray() << QByteArray("start") << 0 << QString() << 2;
        QTest::newRow("timeout, retry_once times out again") << u"retry_once"_s << stet << QByteArray() << QByteArray("start:2")
                                                             << -1 << u"stet start failed: custom stet command timed out (retry)"_s << 2;
        QTest::newRow("timeout, retry_once accepts any exit") << u"retry_once"_s << stet << QByteArray("start")
                                                              << QByteArray("start:1") << 1 << QString() << 3;
        QTest::newRow("exit, retry_once times out: the retry's exit") << u"retry_once"_s << stet << QByteArray("start:1")
                                                                       << QByteArray("start@2") << -1
            << u"stet start failed: timed out: peal-demo-stet: start hanging as asked"_s << 2;
        // The first call fails and deletes the copy of the fake: the retry cannot start.
        QTest::newRow("exit, retry_once cannot start the retry") << u"retry_once"_s << u"COPY"_s << QByteArray("start:1")
                                                                 << QByteArray() << -1
            << u"stet start failed: custom stet command failed on retry"_s << 1;
    }

    void customStartPolicies()
    {
        QFETCH(QString, policy);
        QFETCH(QString, first);
        QFETCH(QByteArray, failEnv);
        QFETCH(QByteArray, hangEnv);
        QFETCH(int, outcome);
        QFETCH(QString, message);
        QFETCH(int, calls);
        StetRepo r;
        QVERIFY(r.ok());
        if (!failEnv.isEmpty())
            qputenv("PEAL_FAKE_STET_FAIL", failEnv);
        if (!hangEnv.isEmpty())
            qputenv("PEAL_FAKE_STET_HANG", hangEnv);
        if (first == u"COPY") {
            first = r.copyOfFake();
            QVERIFY(!first.isEmpty());
            qputenv("PEAL_FAKE_STET_VANISH", "start@1");
        }
        Stet::StetSettings s = r.settings(QString());
        s.onFail = policy;
        s.timeout = std::chrono::milliseconds(hangEnv.isEmpty() ? 20000 : 300);
        s.customCommands = {first + u" start HEAD"_s, demoStet() + u" --help"_s};
        auto session = Stet::createSession(s);
        auto started = start(*session);
        QVERIFY(started);
        if (outcome < 0) {
            QVERIFY(!*started);
            QVERIFY2(started->error().message().startsWith(message), qPrintable(started->error().message()));
            if (message.endsWith(u"as asked") || message.endsWith(u"on retry"))
                QCOMPARE(started->error().message(), message);
        } else {
            QVERIFY2(*started, qPrintable(*started ? QString() : started->error().message()));
            QCOMPARE(**started, outcome == 1);
        }
        QCOMPARE(r.calls().size(), calls);
    }

    // ---- the fake stet keeps stet's contract (stet-contract.md) and its knobs ----

    void fakeRefusesWorkWithoutASession()
    {
        StetRepo r;
        QVERIFY(r.ok());
        const QString noSession = u"no active session; run stet start first\n"_s;
        for (const QStringList &args : {QStringList{u"run"_s, u"--output=json"_s},
                                        QStringList{u"dismiss"_s, u"abcd1234"_s, u"false_positive"_s},
                                        QStringList{u"finish"_s}}) {
            const auto out = r.fake(args);
            QCOMPARE(out.exitCode, 1);
            QCOMPARE(out.err, noSession);
            QVERIFY(out.out.isEmpty());
        }
        for (const QString &cmd : {u"list"_s, u"status"_s}) {
            const auto out = r.fake({cmd});
            QCOMPARE(out.exitCode, 1);
            QCOMPARE(out.err, u"No active session. Run 'stet start' to begin a review.\n"_s);
        }
        QVERIFY(!QFile::exists(r.repo() + u"/.review/session.json"_s));
    }

    void fakeAllowsOneSessionAtATime()
    {
        StetRepo r;
        QVERIFY(r.ok());
        QCOMPARE(r.fake({u"start"_s, u"--output=json"_s}).exitCode, 0);
        QVERIFY(QFile::exists(r.repo() + u"/.review/session.json"_s));
        const auto again = r.fake({u"start"_s, u"--allow-dirty"_s});
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.startsWith(u"Hint: Run 'stet finish' to end the current review and remove the worktree, "
                                      "then run 'stet start' again.\n"_s),
                 PealTest::tail(again.err).constData());
        QVERIFY(QFile::exists(r.repo() + u"/.review/session.json"_s)); // the active session is kept
        QCOMPARE(r.fake({u"finish"_s}).exitCode, 0);
        QCOMPARE(r.fake({u"start"_s, u"--allow-dirty"_s}).exitCode, 0);
        QCOMPARE(r.fake({u"finish"_s}).exitCode, 0);
    }

    void fakeFinishRemovesWhatStetRemoves()
    {
        StetRepo r;
        QVERIFY(r.ok());
        QCOMPARE(r.fake({u"start"_s}).exitCode, 0);
        const QString review = r.repo() + u"/.review"_s;
        QVERIFY(QFile::exists(review + u"/lock"_s));
        const QStringList worktrees = QDir(review + u"/worktrees"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        QCOMPARE(worktrees.size(), 1);
        QVERIFY(worktrees.first().startsWith(u"stet-"));
        QVERIFY(PealTest::git(r.repo(), {u"worktree"_s, u"list"_s}).contains(worktrees.first()));
        // stet's state dirties the tree
        QCOMPARE(PealTest::git(r.repo(), {u"status"_s, u"--porcelain"_s}).trimmed(), u"?? .review/"_s);

        QCOMPARE(r.fake({u"finish"_s}).exitCode, 0);
        // The worktree and session.json go; .review/ and its lock stay; a note is written.
        QVERIFY(!QFile::exists(review + u"/session.json"_s));
        QVERIFY(!QFile::exists(review + u"/worktrees/"_s + worktrees.first()));
        QVERIFY(!PealTest::git(r.repo(), {u"worktree"_s, u"list"_s}).contains(worktrees.first()));
        QVERIFY(QFile::exists(review + u"/lock"_s));
        QVERIFY(PealTest::git(r.repo(), {u"notes"_s, u"--ref=stet"_s, u"show"_s, u"HEAD"_s}).startsWith(u"stet review"));

        // Hence a second start refuses the dirty tree unless .review/ is ignored.
        const auto dirty = r.fake({u"start"_s});
        QCOMPARE(dirty.exitCode, 1);
        QVERIFY(dirty.err.contains(u"working tree has uncommitted changes; commit or stash before starting"));
        QVERIFY(PealTest::writeFile(r.repo() + u"/.git/info/exclude"_s, "/.review/\n"));
        QCOMPARE(r.fake({u"start"_s}).exitCode, 0);
        QCOMPARE(r.fake({u"finish"_s}).exitCode, 0);
    }

    void fakeIdPrefixes()
    {
        StetRepo r;
        QVERIFY(r.ok());
        QVERIFY(r.script(R"([[{"id":"abcd1111","message":"one"},{"id":"abcd2222","message":"two"},)"
                         R"({"id":"ef012345","message":"three"}]])"));
        QCOMPARE(r.fake({u"start"_s}).exitCode, 0);
        QCOMPARE(r.fake({u"run"_s, u"--json"_s}).exitCode, 0);
        const auto ambiguous = r.fake({u"dismiss"_s, u"abcd"_s, u"false_positive"_s});
        QCOMPARE(ambiguous.exitCode, 1);
        QCOMPARE(ambiguous.err, u"id prefix \"abcd\" is ambiguous\n"_s);
        const auto shortPrefix = r.fake({u"dismiss"_s, u"ef0"_s, u"false_positive"_s});
        QCOMPARE(shortPrefix.exitCode, 1);
        QCOMPARE(shortPrefix.err, u"no finding with id \"ef0\"\n"_s);
        const auto unknown = r.fake({u"dismiss"_s, u"zzzz"_s});
        QCOMPARE(unknown.exitCode, 1);
        QCOMPARE(unknown.err, u"no finding with id \"zzzz\"\n"_s);
        const auto badReason = r.fake({u"dismiss"_s, u"ef01"_s, u"noise"_s});
        QCOMPARE(badReason.exitCode, 1);
        QCOMPARE(badReason.err, u"Invalid reason; use one of: false_positive, already_correct, wrong_suggestion, "
                                "out_of_scope.\n"_s);
        QCOMPARE(r.fake({u"dismiss"_s, u"ef01"_s, u"out_of_scope"_s}).exitCode, 0);    // a unique 4-char prefix
        QCOMPARE(r.fake({u"dismiss"_s, u"ef01"_s, u"out_of_scope"_s}).exitCode, 0);    // idempotent
        QCOMPARE(r.fake({u"dismiss"_s, u"abcd1111"_s}).exitCode, 0);                  // a full id, default reason
        const auto after = r.fake({u"run"_s, u"--output=json"_s});
        QCOMPARE(after.exitCode, 0);
        const auto findings = m_stet->parseFindings(after.out);
        QVERIFY(findings);
        QCOMPARE(findings->size(), 1);
        QCOMPARE(findings->first().id, u"abcd2222"_s); // dismissed findings never resurface
    }

    void fakeLlmUnreachable()
    {
        StetRepo r;
        QVERIFY(r.ok());
        const QHash<QString, QString> unreachable{{u"PEAL_FAKE_STET_LLM_UNREACHABLE"_s, u"1"_s}};
        const auto start = r.fake({u"start"_s}, unreachable);
        QCOMPARE(start.exitCode, 2);
        QVERIFY(start.err.startsWith(u"Ollama unreachable at http://localhost:11434. Is the server running?"));
        QVERIFY(!QFile::exists(r.repo() + u"/.review/session.json"_s));
        QCOMPARE(r.fake({u"start"_s, u"--dry-run"_s}, unreachable).exitCode, 0); // no LLM needed
        QCOMPARE(r.fake({u"run"_s, u"--output=json"_s}, unreachable).exitCode, 2);
        QCOMPARE(r.fake({u"run"_s, u"--dry-run"_s, u"--json"_s}, unreachable).exitCode, 0);
        QCOMPARE(r.fake({u"finish"_s}, unreachable).exitCode, 0);
    }

    void fakeKnobsPickACallByNumber()
    {
        StetRepo r;
        QVERIFY(r.ok());
        QCOMPARE(r.fake({u"start"_s}).exitCode, 0);
        // The 2nd run fails with code 3 and the 1st dismiss with 1; calls are numbered per command.
        const QHash<QString, QString> env{{u"PEAL_FAKE_STET_FAIL"_s, u"run@2:3,dismiss:1"_s}};
        QCOMPARE(r.fake({u"run"_s}, env).exitCode, 0);
        const auto second = r.fake({u"run"_s}, env);
        QCOMPARE(second.exitCode, 3);
        QCOMPARE(second.err, u"peal-demo-stet: run failing as asked\n"_s);
        QCOMPARE(r.fake({u"run"_s}, env).exitCode, 0);
        QCOMPARE(r.fake({u"dismiss"_s, u"zzzz"_s}, env).err, u"peal-demo-stet: dismiss failing as asked\n"_s);
        QCOMPARE(r.fake({u"dismiss"_s, u"zzzz"_s}, env).err, u"no finding with id \"zzzz\"\n"_s);

        // The 5th run (counting on) hangs, the ones around it do not.
        qputenv("PEAL_FAKE_STET_HANG", "run@5");
        Stet::StetSettings s = r.settings();
        s.timeout = std::chrono::milliseconds(500);
        auto session = Stet::createSession(s);
        auto reviewed = review(*session);
        QVERIFY(reviewed && *reviewed);
        reviewed = review(*session);
        QVERIFY(reviewed && !*reviewed);
        QCOMPARE(reviewed->error().message(), u"stet run failed: timed out"_s);
        s.timeout = std::chrono::milliseconds(20000);
        session = Stet::createSession(s);
        reviewed = review(*session);
        QVERIFY(reviewed && *reviewed);
        QCOMPARE(r.calls().filter(u"run"_s).size(), 6);
        QCOMPARE(r.fake({u"finish"_s}).exitCode, 0);
    }

    void fakeHangsAfterCreatingTheSessionWhenAsked()
    {
        StetRepo r;
        QVERIFY(r.ok());
        qputenv("PEAL_FAKE_STET_HANG", "start@1");
        qputenv("PEAL_FAKE_STET_HANG_AT", "review");
        Stet::StetSettings s = r.settings();
        s.timeout = std::chrono::milliseconds(500);
        auto session = Stet::createSession(s);
        auto started = start(*session);
        QVERIFY(started && !*started);
        QCOMPARE(started->error().message(), u"stet start failed: timed out"_s);
        // stet creates its session before it reviews: the killed start left one to finish.
        QVERIFY(QFile::exists(r.repo() + u"/.review/session.json"_s));
        QVERIFY(session->needsFinish());
        auto finished = finish(*session);
        QVERIFY(finished && *finished);
        QVERIFY(!QFile::exists(r.repo() + u"/.review/session.json"_s));
    }

    void fakeVanishesOnlyAsACopy()
    {
        StetRepo r;
        QVERIFY(r.ok());
        const QHash<QString, QString> env{{u"PEAL_FAKE_STET_VANISH"_s, u"start@1"_s}};
        const auto refused = r.fake({u"start"_s}, env);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY(refused.err.contains(u"needs a copy of the fake"));
        QVERIFY(QFile::exists(demoStet()));
        const QString copy = r.copyOfFake();
        QVERIFY(!copy.isEmpty());
        // Calls are counted across both binaries (one log): this is the 2nd start.
        const QHash<QString, QString> second{{u"PEAL_FAKE_STET_VANISH"_s, u"start@2"_s}};
        QCOMPARE(PealTest::run(copy, {u"start"_s}, r.repo(), second).exitCode, 0); // the call itself works
        QVERIFY(!QFile::exists(copy));
        QVERIFY(QFile::exists(demoStet()));
    }
};

QTEST_GUILESS_MAIN(tst_Stet)
#include "tst_stet.moc"
