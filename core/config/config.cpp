// SPDX-License-Identifier: MIT
#include "configkeys.h"

#include <peal/log.h>
#include <peal/sdk/reviewer.h>
#include <peal/textutil.h>

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStringDecoder>

#include <algorithm>
#include <cmath>
#include <limits>

namespace Peal {

using namespace Internal;

QString Internal::envVarName(const char *key)
{
    return QStringLiteral("PEAL_") + QString::fromLatin1(key).toUpper();
}

namespace {

constexpr quint64 kU32Max = std::numeric_limits<quint32>::max();
constexpr quint64 kU64Max = std::numeric_limits<quint64>::max();

// Parses an environment or command-line text into the layer value type of `def`.
template<typename T>
Result<T> parseText(ValueKind kind, const QString &text);

template<>
Result<QString> parseText<QString>(ValueKind, const QString &text)
{
    return text;
}

template<>
Result<quint32> parseText<quint32>(ValueKind, const QString &text)
{
    auto v = ConfigValues::parseUnsigned(text, kU32Max);
    if (!v)
        return v.error();
    return quint32(*v);
}

template<>
Result<quint64> parseText<quint64>(ValueKind, const QString &text)
{
    return ConfigValues::parseUnsigned(text, kU64Max);
}

template<>
Result<bool> parseText<bool>(ValueKind, const QString &text)
{
    return ConfigValues::parseBool(text);
}

template<>
Result<QStringList> parseText<QStringList>(ValueKind kind, const QString &text)
{
    switch (kind) {
    case ValueKind::StetCommands:
        return ConfigValues::splitCommands(text, true);
    case ValueKind::CommaList:
        return ConfigValues::splitCommands(text, false);
    default:
        return ConfigValues::splitExtraArgs(text);
    }
}

template<>
Result<QList<DismissPattern>> parseText<QList<DismissPattern>>(ValueKind, const QString &text)
{
    return ConfigValues::parseDismissPatterns(text);
}

template<>
Result<double> parseText<double>(ValueKind, const QString &text)
{
    return ConfigValues::parseMoney(text);
}

template<>
Result<QList<QStringList>> parseText<QList<QStringList>>(ValueKind, const QString &text)
{
    QList<QStringList> out;
    for (const QString &command : ConfigValues::splitCommands(text, false)) {
        const QStringList argv = Text::splitAsciiWhitespace(command);
        if (!argv.isEmpty())
            out.append(argv);
    }
    return out;
}

template<typename M, typename T>
void assignMerged(M &target, const std::optional<T> &value)
{
    if constexpr (std::is_same_v<M, std::optional<T>>)
        target = value;
    else if (value)
        target = *value;
}

QString quoted(const QString &value)
{
    return u'"' + value + u'"';
}

} // namespace

namespace ConfigLoader {

QJsonObject pluginOptions(const Config &config, const QString &id)
{
    QJsonObject table = config.pluginOptions.value(id);
    // Keys of the table win over the reference's top-level keys, which fill in the rest.
    const auto fillIn = [&table](const QJsonObject &owned) {
        for (auto it = owned.begin(); it != owned.end(); ++it) {
            if (!table.contains(it.key()))
                table.insert(it.key(), it.value());
        }
    };
    if (id == u"stet") {
        // The reference's stet keys configure the stet reviewer plugin.
        QJsonObject owned{{QStringLiteral("stet_start_args"), QJsonArray::fromStringList(config.stetStartExtraArgs)},
                          {QStringLiteral("stet_run_args"), QJsonArray::fromStringList(config.stetRunExtraArgs)},
                          {QStringLiteral("stet_commands"), QJsonArray::fromStringList(config.stetCommands)},
                          {QStringLiteral("on_stet_fail"), config.onStetFail}};
        if (config.stetPath)
            owned.insert(QStringLiteral("stet_path"), *config.stetPath);
        if (config.stetStartRef)
            owned.insert(QStringLiteral("stet_start_ref"), *config.stetStartRef);
        fillIn(owned);
        return table;
    }
    if (id != u"address")
        return table;
    // The reference's phase 3 keys configure the address phase plugin.
    QJsonArray patterns;
    for (const DismissPattern &p : config.stetDismissPatterns)
        patterns.append(QJsonObject{{QStringLiteral("pattern"), p.pattern}, {QStringLiteral("reason"), p.reason}});
    const QJsonObject owned{
        {QStringLiteral("max_address_rounds"), qint64(config.maxAddressRounds)},
        {QStringLiteral("on_findings_remaining"), config.onFindingsRemaining},
        {QStringLiteral("on_stet_fail"), config.onStetFail},
        {QStringLiteral("phase3_retry_count"), qint64(config.phase3RetryCount)},
        {QStringLiteral("stet_disable_llm_triage"), config.stetDisableLlmTriage},
        {QStringLiteral("stet_dismiss_patterns"), patterns},
        {QStringLiteral("review_patience"), qint64(config.reviewPatience)},
    };
    fillIn(owned);
    return table;
}

Result<ConfigLayer> readEnvironment(const EnvLookup &env)
{
    ConfigLayer layer;
    std::optional<Error> failure;
    forEachKey([&](const auto &def) {
        if (failure)
            return;
        const QString var = envVarName(def.name);
        const std::optional<QString> raw = env(var.mid(5));
        if (!raw || raw->isEmpty())
            return;
        using T = typename std::remove_reference_t<decltype(*(layer.*def.layer))>;
        auto parsed = parseText<T>(def.kind, *raw);
        if (!parsed) {
            failure = Error(Error::Kind::Config,
                            QStringLiteral("Failed to parse environment variable '%1': %2")
                                .arg(var, parsed.error().message()),
                            QStringLiteral("value ") + quoted(*raw));
            return;
        }
        layer.*def.layer = std::move(parsed).value();
    });
    if (failure)
        return *failure;
    return layer;
}

EnvLookup systemEnvironment()
{
    return [](const QString &suffix) -> std::optional<QString> {
        const QByteArray name = QByteArrayLiteral("PEAL_") + suffix.toLatin1();
        if (!qEnvironmentVariableIsSet(name.constData()))
            return std::nullopt;
        const QByteArray bytes = qgetenv(name.constData());
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        QString value = decoder(bytes);
        if (decoder.hasError() || value.isEmpty())
            return std::nullopt; // not valid Unicode, or empty: treated as unset (spec §2.1)
        return value;
    };
}

Config merge(const ConfigLayer &file, const QString &fileName, const ConfigLayer &env,
             const ConfigLayer &cli)
{
    Config config;
    forEachKey([&](const auto &def) {
        const QString name = QString::fromLatin1(def.name);
        if ((cli.*def.layer).has_value()) {
            assignMerged(config.*def.merged, cli.*def.layer);
            config.origins.insert(name, QString::fromLatin1(def.cliFlag));
        } else if ((env.*def.layer).has_value()) {
            assignMerged(config.*def.merged, env.*def.layer);
            config.origins.insert(name, envVarName(def.name));
        } else if ((file.*def.layer).has_value()) {
            assignMerged(config.*def.merged, file.*def.layer);
            config.origins.insert(name, fileName + QStringLiteral(": ") + name);
        }
    });

    // Spec §2.4: max_parallel = 0 forces sequential; an explicit `parallel` wins otherwise;
    // setting max_parallel anywhere implies parallel mode.
    const auto pick = [&](auto member) {
        return (cli.*member) ? (cli.*member) : (env.*member) ? (env.*member) : (file.*member);
    };
    const std::optional<bool> p = pick(&ConfigLayer::parallel);
    const std::optional<quint32> m = pick(&ConfigLayer::maxParallel);
    if (m && *m == 0)
        config.parallel = false;
    else if (p)
        config.parallel = *p;
    else
        config.parallel = m.has_value();
    config.maxParallel = m.value_or(4);
    // Plugin tables exist only in the config file.
    config.pluginOptions = file.pluginOptions.value_or(QHash<QString, QJsonObject>());
    for (auto it = config.pluginOptions.cbegin(); it != config.pluginOptions.cend(); ++it)
        config.origins.insert(QStringLiteral("plugins.") + it.key(), fileName);
    return config;
}

Result<Config> load(const std::optional<QString> &configFile, const ConfigLayer &cli,
                    const EnvLookup &env)
{
    ConfigLayer fileLayer;
    if (configFile) {
        auto file = readFile(*configFile);
        if (!file)
            return file.error();
        fileLayer = std::move(file).value();
    }
    auto envLayer = readEnvironment(env);
    if (!envLayer)
        return envLayer.error();

    Config config = merge(fileLayer, configFile.value_or(QString()), *envLayer, cli);

    if (!cli.planPath && !envLayer->planPath && !fileLayer.planPath)
        return Error(Error::Kind::Config,
                     QStringLiteral("plan_path is required (via --plan, PEAL_PLAN_PATH, or "
                                    "config file)"));
    if (!cli.repoPath && !envLayer->repoPath && !fileLayer.repoPath)
        return Error(Error::Kind::Config,
                     QStringLiteral("repo_path is required (via --repo, PEAL_REPO_PATH, or "
                                    "config file)"));
    for (const DismissPattern &p : std::as_const(config.stetDismissPatterns)) {
        if (!ConfigValues::isDismissReason(p.reason))
            return Error(Error::Kind::Config,
                         QStringLiteral("Invalid stet_dismiss_patterns reason '%1' (expected one of: %2)")
                             .arg(p.reason, Peal::dismissReasons().join(QStringLiteral(", "))),
                         QStringLiteral("set by ") + config.originOf(QStringLiteral("stet_dismiss_patterns")));
    }
    return config;
}

QString withOrigin(const Config &config, const QString &key, const QString &detail)
{
    const QString origin = config.originOf(key);
    if (origin.isEmpty())
        return detail;
    const QString setBy = QStringLiteral("set by ") + origin;
    return detail.isEmpty() ? setBy : detail + QStringLiteral("; ") + setBy;
}

Result<void> validatePaths(const Config &config)
{
    const QString planKey = QStringLiteral("plan_path");
    const QFileInfo plan(config.planPath);
    if (!plan.exists())
        return Error(Error::Kind::PlanFile, QStringLiteral("Invalid or missing plan file."),
                     withOrigin(config, planKey, config.planPath + QStringLiteral(": no such file")));
    if (!plan.isFile())
        return Error(Error::Kind::PlanFile, QStringLiteral("Invalid or missing plan file."),
                     withOrigin(config, planKey, config.planPath + QStringLiteral(": not a regular file")));
    const QString repoKey = QStringLiteral("repo_path");
    const QFileInfo repo(config.repoPath);
    if (!repo.exists())
        return Error(Error::Kind::Config,
                     QStringLiteral("Repo path does not exist: ") + config.repoPath,
                     withOrigin(config, repoKey, QString()));
    if (!repo.isDir())
        return Error(Error::Kind::Config,
                     QStringLiteral("Target path is not a directory: ") + config.repoPath,
                     withOrigin(config, repoKey, QString()));
    return {};
}

static Result<void> validatePhases(const Config &config)
{
    // The pipeline needs a plan to execute; everything else is the user's choice.
    const QStringList &phases = config.phases;
    QString problem;
    for (const QString &name : phases) {
        if (name.trimmed().isEmpty())
            problem = QStringLiteral("a phase name is empty");
        else if (phases.count(name) > 1)
            problem = QStringLiteral("phase '%1' appears more than once").arg(name);
        if (!problem.isEmpty())
            break;
    }
    const qsizetype plan = phases.indexOf(QStringLiteral("plan"));
    const qsizetype execute = phases.indexOf(QStringLiteral("execute"));
    if (problem.isEmpty() && (plan < 0 || execute < 0))
        problem = QStringLiteral("\"plan\" and \"execute\" are required");
    else if (problem.isEmpty() && plan > execute)
        problem = QStringLiteral("\"plan\" must come before \"execute\"");
    if (problem.isEmpty())
        return {};
    return Error(Error::Kind::Config,
                 QStringLiteral("Invalid phases value [%1]: %2").arg(phases.join(QStringLiteral(", ")), problem),
                 QStringLiteral("set by ") + config.originOf(QStringLiteral("phases")));
}

static Result<void> checkChoice(const Config &config, const QString &key, const QString &value);

// The keys of unattended runs: a policy, events, regexes that compile, a backoff that waits.
static Result<void> validateUnattended(const Config &config)
{
    if (auto valid = checkChoice(config, QStringLiteral("on_rate_limit"), config.onRateLimit); !valid)
        return valid;
    for (const QString &event : config.notifyOn) {
        if (auto valid = checkChoice(config, QStringLiteral("notify_on"), event); !valid)
            return valid;
    }
    for (const QString &pattern : config.rateLimitPatterns) {
        const QRegularExpression re(pattern);
        if (!re.isValid())
            return Error(Error::Kind::Config,
                         QStringLiteral("Invalid rate_limit_patterns regex '%1': %2").arg(pattern, re.errorString()),
                         QStringLiteral("set by ") + config.originOf(QStringLiteral("rate_limit_patterns")));
    }
    // Values that are set but mean nothing: a wait of no time, a budget that nothing fits in.
    const auto zero = [&config](const char *key, const char *expected) {
        return Error(Error::Kind::Config, QStringLiteral("Invalid %1 value 0 (expected %2)").arg(QLatin1String(key), QLatin1String(expected)),
                     QStringLiteral("set by ") + config.originOf(QLatin1String(key)));
    };
    if (config.rateLimitBackoffSec == 0)
        return zero("rate_limit_backoff_sec", "at least 1 second");
    if (config.rateLimitMaxWaitSec == 0)
        return zero("rate_limit_max_wait_sec", "at least 1 second; on_rate_limit = \"fail\" never waits");
    if (config.maxCostUsd && *config.maxCostUsd <= 0)
        return zero("max_cost_usd", "more than 0; leave it out for no limit");
    if (config.taskMaxCostUsd && *config.taskMaxCostUsd <= 0)
        return zero("task_max_cost_usd", "more than 0; leave it out for no limit");
    if (config.maxTokens && *config.maxTokens == 0)
        return zero("max_tokens", "at least 1; leave it out for no limit");
    if (config.taskMaxTokens && *config.taskMaxTokens == 0)
        return zero("task_max_tokens", "at least 1; leave it out for no limit");
    return {};
}

// The fixed sets of values validateValues() accepts, for --help and shell completion.
static QStringList choicesOf(const QString &key)
{
    if (key == u"on_findings_remaining")
        return {QStringLiteral("fail"), QStringLiteral("warn")};
    if (key == u"on_stet_fail")
        return {QStringLiteral("fail"), QStringLiteral("retry_once"), QStringLiteral("skip")};
    if (key == u"isolation")
        return {QStringLiteral("none"), QStringLiteral("worktree")};
    if (key == u"on_no_changes")
        return {QStringLiteral("warn"), QStringLiteral("fail"), QStringLiteral("retry")};
    if (key == u"on_rate_limit")
        return {QStringLiteral("wait"), QStringLiteral("fail")};
    if (key == u"notify_on")
        return {QStringLiteral("task_failed"), QStringLiteral("task_done"), QStringLiteral("rate_limit_wait"),
                QStringLiteral("budget_stop"), QStringLiteral("run_done"), QStringLiteral("task_started"),
                QStringLiteral("phase_started"), QStringLiteral("agent_fallback")};
    if (key == u"stet_disable_llm_triage" || key == u"resume_sessions")
        return {QStringLiteral("true"), QStringLiteral("false")};
    if (key == u"log_level")
        return {QStringLiteral("error"), QStringLiteral("warn"), QStringLiteral("info"),
                QStringLiteral("debug"), QStringLiteral("trace")};
    return {};
}

// `value` of `key` is one of choicesOf(key), or the error that lists them: "Invalid <key> value
// '<value>' (expected "a" or "b")", the reference's wording.
static Result<void> checkChoice(const Config &config, const QString &key, const QString &value)
{
    const QStringList allowed = choicesOf(key);
    if (allowed.contains(value))
        return {};
    QStringList quoted;
    for (const QString &a : allowed)
        quoted << u'"' + a + u'"';
    const QString expected = quoted.size() == 2 ? quoted.join(QStringLiteral(" or "))
                                                : quoted.mid(0, quoted.size() - 1).join(QStringLiteral(", "))
                                                      + QStringLiteral(", or ") + quoted.last();
    return Error(Error::Kind::Config, QStringLiteral("Invalid %1 value '%2' (expected %3)").arg(key, value, expected),
                 QStringLiteral("set by ") + config.originOf(key));
}

Result<void> validateValues(const Config &config)
{
    for (const auto &[key, value] : {std::pair{QStringLiteral("on_findings_remaining"), config.onFindingsRemaining},
                                     std::pair{QStringLiteral("on_stet_fail"), config.onStetFail}}) {
        if (auto valid = checkChoice(config, key, value); !valid)
            return valid;
    }
    // A timeout of 0 would end every process at once (the reference times out at its first
    // wait); "no timeout" is not a setting either: every process has a deadline.
    for (const auto &[key, value] : {std::pair{QStringLiteral("phase_timeout_sec"), std::optional(config.phaseTimeoutSec)},
                                     std::pair{QStringLiteral("post_run_timeout_sec"), config.postRunTimeoutSec}}) {
        if (value && *value == 0)
            return Error(Error::Kind::Config,
                         QStringLiteral("Invalid %1 value 0 (expected at least 1 second)").arg(key),
                         QStringLiteral("set by ") + config.originOf(key));
    }
    if (config.logLevel) {
        if (auto valid = LogFilter::validate(*config.logLevel, config.originOf(QStringLiteral("log_level"))); !valid)
            return valid;
    }
    if (auto valid = checkChoice(config, QStringLiteral("on_no_changes"), config.onNoChanges); !valid)
        return valid;
    if (auto valid = checkChoice(config, QStringLiteral("isolation"), config.isolation); !valid)
        return valid;
    if (auto valid = validateUnattended(config); !valid)
        return valid;
    return validatePhases(config);
}

const QList<ConfigKeyInfo> &keys()
{
    static const QList<ConfigKeyInfo> table = [] {
        QList<ConfigKeyInfo> out;
        forEachKey([&](const auto &def) {
            static const char *const typeNames[] = {
                "string", "path", "u32", "u64", "bool", "string list", "string list",
                "string list", "list of {pattern, reason}", "number (USD)", "list of commands",
            };
            ConfigKeyInfo info;
            info.key = QString::fromLatin1(def.name);
            info.envVar = envVarName(def.name);
            info.cliFlag = QString::fromLatin1(def.cliFlag);
            info.type = QString::fromLatin1(typeNames[int(def.kind)]);
            info.defaultText = QString::fromLatin1(def.defaultText);
            info.help = QString::fromLatin1(def.help);
            info.valueName = QString::fromLatin1(def.valueName);
            info.cliSwitch = def.cli == CliStyle::Switch;
            info.choices = choicesOf(info.key);
            out.append(info);
        });
        return out;
    }();
    return table;
}

namespace {

// One merged value as JSON (the run's record of the settings it ran with).
QJsonValue jsonOf(const QString &v) { return v; }
QJsonValue jsonOf(bool v) { return v; }
QJsonValue jsonOf(quint32 v) { return qint64(v); }
QJsonValue jsonOf(quint64 v) { return v > quint64(std::numeric_limits<qint64>::max()) ? QJsonValue(double(v)) : QJsonValue(qint64(v)); }
QJsonValue jsonOf(double v) { return v; }
QJsonValue jsonOf(const QStringList &v) { return QJsonArray::fromStringList(v); }
QJsonValue jsonOf(const QList<QStringList> &v)
{
    QJsonArray out;
    for (const QStringList &argv : v)
        out.append(QJsonArray::fromStringList(argv));
    return out;
}
QJsonValue jsonOf(const QList<DismissPattern> &v)
{
    QJsonArray out;
    for (const DismissPattern &p : v)
        out.append(QJsonObject{{QStringLiteral("pattern"), p.pattern}, {QStringLiteral("reason"), p.reason}});
    return out;
}
template<typename T>
QJsonValue jsonOf(const std::optional<T> &v)
{
    return v ? jsonOf(*v) : QJsonValue();
}

} // namespace

QJsonObject toJson(const Config &config)
{
    QJsonObject o;
    forEachKey([&](const auto &def) { o.insert(QString::fromLatin1(def.name), jsonOf(config.*def.merged)); });
    // Derived from parallel and max_parallel together (spec §2.4): as the run used them.
    o.insert(QStringLiteral("parallel"), config.parallel);
    o.insert(QStringLiteral("max_parallel"), qint64(config.maxParallel));
    QJsonObject plugins;
    for (auto it = config.pluginOptions.cbegin(); it != config.pluginOptions.cend(); ++it)
        plugins.insert(it.key(), it.value());
    if (!plugins.isEmpty())
        o.insert(QStringLiteral("plugins"), plugins);
    return o;
}

QString suggestKey(const QString &unknownKey)
{
    // People often write the command-line spelling ("stet_start_args", "normalize"): that
    // spelling is a candidate too, and names its key.
    QStringList candidates;
    QHash<QString, QString> keyOf;
    for (const ConfigKeyInfo &info : keys()) {
        candidates << info.key;
        QString flagAsKey = info.cliFlag.mid(2);
        flagAsKey.replace(u'-', u'_');
        if (!flagAsKey.isEmpty() && flagAsKey != info.key) {
            candidates << flagAsKey;
            keyOf.insert(flagAsKey, info.key);
        }
    }
    candidates << QStringLiteral("plugins");
    const QString best = Text::closest(unknownKey, candidates);
    return keyOf.value(best, best);
}

Result<void> setFromCommandLine(ConfigLayer &layer, const QString &flag, const QString &value)
{
    std::optional<Result<void>> outcome;
    forEachKey([&](const auto &def) {
        if (outcome || def.cli == CliStyle::None || flag != QLatin1String(def.cliFlag))
            return;
        using T = typename std::remove_reference_t<decltype(*(layer.*def.layer))>;
        if constexpr (std::is_same_v<T, bool>) {
            if (def.cli == CliStyle::Switch) {
                layer.*def.layer = true;
                outcome = Result<void>();
                return;
            }
        }
        auto parsed = parseText<T>(def.kind, value);
        if (!parsed) {
            outcome = Error(Error::Kind::Config,
                            QStringLiteral("invalid value '%1' for '%2 <%3>': %4")
                                .arg(value, flag, QString::fromLatin1(def.valueName),
                                     parsed.error().message()));
            return;
        }
        layer.*def.layer = std::move(parsed).value();
        outcome = Result<void>();
    });
    if (!outcome)
        return Error(Error::Kind::Config, QStringLiteral("unknown option '%1'").arg(flag));
    return *outcome;
}

} // namespace ConfigLoader

} // namespace Peal
