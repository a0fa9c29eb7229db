// SPDX-License-Identifier: MIT
#include "commandcatalog.h"

namespace Peal::Cli {

// The options that locate and configure a run: shared by `run` and `status`.
QList<OptionDef> configOptions()
{
    QList<OptionDef> options = {
        {QStringLiteral("--config"), QStringLiteral("PATH"),
         QStringLiteral("TOML configuration file (default: ./peal.toml when there is one)"), {}},
        {QStringLiteral("--plugin-dir"), QStringLiteral("DIR"),
         QStringLiteral("look for plugins here first (also PEAL_PLUGIN_PATH)"), {}, true},
        {QStringLiteral("--no-review"), QString(),
         QStringLiteral("run without reviews, on purpose (the same as --reviewer-plugin none)"), {}},
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
        {QStringLiteral("--serve"), QString(),
         QStringLiteral("serve this run's dashboard on 127.0.0.1 while it runs; --serve=PORT on that port "
                        "(default: 8765, or a free port if it is taken; 0: a free port)"), {}},
    };
    return configOptions() + options;
}

QList<OptionDef> statusOptions()
{
    return configOptions()
           + QList<OptionDef>{{QStringLiteral("--json"), QString(),
                               QStringLiteral("print the status as one JSON object"), {}},
                              {QStringLiteral("--watch"), QString(),
                               QStringLiteral("follow the run in progress as its journal grows, until it ends"), {}}};
}

QList<OptionDef> resetOptions()
{
    // Only what finds the state and the plan, and what to reset.
    return {{QStringLiteral("--config"), QStringLiteral("PATH"),
             QStringLiteral("TOML configuration file (default: ./peal.toml when there is one)"), {}},
            {QStringLiteral("--plan"), QStringLiteral("PATH"),
             QStringLiteral("the plan (default: the one the state records)"), {}},
            {QStringLiteral("--repo"), QStringLiteral("PATH"),
             QStringLiteral("the repository (default: the one the state records)"), {}},
            {QStringLiteral("--state-dir"), QStringLiteral("DIR"), QStringLiteral("the state directory [default: .peal]"), {}},
            {QStringLiteral("--task"), QStringLiteral("N"),
             QStringLiteral("run this task from its first phase next time: marked not completed, its progress "
                            "forgotten (repeat for more tasks)"),
             {}, true},
            {QStringLiteral("--all"), QString(),
             QStringLiteral("every task (the old state file is kept as a .bak)"), {}}};
}

QList<OptionDef> initOptions()
{
    return {{QStringLiteral("--plan"), QStringLiteral("PATH"), QStringLiteral("the plan skeleton to write [default: plan.md]"), {}},
            {QStringLiteral("--repo"), QStringLiteral("PATH"),
             QStringLiteral("the repository the configuration names [default: .]"), {}}};
}

QList<OptionDef> historyOptions()
{
    return {{QStringLiteral("--json"), QString(), QStringLiteral("one JSON object per run, for tools"), {}},
            {QStringLiteral("--state-dir"), QStringLiteral("DIR"),
             QStringLiteral("the state directory (default: PEAL_STATE_DIR, else state_dir of ./peal.toml, else .peal)"),
             {}}};
}

QList<OptionDef> serveOptions()
{
    return {{QStringLiteral("--port"), QStringLiteral("N"),
             QStringLiteral("the port to listen on; 0: a free one [default: 8765]"), {}},
            {QStringLiteral("--bind"), QStringLiteral("ADDR"),
             QStringLiteral("the address to listen on; any but a loopback address needs a token [default: 127.0.0.1]"), {}},
            {QStringLiteral("--token"), QStringLiteral("T"),
             QStringLiteral("ask every request for this token (16 characters or more); made up and printed with "
                            "the URL when --bind is not a loopback address"), {}},
            {QStringLiteral("--root"), QStringLiteral("DIR"),
             QStringLiteral("show every peal state directory found under DIR (a few levels deep)"), {}},
            {QStringLiteral("--state-dir"), QStringLiteral("DIR"),
             QStringLiteral("the state directory to show (default: PEAL_STATE_DIR, else state_dir of ./peal.toml, "
                            "else .peal)"), {}}};
}

QList<OptionDef> logsOptions()
{
    return {{QStringLiteral("--phase"), QStringLiteral("MODE"), QStringLiteral("only the calls of this mode"),
             {QStringLiteral("plan"), QStringLiteral("execute"), QStringLiteral("address"), QStringLiteral("triage"),
              QStringLiteral("normalize")}},
            {QStringLiteral("--raw"), QString(), QStringLiteral("print the agent's own output (the last 64 KiB of each call)"), {}},
            {QStringLiteral("--prompt"), QString(), QStringLiteral("print each call's prompt in full"), {}},
            {QStringLiteral("--follow"), QString(), QStringLiteral("keep printing the call in progress until it ends"), {}},
            {QStringLiteral("--json"), QString(), QStringLiteral("print the records as JSON lines, for tools"), {}},
            {QStringLiteral("--state-dir"), QStringLiteral("DIR"),
             QStringLiteral("the state directory of the run (default: PEAL_STATE_DIR, else state_dir of ./peal.toml, "
                            "else .peal)"), {}}};
}

QList<OptionDef> completionOptions()
{
    return {};
}

QList<OptionDef> promptOptions()
{
    return {{QStringLiteral("--output"), QStringLiteral("PATH"),
             QStringLiteral("write the template to this file instead of stdout"), {}},
            {QStringLiteral("--graph"), QString(),
             QStringLiteral("the format of graph plans: tasks that name what they wait for, (after 2, 4)"), {}}};
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
             QStringLiteral("demo: the built-in demo agent (default); claude, codex, gemini, opencode, copilot or "
                            "qwen: that real CLI, "
                            "against a scripted model on 127.0.0.1 (no account needed)"),
             {QStringLiteral("demo"), QStringLiteral("claude"), QStringLiteral("codex"), QStringLiteral("gemini"),
              QStringLiteral("opencode"), QStringLiteral("copilot"), QStringLiteral("qwen")}}};
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

QString logsHelp()
{
    return QStringLiteral("Print what the agent calls of a task said and did: every call's prompt (with --prompt), "
                          "the assistant's words, its tool calls, usage and cost, and how it ended, then the task's "
                          "review - each round and each finding with its fate (dismissed and why, fixed, left) - from "
                          "<state_dir>/tasks/<N>/. Without a task, the tasks that have records.\n\n"
                          "Usage: peal logs [N] [OPTIONS]\n\nOptions:\n")
           + formatOptions(logsOptions());
}

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
                          "says so in an 'error:' line and exits 1; of a run in progress it says what it is doing, "
                          "from the run's journal (--watch follows it).\n\n"
                          "Usage: peal status [OPTIONS]\n\nOptions:\n")
           + formatOptions(statusOptions());
}

QString resetHelp()
{
    return QStringLiteral("Make tasks run again from their first phase: marked not completed in "
                          "<state_dir>/state.json and their progress forgotten, under the run lock: it is refused "
                          "while a run holds the state directory, and a state file of another plan or repo is "
                          "left alone. Without --plan and --repo, the ones of ./peal.toml or of the state.\n\n"
                          "Usage: peal reset [OPTIONS] --task <N> [--task <N>...]\n"
                          "       peal reset [OPTIONS] --all\n\nOptions:\n")
           + formatOptions(resetOptions());
}

QList<CommandDef> commandCatalog()
{
    return {
        {QStringLiteral("run"), QStringLiteral("run the orchestrator on a plan file against a target repo"),
         runOptions()},
        {QStringLiteral("init"), QStringLiteral("write a commented peal.toml and a plan skeleton here"), initOptions()},
        {QStringLiteral("status"), QStringLiteral("show which tasks are done and what a run would do next"),
         statusOptions()},
        {QStringLiteral("reset"), QStringLiteral("mark tasks not completed so that a run does them again"),
         resetOptions()},
        {QStringLiteral("logs"), QStringLiteral("show what a task's agent calls said, did and cost"), logsOptions()},
        {QStringLiteral("history"), QStringLiteral("list the runs of this state, newest first"), historyOptions()},
        {QStringLiteral("serve"), QStringLiteral("serve a live dashboard of the runs in the browser"), serveOptions()},
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

QString initHelp()
{
    return QStringLiteral("Write a commented peal.toml (the plan, the repository, the settings most runs change) "
                          "and a plan skeleton in the current directory, so that 'peal run', 'peal status', "
                          "'peal logs' and 'peal reset' need no options here. An existing file is never "
                          "overwritten: then nothing is written.\n\n"
                          "Usage: peal init [OPTIONS]\n\nOptions:\n")
           + formatOptions(initOptions());
}

QString historyHelp()
{
    return QStringLiteral("List the runs of a state directory, newest first: when each started, how it ended, "
                          "how long it took, the tasks it finished and failed, its agent calls, tokens and cost. "
                          "Each run's record, with the settings it ran with, is <state_dir>/runs/<run id>.json; "
                          "a run that wrote none - going on, or killed - is read from its journal "
                          "(<state_dir>/runs/<run id>.jsonl) and shown as running or killed. "
                          "'peal logs' names each call's run.\n\n"
                          "Usage: peal history [OPTIONS]\n\nOptions:\n")
           + formatOptions(historyOptions());
}

QString serveHelp()
{
    return QStringLiteral("Serve a dashboard of peal's runs to a browser: every run of the state directory (or of "
                          "every state directory under --root), past and in progress, its tasks with their phase, "
                          "time, tokens, cost and review, the agents' latest tool calls and words, a graph plan as a "
                          "graph, totals against the budgets and rate-limit waits, live as the run's journal grows. "
                          "It listens on 127.0.0.1 unless --bind says otherwise; then every request needs the token "
                          "the printed URL carries. Only GET and HEAD are answered. Stop it with Ctrl-C. The page and "
                          "its JSON API: docs/dashboard.md.\n\n"
                          "Usage: peal serve [OPTIONS]\n\nOptions:\n")
           + formatOptions(serveOptions());
}

QString promptHelp()
{
    return QStringLiteral("Print the plan-format instructions to give an LLM that writes a plan "
                          "for peal.\n\nUsage: peal prompt [OPTIONS]\n\nOptions:\n")
           + formatOptions(promptOptions());
}

} // namespace Peal::Cli
