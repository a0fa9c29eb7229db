// SPDX-License-Identifier: MIT
#include "initcommand.h"

#include "console.h"

#include <peal/exitcode.h>

#include <QFile>
#include <QFileInfo>

namespace Peal::Cli {

namespace {

// A TOML basic string.
QString tomlString(const QString &text)
{
    QString out = text;
    out.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
    return u'"' + out + u'"';
}

QByteArray configText(const QString &plan, const QString &repo)
{
    return QStringLiteral(
               "# peal configuration: 'peal run', 'peal status', 'peal logs' and 'peal reset' read it when they\n"
               "# run in this directory. Every key, its PEAL_* variable and its flag: 'peal run --help' and\n"
               "# docs/configuration.md. Flags and PEAL_* variables override what is here.\n"
               "\n"
               "plan_path = %1\n"
               "repo_path = %2\n"
               "\n"
               "# The agent: cursor (the default), claude, codex, gemini, opencode, copilot, qwen, or command\n"
               "# (any program).\n"
               "# agent_plugin = \"claude\"\n"
               "# model = \"claude-sonnet-4-5\"\n"
               "\n"
               "# Commit each task after it is executed: stet reviews committed changes only.\n"
               "commit_after_phase2 = true\n"
               "\n"
               "# Review: stet (the default; on PATH or stet_path), checks (your linters and tests), or \"none\".\n"
               "# reviewer_plugin = \"checks\"\n"
               "# max_address_rounds = 5\n"
               "\n"
               "# Tasks marked (parallel) run side by side, each in its own git worktree.\n"
               "# parallel = true\n"
               "# max_parallel = 4\n"
               "# isolation = \"worktree\"\n"
               "\n"
               "# Unattended runs: stop at a budget, wait out rate limits, notify.\n"
               "# max_cost_usd = 20.0\n"
               "# notify_commands = [\"notify-send\"]\n")
        .arg(tomlString(plan), tomlString(repo))
        .toUtf8();
}

const QByteArray kPlan = "# Plan\n"
                         "\n"
                         "Each task is a small, self-contained change that an agent can plan, make and have\n"
                         "reviewed on its own. Tasks run in order; neighbours marked (parallel) run side by side.\n"
                         "'peal prompt' prints these rules for an LLM that writes the plan for you.\n"
                         "\n"
                         "## Task 1\n"
                         "Describe the first change: what to do, where, and how to tell that it works.\n"
                         "\n"
                         "## Task 2\n"
                         "Describe the next change.\n";

bool writeNew(const QString &path, const QByteArray &bytes, QString *error)
{
    QFile file(path);
    // NewOnly: never over a file that appeared since the check.
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly) || file.write(bytes) != bytes.size()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace

int runInitCommand(const CommandLine &commandLine)
{
    const QString config = QStringLiteral("peal.toml");
    const QString plan = commandLine.initPlan;
    QStringList existing;
    for (const QString &path : {config, plan}) {
        if (QFileInfo::exists(path) || QFileInfo(path).isSymLink())
            existing << path;
    }
    if (!existing.isEmpty()) {
        printError(QStringLiteral("%1 already exist%2; nothing was written (peal init never overwrites a file: move it "
                                  "away, or edit it)")
                       .arg(existing.join(QStringLiteral(" and ")), existing.size() == 1 ? QStringLiteral("s") : QString()));
        return toInt(ExitCode::Failure);
    }
    QString error;
    if (!writeNew(config, configText(plan, commandLine.initRepo), &error)) {
        printError(error);
        return toInt(ExitCode::Failure);
    }
    if (!writeNew(plan, kPlan, &error)) {
        QFile::remove(config); // both or neither
        printError(error);
        return toInt(ExitCode::Failure);
    }
    printOut(QStringLiteral("wrote %1 and %2: describe your tasks in %2, then 'peal run --dry-run' shows what would run "
                            "and 'peal run' runs it\n")
                 .arg(config, plan));
    return toInt(ExitCode::Success);
}

} // namespace Peal::Cli
