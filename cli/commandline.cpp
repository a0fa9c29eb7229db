// SPDX-License-Identifier: MIT
#include "commandline.h"

#include <peal/sdk/version.h>

#include <QCommandLineParser>

#include <limits>

namespace Peal::Cli {

namespace {

// The options that locate and configure a run: shared by `run` and `status`.
QList<OptionDef> configOptions()
{
    QList<OptionDef> options = {
        {QStringLiteral("--config"), QStringLiteral("PATH"),
         QStringLiteral("TOML configuration file"), {}},
        {QStringLiteral("--plugin-dir"), QStringLiteral("DIR"),
         QStringLiteral("look for plugins here first (also PEAL_PLUGIN_PATH)"), {}},
    };
    for (const ConfigKeyInfo &key : ConfigLoader::keys()) {
        if (key.cliFlag.isEmpty())
            continue;
        QString help = key.help;
        if (!key.cliSwitch && key.defaultText != u"(none)")
            help += QStringLiteral(" [default: %1]").arg(key.defaultText);
        options.append({key.cliFlag, key.cliSwitch ? QString() : key.valueName, help, key.choices});
    }
    return options;
}

QList<OptionDef> runOptions()
{
    QList<OptionDef> options = {
        {QStringLiteral("--task"), QStringLiteral("N"),
         QStringLiteral("run only the task with this index (conflicts with --from-task)"), {}},
        {QStringLiteral("--from-task"), QStringLiteral("N"),
         QStringLiteral("run from this task index to the end (conflicts with --task)"), {}},
        {QStringLiteral("--redo"), QStringLiteral("N"),
         QStringLiteral("run only this task, also when it is completed (conflicts with --task and --from-task)"), {}},
        {QStringLiteral("--dry-run"), QString(),
         QStringLiteral("print what the run would do (segments, phases, commands) and run nothing"), {}},
        {QStringLiteral("--quiet"), QString(),
         QStringLiteral("print only 'warning:' and 'error:' lines (no log lines, no progress)"), {}},
        {QStringLiteral("--verbose"), QString(),
         QStringLiteral("on a terminal, print the log lines instead of one line per task event"), {}},
    };
    return configOptions() + options;
}

QList<OptionDef> statusOptions()
{
    return configOptions()
           + QList<OptionDef>{{QStringLiteral("--json"), QString(),
                               QStringLiteral("print the status as one JSON object"), {}}};
}

QList<OptionDef> resetOptions()
{
    return configOptions()
           + QList<OptionDef>{{QStringLiteral("--task"), QStringLiteral("N"),
                               QStringLiteral("mark this task not completed, so that 'peal run' runs it again"), {}},
                              {QStringLiteral("--all"), QString(),
                               QStringLiteral("mark every task not completed (the old state file is kept as a .bak)"),
                               {}}};
}

QList<OptionDef> logsOptions()
{
    return {{QStringLiteral("--phase"), QStringLiteral("MODE"), QStringLiteral("only the calls of this mode"),
             {QStringLiteral("plan"), QStringLiteral("execute"), QStringLiteral("address"), QStringLiteral("triage"),
              QStringLiteral("normalize")}},
            {QStringLiteral("--raw"), QString(), QStringLiteral("print the agent's own output (the last 64 KiB of each call)"), {}},
            {QStringLiteral("--follow"), QString(), QStringLiteral("keep printing the call in progress until it ends"), {}},
            {QStringLiteral("--json"), QString(), QStringLiteral("print the records as JSON lines, for tools"), {}},
            {QStringLiteral("--state-dir"), QStringLiteral("DIR"),
             QStringLiteral("the state directory of the run (default: PEAL_STATE_DIR, else .peal)"), {}}};
}

QList<OptionDef> completionOptions()
{
    return {};
}

QList<OptionDef> promptOptions()
{
    return {{QStringLiteral("--output"), QStringLiteral("PATH"),
             QStringLiteral("write the template to this file instead of stdout"), {}}};
}

QList<OptionDef> pluginsOptions()
{
    return {{QStringLiteral("--plugin-dir"), QStringLiteral("DIR"),
             QStringLiteral("look for plugins here first (also PEAL_PLUGIN_PATH)"), {}}};
}

QList<OptionDef> demoOptions()
{
    return {{QStringLiteral("--dir"), QStringLiteral("DIR"),
             QStringLiteral("create the demo here (default: a new directory under the system "
                            "temporary directory)"), {}},
            {QStringLiteral("--agent"), QStringLiteral("AGENT"),
             QStringLiteral("demo: the built-in demo agent (default); claude, codex or gemini: that real CLI, "
                            "against a scripted model on 127.0.0.1 (no account needed)"),
             {QStringLiteral("demo"), QStringLiteral("claude"), QStringLiteral("codex"), QStringLiteral("gemini")}}};
}

QString formatOptions(const QList<OptionDef> &options)
{
    QString text;
    for (const OptionDef &o : options) {
        QString left = o.flag;
        if (!o.valueName.isEmpty())
            left += QStringLiteral(" <%1>").arg(o.valueName);
        text += QStringLiteral("  %1  %2\n").arg(left, -36).arg(o.help);
    }
    text += QStringLiteral("  %1  %2\n").arg(QStringLiteral("-h, --help"), -36)
                .arg(QStringLiteral("print this help"));
    return text;
}

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

    if (!parser.parse(QStringList{QStringLiteral("peal")} + arguments))
        return usageError(parser.errorText(), command);
    if (parser.isSet(QStringLiteral("help")))
        return std::nullopt; // caller shows help
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("unexpected argument '%1' found")
                              .arg(parser.positionalArguments().first()),
                          command);
    const QStringList seen = parser.optionNames();
    for (const OptionDef &o : defs) {
        // --plugin-dir is a list: each occurrence adds a directory.
        if (seen.count(o.flag.mid(2)) > 1 && o.flag != u"--plugin-dir")
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
    for (const ConfigKeyInfo &key : ConfigLoader::keys()) {
        if (key.cliFlag.isEmpty() || !parser.isSet(key.cliFlag.mid(2)))
            continue;
        const QString value = key.cliSwitch ? QString() : parser.value(key.cliFlag.mid(2));
        if (auto set = ConfigLoader::setFromCommandLine(result.cliLayer, key.cliFlag, value); !set)
            return usageError(set.error().message(), command);
    }
    return std::nullopt;
}

CommandLine parseRun(const QStringList &arguments)
{
    const QString command = QStringLiteral("run");
    const QList<OptionDef> defs = runOptions();
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
    return result;
}

QString logsHelp()
{
    return QStringLiteral("Print what the agent calls of a task said and did: every call's prompt, the assistant's "
                          "words, its tool calls, usage and cost, and how it ended, from "
                          "<state_dir>/tasks/<N>/. Without a task, the tasks that have records.\n\n"
                          "Usage: peal logs [N] [OPTIONS]\n\nOptions:\n")
           + formatOptions(logsOptions());
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
    result.logsFollow = parser.isSet(QStringLiteral("follow"));
    result.json = parser.isSet(QStringLiteral("json"));
    if (result.logsFollow && !result.task)
        return usageError(QStringLiteral("the argument '--follow' needs a task: peal logs <N> --follow"), command);
    if (parser.isSet(QStringLiteral("state-dir")))
        result.logsStateDir = parser.value(QStringLiteral("state-dir"));
    else if (!qEnvironmentVariable("PEAL_STATE_DIR").isEmpty())
        result.logsStateDir = qEnvironmentVariable("PEAL_STATE_DIR");
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
    if (auto error = readConfigOptions(command, parser, result))
        return *error;
    if (auto error = parseIndex(parser, QStringLiteral("task"), &result.task, command))
        return *error;
    result.resetAll = parser.isSet(QStringLiteral("all"));
    if (result.resetAll == result.task.has_value())
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

QString pluginsHelp()
{
    return QStringLiteral("List the plugins peal finds, where, and why any was rejected.\n\n"
                          "Usage: peal plugins [OPTIONS]\n\nOptions:\n")
           + formatOptions(pluginsOptions());
}

QString demoHelp()
{
    return QStringLiteral("Create a small git repository and plan, and run the real engine on it "
                          "with the built-in demo agent, or with a real agent CLI (--agent claude) that "
                          "talks to a scripted model on 127.0.0.1 (no network or account needed).\n\n"
                          "Usage: peal demo [OPTIONS]\n\nOptions:\n")
           + formatOptions(demoOptions());
}

QString topLevelHelp(bool longForm)
{
    QString text = longForm
        ? QStringLiteral("PEAL — Plan-Execute-Address Loop.\n\n"
                         "Drives a coding-agent CLI (Cursor's `agent` by default) through a "
                         "markdown plan, three phases per task: create a plan, execute it, then "
                         "review the change with stet and address the findings.\n\n")
        : QStringLiteral("Plan-Execute-Address Loop: orchestrator that drives the Cursor CLI in "
                         "three phases per task\n\n");
    text += QStringLiteral("Usage: peal [OPTIONS] <COMMAND>\n\nCommands:\n");
    for (const CommandDef &c : commandCatalog())
        text += QStringLiteral("  %1  %2\n").arg(c.name, -10).arg(c.summary);
    text += QStringLiteral("  %1  %2\n\n").arg(QStringLiteral("help"), -10)
                .arg(QStringLiteral("print this message or the help of the given command"));
    text += QStringLiteral("Options:\n"
                           "  -h, --help     print help\n"
                           "  -V, --version  print version\n");
    if (longForm)
        text += QStringLiteral("\nExit codes: 0 success, 1 error, 2 finished with issues or "
                               "usage error, 3 consecutive-failure cap or budget reached.\n"
                               "Run 'peal <command> --help' for the options of a command.\n");
    return text;
}

QString runHelp()
{
    return QStringLiteral("Run the orchestrator on a plan file against a target repo.\n\n"
                          "--plan and --repo may also come from the config file or "
                          "PEAL_PLAN_PATH / PEAL_REPO_PATH. Running again with the same plan "
                          "and repo resumes where the last run stopped (state in "
                          "<state_dir>/state.json).\n"
                          "Precedence: command line > PEAL_* environment > config file > "
                          "default. Values starting with '-' must be attached with '=', as in "
                          "--stet-start-args=--allow-dirty.\n\n"
                          "Usage: peal run [OPTIONS]\n\nOptions:\n")
           + formatOptions(runOptions());
}

QString statusHelp()
{
    return QStringLiteral("Show, for a plan and repo, which tasks are done, what the last run did "
                          "and what 'peal run' would do next. Takes the options of 'peal run' "
                          "that locate the plan, the repo and the state (the config file, "
                          "PEAL_* variables and flags) and writes nothing. It checks what 'peal run' "
                          "checks before it starts; where 'peal run' would fail (a bad setting, a "
                          "missing plan or repo, an unreadable state file, a run in progress) it "
                          "says so in an 'error:' line and exits 1.\n\n"
                          "Usage: peal status [OPTIONS]\n\nOptions:\n")
           + formatOptions(statusOptions());
}

QString resetHelp()
{
    return QStringLiteral("Mark tasks not completed in the state file, so that 'peal run' runs them again. "
                          "Takes the options of 'peal run' that locate the plan, the repo and the state, "
                          "and edits <state_dir>/state.json under the run lock: it is refused while a run "
                          "holds the state directory, and a state file of another plan or repo is left "
                          "alone.\n\n"
                          "Usage: peal reset [OPTIONS] --task <N>\n"
                          "       peal reset [OPTIONS] --all\n\nOptions:\n")
           + formatOptions(resetOptions());
}

QList<CommandDef> commandCatalog()
{
    return {
        {QStringLiteral("run"), QStringLiteral("run the orchestrator on a plan file against a target repo"),
         runOptions()},
        {QStringLiteral("status"), QStringLiteral("show which tasks are done and what a run would do next"),
         statusOptions()},
        {QStringLiteral("reset"), QStringLiteral("mark tasks not completed so that a run does them again"),
         resetOptions()},
        {QStringLiteral("logs"), QStringLiteral("show what a task's agent calls said, did and cost"), logsOptions()},
        {QStringLiteral("prompt"), QStringLiteral("print the plan-format instructions to give an LLM"),
         promptOptions()},
        {QStringLiteral("demo"), QStringLiteral("run the engine on a built-in demo repository and plan"),
         demoOptions()},
        {QStringLiteral("plugins"), QStringLiteral("list the plugins found and why any was rejected"),
         pluginsOptions()},
        {QStringLiteral("completion"), QStringLiteral("print a bash or zsh completion script"),
         completionOptions()},
        {QStringLiteral("manpage"), QStringLiteral("print the man page (roff)"), {}},
    };
}

QString promptHelp()
{
    return QStringLiteral("Print the plan-format instructions to give an LLM that writes a plan "
                          "for peal.\n\nUsage: peal prompt [OPTIONS]\n\nOptions:\n")
           + formatOptions(promptOptions());
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
        if (rest.first() == u"logs")
            return showHelp(logsHelp());
        if (rest.first() == u"completion" || rest.first() == u"manpage")
            return parseCommandLine({rest.first(), QStringLiteral("--help")});
        if (rest.first() == u"help")
            return showHelp(topLevelHelp(true));
        return usageError(QStringLiteral("unrecognized subcommand '%1'").arg(rest.first()),
                          QString());
    }
    if (first.startsWith(u'-'))
        return usageError(QStringLiteral("unexpected argument '%1' found").arg(first), QString());
    return usageError(QStringLiteral("unrecognized subcommand '%1'").arg(first), QString());
}

} // namespace Peal::Cli
