// SPDX-License-Identifier: MIT
#include "commandline.h"

#include "commandcatalog.h"

#include <peal/sdk/version.h>

#include <QCommandLineParser>

#include <peal/textutil.h>

#include <limits>

namespace Peal::Cli {

namespace {

CommandLine usageError(const QString &reason, const QString &command)
{
    CommandLine result;
    result.action = CommandLine::Action::UsageError;
    const QString helpCommand = command.isEmpty() ? QStringLiteral("peal --help")
                                                  : QStringLiteral("peal %1 --help").arg(command);
    result.output = QStringLiteral("error: %1\nFor more information, try '%2'.\n")
                        .arg(reason, helpCommand);
    return result;
}

CommandLine showHelp(const QString &text)
{
    CommandLine result;
    result.action = CommandLine::Action::ShowHelp;
    result.output = text;
    return result;
}

QString describe(const OptionDef &o)
{
    return o.valueName.isEmpty() ? o.flag : QStringLiteral("%1 <%2>").arg(o.flag, o.valueName);
}

/*
 * Parses one subcommand's options with QCommandLineParser, adding the rules clap enforces for
 * the reference: every option at most once, no positional arguments, and a value that starts
 * with '-' must be attached with '=' (`--stet-start-args=--allow-dirty`).
 */
std::optional<CommandLine> parseOptions(const QString &command, const QList<OptionDef> &defs,
                                        const QStringList &arguments, QCommandLineParser &parser)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsCompactedShortOptions);
    for (const OptionDef &o : defs) {
        QCommandLineOption option(o.flag.mid(2));
        if (!o.valueName.isEmpty())
            option.setValueName(o.valueName);
        parser.addOption(option);
    }
    parser.addOption(QCommandLineOption(QStringList{QStringLiteral("h"), QStringLiteral("help")}));

    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &arg = arguments[i];
        if (arg == u"--")
            break;
        if (!arg.startsWith(u"--") || arg.contains(u'='))
            continue;
        for (const OptionDef &o : defs) {
            if (o.flag != arg || o.valueName.isEmpty())
                continue;
            const bool missing = i + 1 >= arguments.size()
                                 || (arguments[i + 1].startsWith(u'-') && arguments[i + 1] != u"-");
            if (missing)
                return usageError(QStringLiteral("a value is required for '%1' but none was "
                                                 "supplied")
                                      .arg(describe(o)),
                                  command);
            ++i;
        }
    }

    if (!parser.parse(QStringList{QStringLiteral("peal")} + arguments)) {
        // An option that does not exist: named as given, with the closest one of this command.
        const QStringList unknown = parser.unknownOptionNames();
        if (unknown.isEmpty())
            return usageError(parser.errorText(), command);
        const QString given = (unknown.first().size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + unknown.first();
        QStringList flags{QStringLiteral("--help")};
        for (const OptionDef &o : defs)
            flags << o.flag;
        QString message = QStringLiteral("unexpected argument '%1' found").arg(given);
        if (const QString near = Text::closest(given, flags); !near.isEmpty())
            message += QStringLiteral("; did you mean '%1'?").arg(near);
        return usageError(message, command);
    }
    if (parser.isSet(QStringLiteral("help")))
        return std::nullopt; // caller shows help
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("unexpected argument '%1' found")
                              .arg(parser.positionalArguments().first()),
                          command);
    const QStringList seen = parser.optionNames();
    for (const OptionDef &o : defs) {
        // A list (--plugin-dir, reset's --task): each occurrence adds a value.
        if (seen.count(o.flag.mid(2)) > 1 && !o.repeatable)
            return usageError(QStringLiteral("the argument '%1' cannot be used multiple times")
                                  .arg(describe(o)),
                              command);
    }
    return std::nullopt;
}

std::optional<CommandLine> parseIndex(const QCommandLineParser &parser, const QString &name,
                                      std::optional<quint32> *target, const QString &command = QStringLiteral("run"))
{
    if (!parser.isSet(name))
        return std::nullopt;
    const QString value = parser.value(name);
    auto n = ConfigValues::parseUnsigned(value, std::numeric_limits<quint32>::max());
    if (!n)
        return usageError(QStringLiteral("invalid value '%1' for '--%2 <N>': %3")
                              .arg(value, name, n.error().message()),
                          command);
    *target = quint32(*n);
    return std::nullopt;
}

// The options of configOptions() into `result`.
std::optional<CommandLine> readConfigOptions(const QString &command, const QCommandLineParser &parser,
                                             CommandLine &result)
{
    if (parser.isSet(QStringLiteral("config")))
        result.configFile = parser.value(QStringLiteral("config"));
    result.pluginDirs = parser.values(QStringLiteral("plugin-dir"));
    const QStringList given = parser.optionNames();
    if (given.contains(QStringLiteral("no-review"))) {
        if (given.contains(QStringLiteral("reviewer-plugin")))
            return usageError(QStringLiteral("the argument '--no-review' cannot be used with '--reviewer-plugin <ID>'"), command);
        if (auto set = ConfigLoader::setFromCommandLine(result.cliLayer, QStringLiteral("--reviewer-plugin"), QStringLiteral("none"));
            !set)
            return usageError(set.error().message(), command);
    }
    for (const ConfigKeyInfo &key : ConfigLoader::keys()) {
        if (key.cliFlag.isEmpty() || !parser.isSet(key.cliFlag.mid(2)))
            continue;
        const QString value = key.cliSwitch ? QString() : parser.value(key.cliFlag.mid(2));
        if (auto set = ConfigLoader::setFromCommandLine(result.cliLayer, key.cliFlag, value); !set)
            return usageError(set.error().message(), command);
    }
    return std::nullopt;
}

// "--port 8080", "--serve=8080": a port number, 0 for a free one.
std::optional<CommandLine> parsePort(const QString &value, const QString &flag, std::optional<quint16> *target,
                                     const QString &command)
{
    auto n = ConfigValues::parseUnsigned(value, 65535);
    if (!n)
        return usageError(QStringLiteral("invalid value '%1' for '%2': a port number from 0 (a free port) to 65535")
                              .arg(value, flag),
                          command);
    *target = quint16(*n);
    return std::nullopt;
}

// --state-dir, else PEAL_STATE_DIR, for the commands that read only a state directory; unset:
// where the command runs says (workplace.h).
std::optional<QString> givenStateDir(const QCommandLineParser &parser)
{
    if (parser.isSet(QStringLiteral("state-dir")))
        return parser.value(QStringLiteral("state-dir"));
    if (!qEnvironmentVariable("PEAL_STATE_DIR").isEmpty())
        return qEnvironmentVariable("PEAL_STATE_DIR");
    return std::nullopt;
}

CommandLine parseRun(const QStringList &givenArguments)
{
    const QString command = QStringLiteral("run");
    const QList<OptionDef> defs = runOptions();
    // --serve takes its port attached or none: --serve, --serve=8765.
    QStringList arguments;
    std::optional<QString> servePort;
    for (const QString &arg : givenArguments) {
        if (arg.startsWith(u"--serve=")) {
            servePort = arg.mid(8);
            arguments << QStringLiteral("--serve");
        } else {
            arguments << arg;
        }
    }
    QCommandLineParser parser;
    if (auto error = parseOptions(command, defs, arguments, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(runHelp());

    CommandLine result;
    result.action = CommandLine::Action::Run;
    if (auto error = readConfigOptions(command, parser, result))
        return *error;
    if (auto error = parseIndex(parser, QStringLiteral("task"), &result.task))
        return *error;
    if (auto error = parseIndex(parser, QStringLiteral("from-task"), &result.fromTask))
        return *error;
    if (auto error = parseIndex(parser, QStringLiteral("redo"), &result.redo))
        return *error;
    if (result.task && result.fromTask)
        return usageError(QStringLiteral("the argument '--task <N>' cannot be used with "
                                         "'--from-task <N>'"),
                          command);
    if (result.redo && (result.task || result.fromTask))
        return usageError(QStringLiteral("the argument '--redo <N>' cannot be used with '%1'")
                              .arg(result.task ? QStringLiteral("--task <N>") : QStringLiteral("--from-task <N>")),
                          command);
    result.dryRun = parser.isSet(QStringLiteral("dry-run"));
    result.quiet = parser.isSet(QStringLiteral("quiet"));
    result.verbose = parser.isSet(QStringLiteral("verbose"));
    if (result.quiet && result.verbose)
        return usageError(QStringLiteral("the argument '--quiet' cannot be used with '--verbose'"), command);
    result.serve = parser.isSet(QStringLiteral("serve"));
    if (servePort)
        if (auto error = parsePort(*servePort, QStringLiteral("--serve[=PORT]"), &result.servePort, command))
            return *error;
    if (result.serve && result.dryRun)
        return usageError(QStringLiteral("the argument '--serve' cannot be used with '--dry-run'"), command);
    return result;
}

CommandLine parseStatus(const QStringList &arguments)
{
    const QString command = QStringLiteral("status");
    QCommandLineParser parser;
    if (auto error = parseOptions(command, statusOptions(), arguments, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(statusHelp());
    CommandLine result;
    result.action = CommandLine::Action::Status;
    if (auto error = readConfigOptions(command, parser, result))
        return *error;
    result.json = parser.isSet(QStringLiteral("json"));
    result.watch = parser.isSet(QStringLiteral("watch"));
    if (result.json && result.watch)
        return usageError(QStringLiteral("the argument '--json' cannot be used with '--watch'"), command);
    return result;
}

CommandLine parseLogs(const QStringList &arguments)
{
    const QString command = QStringLiteral("logs");
    // The task is the one positional argument.
    QStringList options;
    std::optional<QString> task;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &a = arguments[i];
        const bool takesValue = a == u"--phase" || a == u"--state-dir";
        if (!a.startsWith(u'-') && !task) {
            task = a;
            continue;
        }
        options << a;
        if (takesValue && i + 1 < arguments.size())
            options << arguments[++i];
    }
    QCommandLineParser parser;
    if (auto error = parseOptions(command, logsOptions(), options, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(logsHelp());
    CommandLine result;
    result.action = CommandLine::Action::Logs;
    if (task) {
        bool ok = false;
        const uint n = task->toUInt(&ok);
        if (!ok || n == 0)
            return usageError(QStringLiteral("invalid value '%1' for '[N]': a task number (1 or more)").arg(*task), command);
        result.task = n;
    }
    result.logsPhase = parser.value(QStringLiteral("phase"));
    const QStringList modes = logsOptions().first().choices;
    if (!result.logsPhase.isEmpty() && !modes.contains(result.logsPhase))
        return usageError(QStringLiteral("invalid value '%1' for '--phase <MODE>' (expected %2)")
                              .arg(result.logsPhase, modes.join(QStringLiteral(", "))),
                          command);
    result.logsRaw = parser.isSet(QStringLiteral("raw"));
    result.logsPrompt = parser.isSet(QStringLiteral("prompt"));
    result.logsFollow = parser.isSet(QStringLiteral("follow"));
    result.json = parser.isSet(QStringLiteral("json"));
    if (result.logsFollow && !result.task)
        return usageError(QStringLiteral("the argument '--follow' needs a task: peal logs <N> --follow"), command);
    result.givenStateDir = givenStateDir(parser);
    return result;
}

CommandLine parseReset(const QStringList &arguments)
{
    const QString command = QStringLiteral("reset");
    QCommandLineParser parser;
    if (auto error = parseOptions(command, resetOptions(), arguments, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(resetHelp());
    CommandLine result;
    result.action = CommandLine::Action::Reset;
    if (parser.isSet(QStringLiteral("config")))
        result.configFile = parser.value(QStringLiteral("config"));
    for (const QString &flag : {QStringLiteral("--plan"), QStringLiteral("--repo"), QStringLiteral("--state-dir")}) {
        if (!parser.isSet(flag.mid(2)))
            continue;
        if (auto set = ConfigLoader::setFromCommandLine(result.cliLayer, flag, parser.value(flag.mid(2))); !set)
            return usageError(set.error().message(), command);
    }
    for (const QString &value : parser.values(QStringLiteral("task"))) {
        auto n = ConfigValues::parseUnsigned(value, std::numeric_limits<quint32>::max());
        if (!n)
            return usageError(QStringLiteral("invalid value '%1' for '--task <N>': %2").arg(value, n.error().message()),
                              command);
        if (!result.resetTasks.contains(quint32(*n)))
            result.resetTasks.append(quint32(*n));
    }
    result.resetAll = parser.isSet(QStringLiteral("all"));
    if (result.resetAll == !result.resetTasks.isEmpty())
        return usageError(result.resetAll ? QStringLiteral("the argument '--all' cannot be used with '--task <N>'")
                                          : QStringLiteral("one of '--task <N>' or '--all' is required"),
                          command);
    return result;
}

const QStringList &completionShells()
{
    static const QStringList shells{QStringLiteral("bash"), QStringLiteral("zsh")};
    return shells;
}

CommandLine parseInit(const QStringList &arguments)
{
    const QString command = QStringLiteral("init");
    QCommandLineParser parser;
    if (auto error = parseOptions(command, initOptions(), arguments, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(initHelp());
    CommandLine result;
    result.action = CommandLine::Action::Init;
    if (parser.isSet(QStringLiteral("plan")))
        result.initPlan = parser.value(QStringLiteral("plan"));
    if (parser.isSet(QStringLiteral("repo")))
        result.initRepo = parser.value(QStringLiteral("repo"));
    return result;
}

CommandLine parseHistory(const QStringList &arguments)
{
    const QString command = QStringLiteral("history");
    QCommandLineParser parser;
    if (auto error = parseOptions(command, historyOptions(), arguments, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(historyHelp());
    CommandLine result;
    result.action = CommandLine::Action::History;
    result.json = parser.isSet(QStringLiteral("json"));
    result.givenStateDir = givenStateDir(parser);
    return result;
}

CommandLine parseServe(const QStringList &arguments)
{
    const QString command = QStringLiteral("serve");
    QCommandLineParser parser;
    if (auto error = parseOptions(command, serveOptions(), arguments, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(serveHelp());
    CommandLine result;
    result.action = CommandLine::Action::Serve;
    if (parser.isSet(QStringLiteral("port")))
        if (auto error = parsePort(parser.value(QStringLiteral("port")), QStringLiteral("--port <N>"), &result.servePort, command))
            return *error;
    if (parser.isSet(QStringLiteral("bind")))
        result.serveBind = parser.value(QStringLiteral("bind"));
    result.serveRoot = parser.value(QStringLiteral("root"));
    result.serveToken = parser.value(QStringLiteral("token"));
    if (parser.isSet(QStringLiteral("token")) && result.serveToken.size() < 16)
        return usageError(QStringLiteral("invalid value for '--token <T>': at least 16 characters (or leave it out "
                                         "and peal makes one)"),
                          command);
    // With --root, PEAL_STATE_DIR does not add a state directory; --state-dir does.
    result.givenStateDir = parser.isSet(QStringLiteral("state-dir")) || result.serveRoot.isEmpty()
                               ? givenStateDir(parser)
                               : std::nullopt;
    return result;
}

CommandLine parseCompletion(const QStringList &arguments)
{
    const QString command = QStringLiteral("completion");
    if (arguments.contains(u"-h") || arguments.contains(u"--help"))
        return showHelp(QStringLiteral("Print a shell completion script.\n\n"
                                       "Usage: peal completion <bash|zsh>\n\n"
                                       "  bash: source it, or install it as "
                                       "/usr/share/bash-completion/completions/peal\n"
                                       "  zsh:  install it as _peal in a directory of $fpath\n"));
    if (arguments.size() != 1 || !completionShells().contains(arguments.first()))
        return usageError(arguments.isEmpty()
                              ? QStringLiteral("a shell is required: bash or zsh")
                              : QStringLiteral("invalid shell '%1' (expected bash or zsh)")
                                    .arg(arguments.join(u' ')),
                          command);
    CommandLine result;
    result.action = CommandLine::Action::Completion;
    result.shell = arguments.first();
    return result;
}

CommandLine parseManPage(const QStringList &arguments)
{
    QCommandLineParser parser;
    if (auto error = parseOptions(QStringLiteral("manpage"), {}, arguments, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(QStringLiteral("Print the peal(1) man page (roff).\n\nUsage: peal manpage\n"));
    CommandLine result;
    result.action = CommandLine::Action::ManPage;
    return result;
}

CommandLine parsePrompt(const QStringList &arguments)
{
    const QString command = QStringLiteral("prompt");
    QCommandLineParser parser;
    if (auto error = parseOptions(command, promptOptions(), arguments, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(promptHelp());
    CommandLine result;
    result.action = CommandLine::Action::Prompt;
    if (parser.isSet(QStringLiteral("output")))
        result.promptOutput = parser.value(QStringLiteral("output"));
    result.promptGraph = parser.isSet(QStringLiteral("graph"));
    return result;
}

CommandLine parsePlugins(const QStringList &arguments)
{
    const QString command = QStringLiteral("plugins");
    QCommandLineParser parser;
    if (auto error = parseOptions(command, pluginsOptions(), arguments, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(pluginsHelp());
    CommandLine result;
    result.action = CommandLine::Action::Plugins;
    result.pluginDirs = parser.values(QStringLiteral("plugin-dir"));
    return result;
}

CommandLine parseDemo(const QStringList &arguments)
{
    const QString command = QStringLiteral("demo");
    QCommandLineParser parser;
    if (auto error = parseOptions(command, demoOptions(), arguments, parser))
        return *error;
    if (parser.isSet(QStringLiteral("help")))
        return showHelp(demoHelp());
    CommandLine result;
    result.action = CommandLine::Action::Demo;
    if (parser.isSet(QStringLiteral("dir")))
        result.demoDir = parser.value(QStringLiteral("dir"));
    if (parser.isSet(QStringLiteral("agent"))) {
        const QStringList agents = demoOptions().last().choices;
        result.demoAgent = parser.value(QStringLiteral("agent"));
        if (!agents.contains(result.demoAgent))
            return usageError(QStringLiteral("invalid value '%1' for '--agent <AGENT>' (expected %2)")
                                  .arg(result.demoAgent, agents.join(QStringLiteral(", "))),
                              command);
    }
    return result;
}

} // namespace

// "unrecognized subcommand 'stauts'; did you mean 'status'?"
CommandLine unknownCommand(const QString &given)
{
    QStringList names{QStringLiteral("help")};
    for (const CommandDef &c : commandCatalog())
        names << c.name;
    QString message = QStringLiteral("unrecognized subcommand '%1'").arg(given);
    if (const QString near = Text::closest(given, names); !near.isEmpty())
        message += QStringLiteral("; did you mean '%1'?").arg(near);
    return usageError(message, QString());
}

CommandLine parseCommandLine(const QStringList &arguments)
{
    if (arguments.isEmpty()) {
        CommandLine result = usageError(QStringLiteral("a command is required"), QString());
        result.output = topLevelHelp(false) + u'\n' + result.output;
        return result;
    }
    const QString &first = arguments.first();
    const QStringList rest = arguments.mid(1);
    if (first == u"-h")
        return showHelp(topLevelHelp(false));
    if (first == u"--help")
        return showHelp(topLevelHelp(true));
    if (first == u"-V" || first == u"--version") {
        CommandLine result;
        result.action = CommandLine::Action::ShowVersion;
        result.output = QStringLiteral("peal " PEAL_VERSION_STRING "\n");
        return result;
    }
    if (first == u"run")
        return parseRun(rest);
    if (first == u"prompt")
        return parsePrompt(rest);
    if (first == u"plugins")
        return parsePlugins(rest);
    if (first == u"demo")
        return parseDemo(rest);
    if (first == u"status")
        return parseStatus(rest);
    if (first == u"reset")
        return parseReset(rest);
    if (first == u"init")
        return parseInit(rest);
    if (first == u"history")
        return parseHistory(rest);
    if (first == u"serve")
        return parseServe(rest);
    if (first == u"logs")
        return parseLogs(rest);
    if (first == u"completion")
        return parseCompletion(rest);
    if (first == u"manpage")
        return parseManPage(rest);
    if (first == u"help") {
        if (rest.isEmpty())
            return showHelp(topLevelHelp(true));
        if (rest.first() == u"run")
            return showHelp(runHelp());
        if (rest.first() == u"prompt")
            return showHelp(promptHelp());
        if (rest.first() == u"plugins")
            return showHelp(pluginsHelp());
        if (rest.first() == u"demo")
            return showHelp(demoHelp());
        if (rest.first() == u"status")
            return showHelp(statusHelp());
        if (rest.first() == u"reset")
            return showHelp(resetHelp());
        if (rest.first() == u"init")
            return showHelp(initHelp());
        if (rest.first() == u"history")
            return showHelp(historyHelp());
        if (rest.first() == u"serve")
            return showHelp(serveHelp());
        if (rest.first() == u"logs")
            return showHelp(logsHelp());
        if (rest.first() == u"completion" || rest.first() == u"manpage")
            return parseCommandLine({rest.first(), QStringLiteral("--help")});
        if (rest.first() == u"help")
            return showHelp(topLevelHelp(true));
        return unknownCommand(rest.first());
    }
    if (first.startsWith(u'-'))
        return usageError(QStringLiteral("unexpected argument '%1' found").arg(first), QString());
    return unknownCommand(first);
}

} // namespace Peal::Cli
