// SPDX-License-Identifier: MIT
#pragma once

#include <peal/config.h>

#include <QString>
#include <QStringList>

#include <optional>

namespace Peal::Cli {

// What the command line asked for. Parsing never prints or exits; main() acts on this.
struct CommandLine
{
    enum class Action {
        ShowHelp,    // text in `output`, to stdout, exit 0
        ShowVersion, // text in `output`, to stdout, exit 0
        UsageError,  // text in `output`, to stderr, exit 2
        Run,
        Prompt,
        Plugins,
        Demo,
        Status,
        Reset,
        Completion,
        ManPage,
        Logs,
        Init,
        History,
        Serve,
    };

    Action action = Action::ShowHelp;
    QString output;

    // run, status
    ConfigLayer cliLayer;
    std::optional<QString> configFile;
    std::optional<quint32> task;
    std::optional<quint32> fromTask;
    std::optional<quint32> redo; // run: run this task again, completed or not (implies --task)
    bool dryRun = false; // run: print the schedule, run nothing
    bool quiet = false;  // run: only warnings and errors on stderr, no progress line
    bool verbose = false; // run: log lines on stderr also on a terminal
    bool json = false;   // status: machine-readable output
    bool resetAll = false; // reset --all (else `resetTasks`)
    QList<quint32> resetTasks; // reset --task N, as often as given
    QString initPlan = QStringLiteral("plan.md"); // init: the plan skeleton to write
    QString initRepo = QStringLiteral(".");       // init: repo_path of the written peal.toml

    QStringList pluginDirs; // run, plugins

    // logs
    QString logsPhase;      // --phase: plan, execute, address, triage, normalize
    bool logsRaw = false;   // --raw: the agent's own stdout tail
    bool logsPrompt = false;  // logs: each call's prompt in full
    bool logsFollow = false; // --follow: wait for the call in progress
    std::optional<QString> givenStateDir; // logs, history, serve: --state-dir or PEAL_STATE_DIR;
                                          // unset: where the command runs says (workplace.h)

    // run --serve[=PORT], serve
    bool serve = false;               // run: serve the dashboard of this run
    std::optional<quint16> servePort; // unset: kDefaultServePort, or a free port if it is taken
    QString serveBind = QStringLiteral("127.0.0.1");
    QString serveRoot;                // serve --root: every state directory under it
    QString serveToken;               // serve --token

    // prompt
    std::optional<QString> promptOutput;
    bool promptGraph = false; // prompt --graph: the format of graph plans
    bool watch = false;       // status --watch: follow the run in progress

    // demo
    std::optional<QString> demoDir;
    QString demoAgent = QStringLiteral("demo"); // or claude, codex, gemini, opencode, copilot, qwen

    // completion
    QString shell;
};

// One option of a command, for parsing, --help, shell completion and the man page.
struct OptionDef
{
    QString flag;         // "--plan"
    QString valueName;    // empty for switches
    QString help;
    QStringList choices;  // the values it accepts, when they are a fixed set
    bool repeatable = false; // may be given more than once, each adding a value
};

// One command as --help, the completions and the man page describe it.
struct CommandDef
{
    QString name;
    QString summary;
    QList<OptionDef> options; // without -h/--help
};

// Every command, in the order of `peal --help`.
QList<CommandDef> commandCatalog();

// `arguments` excludes the program name.
CommandLine parseCommandLine(const QStringList &arguments);

QString topLevelHelp(bool longForm);
QString runHelp();
QString promptHelp();
QString pluginsHelp();
QString demoHelp();
QString statusHelp();
QString resetHelp();
QString initHelp();
QString historyHelp();
QString serveHelp();

// The dashboard's port unless one is given (`peal serve`, `peal run --serve`).
constexpr quint16 kDefaultServePort = 8765;

} // namespace Peal::Cli
