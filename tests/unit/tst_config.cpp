// SPDX-License-Identifier: MIT
// Configuration: layers, precedence, parsing and validation (spec §2; reference tests §13.2).
#include <peal/config.h>
#include <peal/validation.h>

#include "testsupport.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

namespace {

using Env = QHash<QString, QString>;

EnvLookup envFrom(const Env &vars)
{
    // Mirrors the real lookup: only set, non-empty values count.
    return [vars](const QString &suffix) -> std::optional<QString> {
        const QString value = vars.value(QStringLiteral("PEAL_") + suffix);
        if (value.isEmpty())
            return std::nullopt;
        return value;
    };
}

ConfigLayer requiredCli()
{
    ConfigLayer cli;
    cli.planPath = QStringLiteral("plan.md");
    cli.repoPath = QStringLiteral("/repo");
    return cli;
}

} // namespace

class tst_Config : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    // Writes `toml` to a file and loads it with the given environment and command line.
    Result<Config> load(const QByteArray &toml, const Env &env = {},
                        const ConfigLayer &cli = ConfigLayer())
    {
        static int counter = 0;
        const QString path = m_dir.filePath(QStringLiteral("config%1.toml").arg(++counter));
        if (!PealTest::writeFile(path, toml))
            return Error(Error::Kind::Io, QStringLiteral("cannot write test file"));
        return ConfigLoader::load(path, cli, envFrom(env));
    }
    Result<Config> loadNoFile(const Env &env, const ConfigLayer &cli)
    {
        return ConfigLoader::load(std::nullopt, cli, envFrom(env));
    }

    void validateAsync(const Config &config, Result<void> *out)
    {
        bool called = false;
        validateConfig(config, this, [&](Result<void> r) {
            *out = r;
            called = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(called, 20000);
    }

    // A plan that is a "file", a "dir" or "missing"; a repo that is "git", "file", "plain"
    // (a directory outside git) or "missing".
    static bool makePaths(const QString &plan, const QString &planKind, const QString &repo,
                          const QString &repoKind)
    {
        bool ok = true;
        if (planKind == u"file")
            ok = PealTest::writeFile(plan, "## Task 1\n");
        else if (planKind == u"dir")
            ok = QDir().mkpath(plan);
        if (repoKind == u"git")
            ok = ok && PealTest::initGitRepo(repo);
        else if (repoKind == u"file")
            ok = ok && PealTest::writeFile(repo, "x");
        else if (repoKind == u"plain")
            ok = ok && QDir().mkpath(repo);
        return ok;
    }

    Config validConfig(const QString &plan, const QString &repo)
    {
        Config config;
        config.planPath = plan;
        config.repoPath = repo;
        return config;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void defaultsAppliedWhenOnlyRequiredFieldsPresent()
    {
        auto config = loadNoFile({}, requiredCli());
        QVERIFY(config);
        QCOMPARE(config->agentCmd, u"agent"_s);
        QVERIFY(config->stetCommands.isEmpty());
        QCOMPARE(config->sandbox, u"disabled"_s);
        QVERIFY(!config->model);
        QCOMPARE(config->maxAddressRounds, 5u);
        QCOMPARE(config->onFindingsRemaining, u"fail"_s);
        QCOMPARE(config->stateDir, u".peal"_s);
        QCOMPARE(config->phaseTimeoutSec, 1800u);
        QCOMPARE(config->parallel, false);
        QCOMPARE(config->maxParallel, 4u);
        QCOMPARE(config->onStetFail, u"fail"_s);
        QCOMPARE(config->phaseRetryCount, 0u);
        QCOMPARE(config->phase3RetryCount, 0u);
        QVERIFY(!config->continueWithRemainingTasks);
        QVERIFY(!config->stetDisableLlmTriage);
        QVERIFY(!config->postRunTimeoutSec);
        QVERIFY(!config->maxConsecutiveTaskFailures);
        QVERIFY(!config->runSummaryPath);
        QVERIFY(!config->commitAfterPhase2);
        // Reference tests validate_plan_text_defaults_off, normalize_plan_defaults_to_false,
        // normalize_retry_count_defaults_to_zero, post_run_commands_default_empty_and_no_timeout.
        QVERIFY(!config->validatePlanText);
        QVERIFY(!config->minPlanTextLen);
        QVERIFY(!config->normalizePlan);
        QCOMPARE(config->normalizeRetryCount, 0u);
        QVERIFY(config->postRunCommands.isEmpty());
        // Beyond the reference.
        QCOMPARE(config->isolation, u"none"_s);
        QCOMPARE(config->phases, (QStringList{u"plan"_s, u"execute"_s, u"address"_s}));
        QVERIFY(config->pluginOptions.isEmpty());
        QCOMPARE(config->agentPlugin, u"cursor"_s);
    }

    void documentedExampleTomlParses()
    {
        const QByteArray example = PealTest::readFile(PealTest::sourceDir()
                                                      + QStringLiteral("/docs/examples/peal.toml"));
        QVERIFY(!example.isEmpty());
        auto config = load(example);
        QVERIFY2(config, qPrintable(config ? QString() : config.error().message()));
        QCOMPARE(config->agentCmd, u"agent"_s);
        QCOMPARE(config->stateDir, u".peal"_s);
        QCOMPARE(config->phaseTimeoutSec, 1800u);
        QCOMPARE(config->parallel, true);
        QCOMPARE(config->maxParallel, 4u);
        QCOMPARE(config->onFindingsRemaining, u"fail"_s);
        QCOMPARE(config->stetCommands, (QStringList{u"stet start HEAD~1"_s, u"stet run"_s}));
        QCOMPARE(config->stetStartExtraArgs, QStringList{u"--allow-dirty"_s});
        QCOMPARE(config->stetRunExtraArgs,
                 (QStringList{u"--verify"_s, u"--context"_s, u"256k"_s}));
        QCOMPARE(config->stetDisableLlmTriage, false);
        QCOMPARE(config->planPath, u"plan.md"_s);
        QCOMPARE(config->repoPath, u"."_s);
        QCOMPARE(config->stetDismissPatterns,
                 (QList<DismissPattern>{{u"generated"_s, u"out_of_scope"_s},
                                        {u"false positive"_s, u"false_positive"_s}}));
        QCOMPARE(config->postRunCommands, (QStringList{u"stet finish"_s, u"echo done"_s}));
        QCOMPARE(config->postRunTimeoutSec, std::optional<quint64>(60));
        QCOMPARE(config->phaseRetryCount, 1u);
        QCOMPARE(config->phase3RetryCount, 1u);
        QCOMPARE(config->onStetFail, u"retry_once"_s);
    }

    void pluginTablesBecomeJsonOptions()
    {
        auto config = load("plan_path = \"p.md\"\nrepo_path = \".\"\n"
                           "[plugins.tests-gate]\ncommand = [\"make\", \"check\"]\nmax_rounds = 3\n"
                           "verbose = true\nratio = 0.5\nwhen = 1979-05-27\n[plugins.tests-gate.env]\nCI = \"1\"\n"
                           "[plugins.cursor]\n");
        QVERIFY2(config, qPrintable(config ? QString() : config.error().message()));
        QCOMPARE(config->pluginOptions.size(), 2);
        const QJsonObject gate = config->pluginOptions.value(u"tests-gate"_s);
        QCOMPARE(gate.value(u"command"_s).toArray(), (QJsonArray{u"make"_s, u"check"_s}));
        QCOMPARE(gate.value(u"max_rounds"_s).toInteger(), 3);
        QCOMPARE(gate.value(u"verbose"_s).toBool(), true);
        QCOMPARE(gate.value(u"ratio"_s).toDouble(), 0.5);
        QCOMPARE(gate.value(u"when"_s).toString(), u"1979-05-27"_s);
        QCOMPARE(gate.value(u"env"_s).toObject().value(u"CI"_s).toString(), u"1"_s);
        QVERIFY(config->pluginOptions.value(u"cursor"_s).isEmpty());
        QVERIFY(config->pluginOptions.contains(u"cursor"_s));
    }

    void pluginTablesMustBeTables_data()
    {
        QTest::addColumn<QByteArray>("toml");
        QTest::addColumn<QString>("message");
        QTest::newRow("plugins is a string") << QByteArray("plugins = \"x\"\n")
            << u"key 'plugins' (line 1): expected a table of plugin tables ([plugins.<id>]), found string \"x\""_s;
        QTest::newRow("plugin entry is a number") << QByteArray("[plugins]\ncursor = 3\n")
            << u"key 'plugins.cursor' (line 2): expected a table ([plugins.cursor]), found integer 3"_s;
        QTest::newRow("typo of plugins") << QByteArray("[plugin.cursor]\n")
            << u"unknown key 'plugin' (line 1); did you mean 'plugins'?"_s;
    }
    void pluginTablesMustBeTables()
    {
        QFETCH(QByteArray, toml);
        QFETCH(QString, message);
        auto config = load(toml);
        QVERIFY(!config);
        QVERIFY2(config.error().message().endsWith(message), qPrintable(config.error().message()));
    }

    void missingPlanPathErrors()
    {
        ConfigLayer cli;
        cli.repoPath = u"/repo"_s;
        auto config = loadNoFile({}, cli);
        QVERIFY(!config);
        QVERIFY(config.error().message().contains(u"plan_path is required"));
    }

    void missingRepoPathErrors()
    {
        ConfigLayer cli;
        cli.planPath = u"plan.md"_s;
        auto config = loadNoFile({}, cli);
        QVERIFY(!config);
        QCOMPARE(config.error().message(),
                 u"repo_path is required (via --repo, PEAL_REPO_PATH, or config file)"_s);
    }

    void loadsFromTomlFile()
    {
        auto config = load("agent_cmd = \"my-agent\"\n"
                           "plan_path = \"p.md\"\n"
                           "repo_path = \"/r\"\n"
                           "stet_commands = [\"stet start\", \"stet run\"]\n"
                           "sandbox = \"enabled\"\n"
                           "model = \"gpt-5\"\n"
                           "max_address_rounds = 7\n"
                           "state_dir = \"st\"\n"
                           "phase_timeout_sec = 600\n"
                           "parallel = true\n"
                           "max_parallel = 8\n");
        QVERIFY(config);
        QCOMPARE(config->agentCmd, u"my-agent"_s);
        QCOMPARE(config->planPath, u"p.md"_s);
        QCOMPARE(config->repoPath, u"/r"_s);
        QCOMPARE(config->stetCommands, (QStringList{u"stet start"_s, u"stet run"_s}));
        QCOMPARE(config->sandbox, u"enabled"_s);
        QCOMPARE(config->model, std::optional<QString>(u"gpt-5"_s));
        QCOMPARE(config->maxAddressRounds, 7u);
        QCOMPARE(config->stateDir, u"st"_s);
        QCOMPARE(config->phaseTimeoutSec, 600u);
        QVERIFY(config->parallel);
        QCOMPARE(config->maxParallel, 8u);
    }

    void cliOverridesFile()
    {
        ConfigLayer cli;
        cli.planPath = u"cli-plan.md"_s;
        cli.model = u"cli-model"_s;
        auto config = load("plan_path = \"file-plan.md\"\nrepo_path = \"/file-repo\"\n"
                           "model = \"file-model\"\n",
                           {}, cli);
        QVERIFY(config);
        QCOMPARE(config->planPath, u"cli-plan.md"_s);
        QCOMPARE(config->model, std::optional<QString>(u"cli-model"_s));
        QCOMPARE(config->repoPath, u"/file-repo"_s);
    }

    void envOverridesFile()
    {
        auto config = load("plan_path = \"p\"\nrepo_path = \"r\"\nagent_cmd = \"file-agent\"\n",
                           {{u"PEAL_AGENT_CMD"_s, u"env-agent"_s}});
        QVERIFY(config);
        QCOMPARE(config->agentCmd, u"env-agent"_s);
    }

    void cliOverridesEnv()
    {
        ConfigLayer cli = requiredCli();
        cli.agentCmd = u"cli-agent"_s;
        auto config = loadNoFile({{u"PEAL_AGENT_CMD"_s, u"env-agent"_s}}, cli);
        QVERIFY(config);
        QCOMPARE(config->agentCmd, u"cli-agent"_s);
    }

    void fullPrecedenceChain()
    {
        ConfigLayer cli;
        cli.agentCmd = u"cli-agent"_s;
        auto config = load("plan_path = \"file-plan\"\nrepo_path = \"r\"\nsandbox = \"file-sb\"\n"
                           "model = \"file-model\"\nagent_cmd = \"file-agent\"\n",
                           {{u"PEAL_MODEL"_s, u"env-model"_s},
                            {u"PEAL_AGENT_CMD"_s, u"env-agent"_s}},
                           cli);
        QVERIFY(config);
        QCOMPARE(config->agentCmd, u"cli-agent"_s);
        QCOMPARE(config->model, std::optional<QString>(u"env-model"_s));
        QCOMPARE(config->sandbox, u"file-sb"_s);
        QCOMPARE(config->planPath, u"file-plan"_s);
        QCOMPARE(config->originOf(u"agent_cmd"_s), u"--agent-cmd"_s);
        QCOMPARE(config->originOf(u"model"_s), u"PEAL_MODEL"_s);
        QVERIFY(config->originOf(u"sandbox"_s).endsWith(u": sandbox"));
    }

    void partialTomlFillsDefaults()
    {
        auto config = load("plan_path = \"p\"\nrepo_path = \"r\"\n");
        QVERIFY(config);
        QCOMPARE(config->agentCmd, u"agent"_s);
        QCOMPARE(config->maxAddressRounds, 5u);
        QCOMPARE(config->maxParallel, 4u);
        QVERIFY(!config->parallel);
    }

    void unattendedKeysFromEachSource()
    {
        // TOML: a number or an integer amount, commands as argv arrays or split strings.
        auto file = load("plan_path = \"p\"\nrepo_path = \"r\"\nmax_cost_usd = 2.5\ntask_max_cost_usd = 1\n"
                         "notify_commands = [[\"tee\", \"-a\", \"/tmp/x y\"], \"notify-send  peal\"]\n"
                         "notify_on = [\"run_done\"]\nrate_limit_patterns = [\"slow\\\\s+down\"]\n");
        QVERIFY2(file, qPrintable(file ? QString() : file.error().message()));
        QCOMPARE(file->maxCostUsd, std::optional<double>(2.5));
        QCOMPARE(file->taskMaxCostUsd, std::optional<double>(1.0));
        QCOMPARE(file->notifyCommands, (QList<QStringList>{{u"tee"_s, u"-a"_s, u"/tmp/x y"_s}, {u"notify-send"_s, u"peal"_s}}));
        QCOMPARE(file->notifyOn, QStringList{u"run_done"_s});
        QCOMPARE(file->rateLimitPatterns, QStringList{u"slow\\s+down"_s});
        QCOMPARE(file->onRateLimit, u"wait"_s);
        QCOMPARE(file->rateLimitBackoffSec, 30u);
        QCOMPARE(file->rateLimitMaxWaitSec, 3600u);
        QVERIFY(!file->maxTokens);
        // The environment: commands split on commas, then on whitespace.
        auto env = loadNoFile({{u"PEAL_NOTIFY_COMMANDS"_s, u"tee -a /tmp/log,notify-send peal"_s},
                               {u"PEAL_MAX_TOKENS"_s, u"50000"_s},
                               {u"PEAL_AGENT_IDLE_TIMEOUT_SEC"_s, u"300"_s}},
                              requiredCli());
        QVERIFY(env);
        QCOMPARE(env->notifyCommands, (QList<QStringList>{{u"tee"_s, u"-a"_s, u"/tmp/log"_s}, {u"notify-send"_s, u"peal"_s}}));
        QCOMPARE(env->maxTokens, std::optional<quint64>(50000));
        QCOMPARE(env->agentIdleTimeoutSec, 300u);
    }

    void badAmountsAndCommands_data()
    {
        QTest::addColumn<QByteArray>("toml");
        QTest::addColumn<QString>("env");
        QTest::addColumn<QString>("expected");
        QTest::newRow("negative cost") << QByteArray("max_cost_usd = -1.0\n") << QString()
                                       << u"key 'max_cost_usd' (line 1): expected a non-negative number such as 2.50"_s;
        QTest::newRow("cost as a string") << QByteArray("max_cost_usd = \"5\"\n") << QString() << u"found string"_s;
        QTest::newRow("a command of numbers") << QByteArray("notify_commands = [[1]]\n") << QString()
                                              << u"notify_commands[0][0]"_s;
        QTest::newRow("an empty command") << QByteArray("notify_commands = [\"  \"]\n") << QString()
                                          << u"key 'notify_commands[0]' (line 1): expected a command with a program"_s;
        QTest::newRow("env amount with an exponent") << QByteArray() << u"PEAL_MAX_COST_USD=1e3"_s
                                                     << u"expected a non-negative amount such as 2.50"_s;
        QTest::newRow("env amount negative") << QByteArray() << u"PEAL_TASK_MAX_COST_USD=-2"_s
                                             << u"expected a non-negative amount such as 2.50"_s;
    }

    void badAmountsAndCommands()
    {
        QFETCH(QByteArray, toml);
        QFETCH(QString, env);
        QFETCH(QString, expected);
        Env vars;
        if (!env.isEmpty())
            vars.insert(env.section(u'=', 0, 0), env.section(u'=', 1));
        auto config = toml.isEmpty() ? loadNoFile(vars, requiredCli()) : load(toml, vars);
        QVERIFY(!config);
        QVERIFY2(config.error().toDisplayString().contains(expected), qPrintable(config.error().toDisplayString()));
    }

    void invalidTomlReturnsError()
    {
        auto config = load("this is = = not toml [");
        QVERIFY(!config);
        QVERIFY(config.error().message().startsWith(u"failed to parse config file "));
        QVERIFY(config.error().message().contains(u"line 1"));
    }

    void unknownTomlKeyReturnsError()
    {
        auto config = load("plan_path = \"p\"\nrepo_path = \"r\"\nbogus_key = 1\n");
        QVERIFY(!config);
        QVERIFY(config.error().message().startsWith(u"failed to parse config file "));
        QVERIFY(config.error().message().contains(u"unknown key 'bogus_key' (line 3)"));
    }

    void unknownTomlKeySuggestsNearest_data()
    {
        QTest::addColumn<QByteArray>("toml");
        QTest::addColumn<QString>("suggestion");
        QTest::newRow("typo") << QByteArray("max_paralel = 2\n") << u"max_parallel"_s;
        QTest::newRow("dash") << QByteArray("\"phase-timeout-sec\" = 2\n") << u"phase_timeout_sec"_s;
        QTest::newRow("cli name") << QByteArray("stet_start_args = []\n")
                                  << u"stet_start_extra_args"_s;
        QTest::newRow("nothing close") << QByteArray("zzzzzzzzzzzzzzzzzz = 1\n") << QString();
    }
    void unknownTomlKeySuggestsNearest()
    {
        QFETCH(QByteArray, toml);
        QFETCH(QString, suggestion);
        auto config = load(toml);
        QVERIFY(!config);
        if (suggestion.isEmpty())
            QVERIFY(!config.error().message().contains(u"did you mean"));
        else
            QVERIFY2(config.error().message().contains(
                         QStringLiteral("did you mean '%1'?").arg(suggestion)),
                     qPrintable(config.error().message()));
    }

    void missingConfigFileReturnsError()
    {
        auto config = ConfigLoader::load(m_dir.filePath(u"does-not-exist.toml"_s), requiredCli(),
                                         envFrom({}));
        QVERIFY(!config);
        QVERIFY(config.error().message().startsWith(u"failed to read config file "));
        QVERIFY(config.error().message().contains(u"does-not-exist.toml"));
    }

    void configFileIsADirectory()
    {
        auto config = ConfigLoader::load(m_dir.path(), requiredCli(), envFrom({}));
        QVERIFY(!config);
        QVERIFY2(config.error().message().startsWith(u"failed to"),
                 qPrintable(config.error().message()));
    }

    void tomlTypeErrorsNameKeyLineAndValue_data()
    {
        QTest::addColumn<QByteArray>("toml");
        QTest::addColumn<QString>("expected");
        QTest::newRow("string for u32") << QByteArray("\n\nmax_parallel = \"four\"\n")
                                        << u"key 'max_parallel' (line 3): expected a non-negative "
                                           "integer up to 4294967295, found string \"four\""_s;
        QTest::newRow("negative u32") << QByteArray("max_address_rounds = -1\n")
                                      << u"found integer -1"_s;
        QTest::newRow("too large u32") << QByteArray("phase_retry_count = 4294967296\n")
                                       << u"up to 4294967295, found integer 4294967296"_s;
        QTest::newRow("float u64") << QByteArray("phase_timeout_sec = 1.5\n") << u"found float"_s;
        QTest::newRow("string for bool") << QByteArray("parallel = \"true\"\n")
                                         << u"key 'parallel' (line 1): expected a boolean"_s;
        QTest::newRow("int for string") << QByteArray("agent_cmd = 3\n")
                                        << u"expected a string, found integer 3"_s;
        QTest::newRow("string for list") << QByteArray("post_run_commands = \"echo\"\n")
                                         << u"expected an array of strings"_s;
        QTest::newRow("list of ints") << QByteArray("stet_commands = [\"a\", 2]\n")
                                      << u"key 'stet_commands[1]'"_s;
        QTest::newRow("pattern without reason")
            << QByteArray("stet_dismiss_patterns = [{pattern = \"x\"}]\n")
            << u"key 'stet_dismiss_patterns[0]' (line 1): missing field 'reason'"_s;
        QTest::newRow("pattern not a table") << QByteArray("stet_dismiss_patterns = [\"x\"]\n")
                                             << u"expected a table"_s;
        QTest::newRow("pattern reason int")
            << QByteArray("stet_dismiss_patterns = [{pattern = \"x\", reason = 1}]\n")
            << u"stet_dismiss_patterns[0].reason"_s;
    }
    void tomlTypeErrorsNameKeyLineAndValue()
    {
        QFETCH(QByteArray, toml);
        QFETCH(QString, expected);
        auto config = load(toml);
        QVERIFY(!config);
        QVERIFY2(config.error().message().startsWith(u"failed to parse config file "),
                 qPrintable(config.error().message()));
        QVERIFY2(config.error().message().contains(expected), qPrintable(config.error().message()));
    }

    void tomlEmptyValuesCount()
    {
        // Empty strings and lists from the file are real values (spec §2.1).
        auto config = load("plan_path = \"p\"\nrepo_path = \"r\"\nmodel = \"\"\nsandbox = \"\"\n"
                           "stet_start_extra_args = []\n");
        QVERIFY(config);
        QCOMPARE(config->model, std::optional<QString>(QString()));
        QCOMPARE(config->sandbox, QString());
        QVERIFY(config->stetStartExtraArgs.isEmpty());
    }

    void dismissPatternExtraFieldsIgnored()
    {
        auto config = load("plan_path = \"p\"\nrepo_path = \"r\"\n"
                           "stet_dismiss_patterns = [{pattern = \"gen\", reason = "
                           "\"out_of_scope\", note = \"ignored\"}]\n");
        QVERIFY(config);
        QCOMPARE(config->stetDismissPatterns,
                 (QList<DismissPattern>{{u"gen"_s, u"out_of_scope"_s}}));
    }

    void invalidDismissReasonFromTomlRejected()
    {
        auto config = load("plan_path = \"p\"\nrepo_path = \"r\"\n"
                           "stet_dismiss_patterns = [{pattern = \"x\", reason = \"nope\"}]\n");
        QVERIFY(!config);
        QCOMPARE(config.error().message(),
                 u"Invalid stet_dismiss_patterns reason 'nope' (expected one of: false_positive, "
                 "already_correct, wrong_suggestion, out_of_scope)"_s);
        QVERIFY(config.error().hint().contains(u"stet_dismiss_patterns"));
    }

    void envStetCommandsParsedFromCommaSeparated()
    {
        auto config = loadNoFile({{u"PEAL_STET_COMMANDS"_s, u"stet start HEAD~1, stet run"_s}},
                                 requiredCli());
        QVERIFY(config);
        QCOMPARE(config->stetCommands, (QStringList{u"stet start HEAD~1"_s, u"stet run"_s}));
    }

    void envListSplitting_data()
    {
        QTest::addColumn<QString>("var");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("stet commands keep empty") << u"PEAL_STET_COMMANDS"_s << u"a,,b"_s
                                                  << QStringList{u"a"_s, u""_s, u"b"_s};
        QTest::newRow("stet commands trailing comma") << u"PEAL_STET_COMMANDS"_s << u"a, b,"_s
                                                      << QStringList{u"a"_s, u"b"_s, u""_s};
        QTest::newRow("post-run drop empty") << u"PEAL_POST_RUN_COMMANDS"_s
                                             << u" stet finish, ,echo done,"_s
                                             << QStringList{u"stet finish"_s, u"echo done"_s};
        QTest::newRow("start args spaces") << u"PEAL_STET_START_EXTRA_ARGS"_s
                                           << u"--verify --context 256k"_s
                                           << QStringList{u"--verify"_s, u"--context"_s,
                                                          u"256k"_s};
        QTest::newRow("run args commas") << u"PEAL_STET_RUN_EXTRA_ARGS"_s
                                         << u"--a,--b,256k"_s
                                         << QStringList{u"--a"_s, u"--b"_s, u"256k"_s};
        QTest::newRow("run args mixed") << u"PEAL_STET_RUN_EXTRA_ARGS"_s << u" --a , --b\t--c,,"_s
                                        << QStringList{u"--a"_s, u"--b"_s, u"--c"_s};
    }
    void envListSplitting()
    {
        QFETCH(QString, var);
        QFETCH(QString, value);
        QFETCH(QStringList, expected);
        auto config = loadNoFile({{var, value}}, requiredCli());
        QVERIFY(config);
        QStringList actual;
        if (var == u"PEAL_STET_COMMANDS")
            actual = config->stetCommands;
        else if (var == u"PEAL_POST_RUN_COMMANDS")
            actual = config->postRunCommands;
        else if (var == u"PEAL_STET_START_EXTRA_ARGS")
            actual = config->stetStartExtraArgs;
        else
            actual = config->stetRunExtraArgs;
        QCOMPARE(actual, expected);
    }

    void envDismissPatterns_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QList<DismissPattern>>("expected");
        QTest::newRow("two valid") << u"generated|out_of_scope, false positive|false_positive"_s
                                   << QList<DismissPattern>{{u"generated"_s, u"out_of_scope"_s},
                                                            {u"false positive"_s,
                                                             u"false_positive"_s}};
        QTest::newRow("invalid skipped one by one")
            << u"a|nope, no-bar, |false_positive, b | already_correct ,,"_s
            << QList<DismissPattern>{{u"b"_s, u"already_correct"_s}};
        QTest::newRow("split at first bar") << u"x|y|out_of_scope"_s << QList<DismissPattern>{};
        QTest::newRow("reason keeps bar") << u"x | wrong_suggestion"_s
                                          << QList<DismissPattern>{{u"x"_s,
                                                                    u"wrong_suggestion"_s}};
    }
    void envDismissPatterns()
    {
        QFETCH(QString, value);
        QFETCH(QList<DismissPattern>, expected);
        auto config = loadNoFile({{u"PEAL_STET_DISMISS_PATTERNS"_s, value}}, requiredCli());
        QVERIFY(config);
        QCOMPARE(config->stetDismissPatterns, expected);
    }

    void parseExtraArgsSplitsSpaceAndComma()
    {
        QCOMPARE(ConfigValues::splitExtraArgs(u"--a --b"), (QStringList{u"--a"_s, u"--b"_s}));
        QCOMPARE(ConfigValues::splitExtraArgs(u"--a,--b,256k"),
                 (QStringList{u"--a"_s, u"--b"_s, u"256k"_s}));
        QCOMPARE(ConfigValues::splitExtraArgs(u""), QStringList());
        QCOMPARE(ConfigValues::splitExtraArgs(u" , ,"), QStringList());
    }

    void parallelDerivation_data()
    {
        QTest::addColumn<QByteArray>("toml");
        QTest::addColumn<Env>("env");
        QTest::addColumn<std::optional<quint32>>("cliMax");
        QTest::addColumn<bool>("cliParallel");
        QTest::addColumn<bool>("parallel");
        QTest::addColumn<quint32>("maxParallel");
        using O = std::optional<quint32>;
        QTest::newRow("nothing set") << QByteArray() << Env{} << O{} << false << false << 4u;
        QTest::newRow("cli max implies parallel") << QByteArray() << Env{} << O{2} << false << true << 2u;
        QTest::newRow("file parallel=false beats cli max")
            << QByteArray("parallel = false\n") << Env{} << O{2} << false << false << 2u;
        QTest::newRow("env false beats file true")
            << QByteArray("parallel = true\n") << Env{{u"PEAL_PARALLEL"_s, u"false"_s}} << O{}
            << false << false << 4u;
        QTest::newRow("max 0 forces off") << QByteArray("parallel = true\n") << Env{} << O{0}
                                          << true << false << 0u;
        QTest::newRow("file max implies parallel") << QByteArray("max_parallel = 3\n") << Env{}
                                                   << O{} << false << true << 3u;
        QTest::newRow("env max 1") << QByteArray() << Env{{u"PEAL_MAX_PARALLEL"_s, u"1"_s}} << O{}
                                   << false << true << 1u;
        QTest::newRow("cli switch") << QByteArray() << Env{} << O{} << true << true << 4u;
    }
    void parallelDerivation()
    {
        QFETCH(QByteArray, toml);
        QFETCH(Env, env);
        QFETCH(std::optional<quint32>, cliMax);
        QFETCH(bool, cliParallel);
        QFETCH(bool, parallel);
        QFETCH(quint32, maxParallel);
        ConfigLayer cli = requiredCli();
        cli.maxParallel = cliMax;
        if (cliParallel)
            cli.parallel = true;
        auto config = load(toml, env, cli);
        QVERIFY(config);
        QCOMPARE(config->parallel, parallel);
        QCOMPARE(config->maxParallel, maxParallel);
    }

    void parallelFlagFromCli()
    {
        ConfigLayer cli = requiredCli();
        QVERIFY(ConfigLoader::setFromCommandLine(cli, u"--max-parallel"_s, u"2"_s));
        auto config = loadNoFile({}, cli);
        QVERIFY(config);
        QVERIFY(config->parallel);
        QCOMPARE(config->maxParallel, 2u);
    }

    void invalidEnvVarReturnsError()
    {
        auto config = loadNoFile({{u"PEAL_MAX_PARALLEL"_s, u"not-a-number"_s}}, requiredCli());
        QVERIFY(!config);
        QCOMPARE(config.error().message(),
                 u"Failed to parse environment variable 'PEAL_MAX_PARALLEL': invalid digit found "
                 "in string"_s);
        QCOMPARE(config.error().hint(), u"value \"not-a-number\""_s);
    }

    void envValueParsing_data()
    {
        QTest::addColumn<QString>("var");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("error"); // empty: accepted
        QTest::newRow("plus sign") << u"PEAL_MAX_ADDRESS_ROUNDS"_s << u"+7"_s << QString();
        QTest::newRow("minus") << u"PEAL_MAX_ADDRESS_ROUNDS"_s << u"-1"_s
                               << u"invalid digit found in string"_s;
        QTest::newRow("space") << u"PEAL_PHASE_RETRY_COUNT"_s << u" 1"_s
                               << u"invalid digit found in string"_s;
        QTest::newRow("only plus") << u"PEAL_PHASE_RETRY_COUNT"_s << u"+"_s
                                   << u"invalid digit found in string"_s;
        QTest::newRow("u32 overflow") << u"PEAL_MAX_PARALLEL"_s << u"4294967296"_s
                                      << u"number too large to fit in target type"_s;
        QTest::newRow("u32 max") << u"PEAL_MAX_PARALLEL"_s << u"4294967295"_s << QString();
        QTest::newRow("u64 max") << u"PEAL_PHASE_TIMEOUT_SEC"_s << u"18446744073709551615"_s
                                 << QString();
        QTest::newRow("u64 overflow") << u"PEAL_PHASE_TIMEOUT_SEC"_s << u"18446744073709551616"_s
                                      << u"number too large to fit in target type"_s;
        // Rust stops at the first error in reading order.
        QTest::newRow("overflow before invalid digit") << u"PEAL_MAX_PARALLEL"_s << u"99999999999x"_s
                                                       << u"number too large to fit in target type"_s;
        QTest::newRow("u64 overflow before invalid digit")
            << u"PEAL_PHASE_TIMEOUT_SEC"_s << u"99999999999999999999-"_s
            << u"number too large to fit in target type"_s;
        QTest::newRow("invalid digit before overflow") << u"PEAL_MAX_PARALLEL"_s << u"1x99999999999"_s
                                                       << u"invalid digit found in string"_s;
        QTest::newRow("invalid digit right after max") << u"PEAL_MAX_PARALLEL"_s << u"4294967295x"_s
                                                       << u"invalid digit found in string"_s;
        QTest::newRow("arabic digits") << u"PEAL_MAX_PARALLEL"_s << u"\u0663"_s
                                       << u"invalid digit found in string"_s;
        QTest::newRow("bool TRUE") << u"PEAL_PARALLEL"_s << u"TRUE"_s
                                   << u"provided string was not `true` or `false`"_s;
        QTest::newRow("bool 1") << u"PEAL_COMMIT_AFTER_PHASE2"_s << u"1"_s
                                << u"provided string was not `true` or `false`"_s;
        QTest::newRow("bool yes") << u"PEAL_NORMALIZE_PLAN"_s << u"yes"_s
                                  << u"provided string was not `true` or `false`"_s;
        QTest::newRow("bool false") << u"PEAL_VALIDATE_PLAN_TEXT"_s << u"false"_s << QString();
        QTest::newRow("string verbatim") << u"PEAL_SANDBOX"_s << u"  spaced  "_s << QString();
    }
    void envValueParsing()
    {
        QFETCH(QString, var);
        QFETCH(QString, value);
        QFETCH(QString, error);
        auto config = loadNoFile({{var, value}}, requiredCli());
        if (error.isEmpty()) {
            QVERIFY2(config, qPrintable(config ? QString() : config.error().message()));
            if (var == u"PEAL_SANDBOX")
                QCOMPARE(config->sandbox, value);
        } else {
            QVERIFY(!config);
            QCOMPARE(config.error().message(),
                     QStringLiteral("Failed to parse environment variable '%1': %2").arg(var, error));
        }
    }

    void envErrorsReportedInReferenceOrder()
    {
        // Both are bad; the reference parses PHASE_TIMEOUT_SEC before MAX_PARALLEL.
        auto config = loadNoFile({{u"PEAL_MAX_PARALLEL"_s, u"x"_s},
                                  {u"PEAL_PHASE_TIMEOUT_SEC"_s, u"y"_s},
                                  {u"PEAL_COMMIT_AFTER_PHASE2"_s, u"z"_s}},
                                 requiredCli());
        QVERIFY(!config);
        QVERIFY(config.error().message().contains(u"'PEAL_PHASE_TIMEOUT_SEC'"));
    }

    void fileErrorBeforeEnvError()
    {
        auto config = load("bogus = 1\n", {{u"PEAL_MAX_PARALLEL"_s, u"x"_s}});
        QVERIFY(!config);
        QVERIFY(config.error().message().startsWith(u"failed to parse config file"));
    }

    void emptyEnvValuesAreUnset()
    {
        auto config = load("plan_path = \"p\"\nrepo_path = \"r\"\nmodel = \"file-model\"\n",
                           {{u"PEAL_MODEL"_s, QString()}, {u"PEAL_MAX_PARALLEL"_s, QString()}});
        QVERIFY(config);
        QCOMPARE(config->model, std::optional<QString>(u"file-model"_s));
        QVERIFY(!config->parallel);
    }

    void emptyCliValuesCount()
    {
        ConfigLayer cli = requiredCli();
        QVERIFY(ConfigLoader::setFromCommandLine(cli, u"--model"_s, QString()));
        QVERIFY(ConfigLoader::setFromCommandLine(cli, u"--stet-start-args"_s, QString()));
        auto config = load("model = \"file-model\"\nstet_start_extra_args = [\"--x\"]\n", {}, cli);
        QVERIFY(config);
        QCOMPARE(config->model, std::optional<QString>(QString()));
        QVERIFY(config->stetStartExtraArgs.isEmpty());
    }

    void systemEnvironmentIgnoresEmptyAndInvalidUtf8()
    {
        qputenv("PEAL_MODEL", QByteArray());
        qputenv("PEAL_SANDBOX", QByteArray("\xff\xfe"));
        qputenv("PEAL_STATE_DIR", QByteArray("st\xc3\xa9"));
        const EnvLookup env = ConfigLoader::systemEnvironment();
        QVERIFY(!env(u"MODEL"_s));
        QVERIFY(!env(u"SANDBOX"_s));
        QCOMPARE(env(u"STATE_DIR"_s), std::optional<QString>(u"st\u00e9"_s));
        QVERIFY(!env(u"NOT_SET_ANYWHERE"_s));
        qunsetenv("PEAL_MODEL");
        qunsetenv("PEAL_SANDBOX");
        qunsetenv("PEAL_STATE_DIR");
    }

    // One row per key and layer: each source reaches its key (reference tests 2-5, 28-31,
    // 34-35, 37-64 are rows of this table).
    void eachKeyFromEachSource_data()
    {
        QTest::addColumn<QString>("source"); // toml | env | cli
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("text");   // TOML value, env value or CLI value
        QTest::addColumn<QString>("expected"); // rendering of the merged value

        struct Row { const char *key; const char *toml; const char *env; const char *cli; const char *expected; };
        const Row rows[] = {
            {"validate_plan_text", "true", "true", "", "true"},
            {"min_plan_text_len", "500", "100", "200", "*"},
            {"on_findings_remaining", "\"warn\"", "warn", "warn", "warn"},
            {"normalize_plan", "true", "true", "", "true"},
            {"normalize_retry_count", "2", "3", "4", "*"},
            {"phase_3_retry_count", "2", "1", "2", "*"},
            {"commit_after_phase2", "true", "true", "", "true"},
            {"run_summary_path", "\"out/s.json\"", "out/s.json", "out/s.json", "out/s.json"},
            {"max_consecutive_task_failures", "3", "5", "2", "*"},
            {"normalize_prompt_path", "\"/tmp/custom-prompt.txt\"", "/tmp/custom-prompt.txt", nullptr,
             "/tmp/custom-prompt.txt"},
            {"post_run_timeout_sec", "60", "120", "90", "*"},
            {"stet_start_ref", "\"HEAD~1\"", "HEAD~1", "HEAD~1", "HEAD~1"},
            {"log_level", "\"debug\"", "debug", "debug", "debug"},
            {"log_file", "\"peal.log\"", "peal.log", "peal.log", "peal.log"},
            {"stet_path", "\"/opt/stet\"", "/opt/stet", "/opt/stet", "/opt/stet"},
            {"stet_disable_llm_triage", "true", "true", "true", "true"},
            {"resume_sessions", "false", "false", "false", "false"},
            {"agent_fallback", "[\"codex\", \"gemini\"]", "codex,gemini", "codex, gemini", "codex|gemini"},
            {"fallback_after_overloads", "5", "0", "2", "*"},
            {"on_stet_fail", "\"skip\"", "skip", "skip", "skip"},
            {"isolation", "\"worktree\"", "worktree", "worktree", "worktree"},
            {"phase_retry_count", "1", "1", "1", "1"},
            {"continue_with_remaining_tasks", "true", "true", "", "true"},
            {"post_run_commands", "[\"stet finish\", \"echo done\"]", "stet finish, echo done",
             "stet finish,echo done", "stet finish|echo done"},
            {"stet_run_extra_args", "[\"--verify\", \"--context\", \"256k\"]", "--verify --context 256k",
             "--verify --context 256k", "--verify|--context|256k"},
            {"stet_start_extra_args", "[\"--allow-dirty\"]", "--allow-dirty", "--allow-dirty",
             "--allow-dirty"},
            {"agent_plugin", "\"claude\"", "claude", "claude", "claude"},
            {"phases", "[\"plan\", \"execute\", \"tests-gate\"]", "plan, execute,tests-gate,",
             "plan,execute,tests-gate", "plan|execute|tests-gate"},
        };
        for (const Row &row : rows) {
            const QString key = QString::fromLatin1(row.key);
            const auto expected = [&](const char *text) {
                return QString::fromLatin1(row.expected) == u"*" ? QString::fromLatin1(text)
                                                                 : QString::fromLatin1(row.expected);
            };
            QString tomlText = QString::fromLatin1(row.toml);
            QTest::addRow("%s from toml", row.key) << u"toml"_s << key << tomlText
                                                   << expected(row.toml);
            QTest::addRow("%s from env", row.key) << u"env"_s << key << QString::fromLatin1(row.env)
                                                  << expected(row.env);
            if (row.cli)
                QTest::addRow("%s from cli", row.key) << u"cli"_s << key
                                                      << QString::fromLatin1(row.cli)
                                                      << expected(*row.cli ? row.cli : "true");
        }
    }
    void eachKeyFromEachSource()
    {
        QFETCH(QString, source);
        QFETCH(QString, key);
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const ConfigKeyInfo *info = nullptr;
        for (const ConfigKeyInfo &k : ConfigLoader::keys())
            if (k.key == key)
                info = &k;
        QVERIFY(info);

        ConfigLayer cli = requiredCli();
        Env env;
        QByteArray toml;
        if (source == u"toml")
            toml = (key + u" = " + text + u'\n').toUtf8();
        else if (source == u"env")
            env.insert(info->envVar, text);
        else
            QVERIFY(ConfigLoader::setFromCommandLine(cli, info->cliFlag, text));
        auto config = load(toml, env, cli);
        QVERIFY2(config, qPrintable(config ? QString() : config.error().toDisplayString()));
        QCOMPARE(render(*config, key), expected);
        QVERIFY(!config->originOf(key).isEmpty());
    }

    void maxConsecutiveTaskFailuresPrecedence()
    {
        ConfigLayer cli = requiredCli();
        cli.maxConsecutiveTaskFailures = 2;
        auto config = load("max_consecutive_task_failures = 10\n",
                           {{u"PEAL_MAX_CONSECUTIVE_TASK_FAILURES"_s, u"7"_s}}, cli);
        QVERIFY(config);
        QCOMPARE(config->maxConsecutiveTaskFailures, std::optional<quint32>(2));
        auto envWins = load("max_consecutive_task_failures = 10\n",
                            {{u"PEAL_MAX_CONSECUTIVE_TASK_FAILURES"_s, u"7"_s}}, requiredCli());
        QVERIFY(envWins);
        QCOMPARE(envWins->maxConsecutiveTaskFailures, std::optional<quint32>(7));
    }

    void normalizePlanCliOverridesEnvAndFile()
    {
        ConfigLayer cli = requiredCli();
        QVERIFY(ConfigLoader::setFromCommandLine(cli, u"--normalize"_s, QString()));
        auto config = load("normalize_plan = false\n", {{u"PEAL_NORMALIZE_PLAN"_s, u"false"_s}}, cli);
        QVERIFY(config);
        QVERIFY(config->normalizePlan);
    }

    void onFindingsRemainingCliOverridesEnv()
    {
        ConfigLayer cli = requiredCli();
        cli.onFindingsRemaining = u"fail"_s;
        auto config = loadNoFile({{u"PEAL_ON_FINDINGS_REMAINING"_s, u"warn"_s}}, cli);
        QVERIFY(config);
        QCOMPARE(config->onFindingsRemaining, u"fail"_s);
    }

    void cliSwitchesOnlyEnable()
    {
        // No CLI flag can turn a file `true` off; only --stet-disable-llm-triage takes a value.
        ConfigLayer cli = requiredCli();
        QVERIFY(ConfigLoader::setFromCommandLine(cli, u"--stet-disable-llm-triage"_s, u"false"_s));
        auto config = load("stet_disable_llm_triage = true\ncommit_after_phase2 = true\n", {}, cli);
        QVERIFY(config);
        QVERIFY(!config->stetDisableLlmTriage);
        QVERIFY(config->commitAfterPhase2);
    }

    void cliValueErrors_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("message");
        QTest::newRow("number") << u"--max-parallel"_s << u"abc"_s
                                << u"invalid value 'abc' for '--max-parallel <N>': invalid digit "
                                   "found in string"_s;
        QTest::newRow("bool") << u"--stet-disable-llm-triage"_s << u"yes"_s
                              << u"invalid value 'yes' for '--stet-disable-llm-triage <BOOL>': "
                                 "provided string was not `true` or `false`"_s;
        QTest::newRow("empty number") << u"--phase-timeout-sec"_s << QString()
                                      << u"cannot parse integer from empty string"_s;
        QTest::newRow("unknown flag") << u"--bogus"_s << u"1"_s << u"unknown option '--bogus'"_s;
        QTest::newRow("overflow then junk") << u"--max-parallel"_s << u"99999999999x"_s
                                            << u"number too large to fit in target type"_s;
    }
    void cliValueErrors()
    {
        QFETCH(QString, flag);
        QFETCH(QString, value);
        QFETCH(QString, message);
        ConfigLayer cli;
        auto set = ConfigLoader::setFromCommandLine(cli, flag, value);
        QVERIFY(!set);
        QVERIFY2(set.error().message().contains(message), qPrintable(set.error().message()));
    }

    void keyTableIsComplete()
    {
        const QList<ConfigKeyInfo> &keys = ConfigLoader::keys();
        // the 34 of the reference, `isolation`, `phases`, `agent_plugin`, `reviewer_plugin`,
        // the six per-phase agents and models, `allow_dirty`, `strict_plan`, and the twelve of
        // unattended runs (docs/unattended.md)
        QCOMPARE(keys.size(), 68); // and `executor`, `worktree_root`, `on_no_changes`, `normalize_graph`,
                                   // `resume_sessions`, the four `*agent_fallback` and `fallback_after_overloads`
        QSet<QString> names;
        for (const ConfigKeyInfo &k : keys) {
            QVERIFY(!k.key.isEmpty());
            QCOMPARE(k.envVar, QStringLiteral("PEAL_") + k.key.toUpper());
            QVERIFY(!k.help.isEmpty());
            QVERIFY(!k.defaultText.isEmpty());
            names.insert(k.key);
        }
        QCOMPARE(names.size(), keys.size());
        // The flags whose names differ from their keys (spec §2.2).
        for (const ConfigKeyInfo &k : keys) {
            if (k.key == u"stet_start_extra_args")
                QCOMPARE(k.cliFlag, u"--stet-start-args"_s);
            if (k.key == u"normalize_plan")
                QCOMPARE(k.cliFlag, u"--normalize"_s);
            if (k.key == u"stet_commands" || k.key == u"stet_dismiss_patterns"
                || k.key == u"normalize_prompt_path")
                QVERIFY(k.cliFlag.isEmpty());
        }
    }

    // ---- stage 2 validation (spec §2.6) ----

    void validateSucceedsWithValidFileAndDirectory()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::initGitRepo(dir.path()));
        QVERIFY(PealTest::writeFile(dir.filePath(u"plan.md"_s), "## Task 1\nx\n"));
        Result<void> result = Error();
        validateAsync(validConfig(dir.filePath(u"plan.md"_s), dir.path()), &result);
        QVERIFY(result);
    }

    void validateAcceptsSubdirectoryOfWorkTree()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::initGitRepo(dir.path()));
        QVERIFY(QDir(dir.path()).mkpath(u"sub/dir"_s));
        QVERIFY(PealTest::writeFile(dir.filePath(u"plan.md"_s), "## Task 1\nx\n"));
        Result<void> result = Error();
        validateAsync(validConfig(dir.filePath(u"plan.md"_s), dir.filePath(u"sub/dir"_s)), &result);
        QVERIFY(result);
    }

    void validateFailures_data()
    {
        QTest::addColumn<QString>("planKind"); // file | missing | dir
        QTest::addColumn<QString>("repoKind"); // git | missing | file | plain
        QTest::addColumn<QString>("findings");
        QTest::addColumn<QString>("stetFail");
        QTest::addColumn<QString>("message"); // prefix
        QTest::newRow("plan missing") << u"missing"_s << u"git"_s << u"fail"_s << u"fail"_s
                                      << u"Invalid or missing plan file."_s;
        QTest::newRow("plan is a directory") << u"dir"_s << u"git"_s << u"fail"_s << u"fail"_s
                                             << u"Invalid or missing plan file."_s;
        QTest::newRow("repo missing") << u"file"_s << u"missing"_s << u"fail"_s << u"fail"_s
                                      << u"Repo path does not exist: "_s;
        QTest::newRow("repo is a file") << u"file"_s << u"file"_s << u"fail"_s << u"fail"_s
                                        << u"Target path is not a directory: "_s;
        QTest::newRow("repo not git") << u"file"_s << u"plain"_s << u"fail"_s << u"fail"_s
                                      << u"Target path is not a git repository: "_s;
        QTest::newRow("bad on_findings_remaining") << u"file"_s << u"git"_s << u"panic"_s
                                                   << u"fail"_s
                                                   << u"Invalid on_findings_remaining value 'panic' "
                                                      "(expected \"fail\" or \"warn\")"_s;
        QTest::newRow("bad on_stet_fail") << u"file"_s << u"git"_s << u"fail"_s << u"explode"_s
                                          << u"Invalid on_stet_fail value 'explode' (expected "
                                             "\"fail\", \"retry_once\", or \"skip\")"_s;
        QTest::newRow("bad isolation") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                       << u"Invalid isolation value 'container' (expected \"none\" or \"worktree\")"_s;
        QTest::newRow("phases without execute") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                                << u"Invalid phases value [plan, address]: \"plan\" and \"execute\" are required"_s;
        QTest::newRow("phases out of order") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                             << u"Invalid phases value [execute, plan]: \"plan\" must come before \"execute\""_s;
        QTest::newRow("phases repeated") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                         << u"Invalid phases value [plan, execute, plan]: phase 'plan' appears more than once"_s;
        QTest::newRow("phases empty name") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                           << u"Invalid phases value [plan, , execute]: a phase name is empty"_s;
        QTest::newRow("bad on_rate_limit") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                           << u"Invalid on_rate_limit value 'sleep'"_s;
        QTest::newRow("bad notify_on") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                       << u"Invalid notify_on value 'lunch'"_s;
        QTest::newRow("bad rate_limit_patterns") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                                 << u"Invalid rate_limit_patterns regex '(unclosed'"_s;
        QTest::newRow("zero backoff") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                      << u"Invalid rate_limit_backoff_sec value 0 (expected at least 1 second)"_s;
        QTest::newRow("zero max wait") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                       << u"Invalid rate_limit_max_wait_sec value 0 (expected at least 1 second"_s;
        QTest::newRow("zero cost budget") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                          << u"Invalid max_cost_usd value 0 (expected more than 0; leave it out for no limit)"_s;
        QTest::newRow("zero task token budget") << u"file"_s << u"git"_s << u"fail"_s << u"fail"_s
                                                << u"Invalid task_max_tokens value 0 (expected at least 1"_s;
        QTest::newRow("order: plan before enums") << u"missing"_s << u"git"_s << u"x"_s << u"y"_s
                                                  << u"Invalid or missing plan file."_s;
        QTest::newRow("order: git before enums") << u"file"_s << u"plain"_s << u"x"_s << u"y"_s
                                                 << u"Target path is not a git repository"_s;
        QTest::newRow("order: findings before stet") << u"file"_s << u"git"_s << u"x"_s << u"y"_s
                                                     << u"Invalid on_findings_remaining"_s;
    }
    void validateFailures()
    {
        QFETCH(QString, planKind);
        QFETCH(QString, repoKind);
        QFETCH(QString, findings);
        QFETCH(QString, stetFail);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString plan = dir.filePath(u"plan.md"_s);
        const QString repo = dir.filePath(u"repo"_s);
        QVERIFY(makePaths(plan, planKind, repo, repoKind));
        Config config = validConfig(plan, repo);
        config.onFindingsRemaining = findings;
        config.onStetFail = stetFail;
        const QByteArray tag = QTest::currentDataTag();
        if (tag == "bad isolation")
            config.isolation = u"container"_s;
        if (tag == "phases without execute")
            config.phases = QStringList{u"plan"_s, u"address"_s};
        if (tag == "phases out of order")
            config.phases = QStringList{u"execute"_s, u"plan"_s};
        if (tag == "phases repeated")
            config.phases = QStringList{u"plan"_s, u"execute"_s, u"plan"_s};
        if (tag == "phases empty name")
            config.phases = QStringList{u"plan"_s, QString(), u"execute"_s};
        if (tag == "bad on_rate_limit")
            config.onRateLimit = u"sleep"_s;
        if (tag == "bad notify_on")
            config.notifyOn = QStringList{u"run_done"_s, u"lunch"_s};
        if (tag == "bad rate_limit_patterns")
            config.rateLimitPatterns = QStringList{u"(unclosed"_s};
        if (tag == "zero backoff")
            config.rateLimitBackoffSec = 0;
        if (tag == "zero max wait")
            config.rateLimitMaxWaitSec = 0;
        if (tag == "zero cost budget")
            config.maxCostUsd = 0.0;
        if (tag == "zero task token budget")
            config.taskMaxTokens = 0;
        Result<void> result;
        validateAsync(config, &result);
        QVERIFY(!result);
        QVERIFY2(result.error().message().startsWith(message),
                 qPrintable(result.error().message()));
    }

    void validateHintsNameTheOrigin_data()
    {
        QTest::addColumn<QString>("planKind"); // file | missing | dir
        QTest::addColumn<QString>("repoKind"); // git | missing | file | plain
        QTest::addColumn<QString>("source");   // cli | env | toml
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("hint"); // %1: the plan path, %2: the config file
        QTest::newRow("plan missing, flag") << u"missing"_s << u"git"_s << u"cli"_s
                                            << u"Invalid or missing plan file."_s
                                            << u"%1: no such file; set by --plan"_s;
        QTest::newRow("plan is a directory, env") << u"dir"_s << u"git"_s << u"env"_s
                                                  << u"Invalid or missing plan file."_s
                                                  << u"%1: not a regular file; set by PEAL_PLAN_PATH"_s;
        QTest::newRow("plan missing, file") << u"missing"_s << u"git"_s << u"toml"_s
                                            << u"Invalid or missing plan file."_s
                                            << u"%1: no such file; set by %2: plan_path"_s;
        QTest::newRow("repo missing, flag") << u"file"_s << u"missing"_s << u"cli"_s
                                            << u"Repo path does not exist: "_s << u"set by --repo"_s;
        QTest::newRow("repo is a file, env") << u"file"_s << u"file"_s << u"env"_s
                                             << u"Target path is not a directory: "_s << u"set by PEAL_REPO_PATH"_s;
        QTest::newRow("repo not git, file") << u"file"_s << u"plain"_s << u"toml"_s
                                            << u"Target path is not a git repository: "_s
                                            << u"; set by %2: repo_path"_s;
    }
    void validateHintsNameTheOrigin()
    {
        QFETCH(QString, planKind);
        QFETCH(QString, repoKind);
        QFETCH(QString, source);
        QFETCH(QString, message);
        QFETCH(QString, hint);
        QTemporaryDir dir;
        const QString plan = dir.filePath(u"plan.md"_s);
        const QString repo = dir.filePath(u"repo"_s);
        QVERIFY(makePaths(plan, planKind, repo, repoKind));
        const QString configFile = dir.filePath(u"peal.toml"_s);
        Result<Config> config = Error();
        if (source == u"cli") {
            ConfigLayer cli;
            cli.planPath = plan;
            cli.repoPath = repo;
            config = loadNoFile({}, cli);
        } else if (source == u"env") {
            config = loadNoFile({{u"PEAL_PLAN_PATH"_s, plan}, {u"PEAL_REPO_PATH"_s, repo}}, ConfigLayer());
        } else {
            QVERIFY(PealTest::writeFile(configFile, u"plan_path = \"%1\"\nrepo_path = \"%2\"\n"_s.arg(plan, repo).toUtf8()));
            config = ConfigLoader::load(configFile, ConfigLayer(), envFrom({}));
        }
        QVERIFY(config);
        Result<void> result;
        validateAsync(*config, &result);
        QVERIFY(!result);
        QVERIFY2(result.error().message().startsWith(message), qPrintable(result.error().message()));
        const QString expected = hint.contains(u"%1")   ? hint.arg(plan, configFile)
                                 : hint.contains(u"%2") ? hint.arg(configFile)
                                                        : hint;
        if (expected.startsWith(u';')) // git's reason comes first
            QVERIFY2(result.error().hint().endsWith(expected), qPrintable(result.error().hint()));
        else
            QCOMPARE(result.error().hint(), expected);
    }

private:
    static QString render(const Config &c, const QString &key)
    {
        const auto opt = [](const auto &v) { return v ? QVariant(*v).toString() : u"<unset>"_s; };
        const auto b = [](bool v) { return v ? u"true"_s : u"false"_s; };
        if (key == u"validate_plan_text") return b(c.validatePlanText);
        if (key == u"min_plan_text_len") return opt(c.minPlanTextLen);
        if (key == u"on_findings_remaining") return c.onFindingsRemaining;
        if (key == u"normalize_plan") return b(c.normalizePlan);
        if (key == u"normalize_retry_count") return QString::number(c.normalizeRetryCount);
        if (key == u"phase_3_retry_count") return QString::number(c.phase3RetryCount);
        if (key == u"commit_after_phase2") return b(c.commitAfterPhase2);
        if (key == u"run_summary_path") return opt(c.runSummaryPath);
        if (key == u"max_consecutive_task_failures") return opt(c.maxConsecutiveTaskFailures);
        if (key == u"normalize_prompt_path") return opt(c.normalizePromptPath);
        if (key == u"post_run_timeout_sec") return opt(c.postRunTimeoutSec);
        if (key == u"stet_start_ref") return opt(c.stetStartRef);
        if (key == u"log_level") return opt(c.logLevel);
        if (key == u"log_file") return opt(c.logFile);
        if (key == u"stet_path") return opt(c.stetPath);
        if (key == u"stet_disable_llm_triage") return b(c.stetDisableLlmTriage);
        if (key == u"resume_sessions") return b(c.resumeSessions);
        if (key == u"agent_fallback") return c.agentFallback.join(u'|');
        if (key == u"fallback_after_overloads") return QString::number(c.fallbackAfterOverloads);
        if (key == u"on_stet_fail") return c.onStetFail;
        if (key == u"isolation") return c.isolation;
        if (key == u"phase_retry_count") return QString::number(c.phaseRetryCount);
        if (key == u"continue_with_remaining_tasks") return b(c.continueWithRemainingTasks);
        if (key == u"post_run_commands") return c.postRunCommands.join(u'|');
        if (key == u"stet_run_extra_args") return c.stetRunExtraArgs.join(u'|');
        if (key == u"stet_start_extra_args") return c.stetStartExtraArgs.join(u'|');
        if (key == u"phases") return c.phases.join(u'|');
        if (key == u"agent_plugin") return c.agentPlugin;
        if (key == u"plan_agent") return opt(c.planAgent);
        if (key == u"execute_agent") return opt(c.executeAgent);
        if (key == u"review_agent") return opt(c.reviewAgent);
        if (key == u"plan_model") return opt(c.planModel);
        if (key == u"execute_model") return opt(c.executeModel);
        if (key == u"review_model") return opt(c.reviewModel);
        return u"<no renderer>"_s;
    }
};


QTEST_GUILESS_MAIN(tst_Config)
#include "tst_config.moc"
