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
    };

    Action action = Action::ShowHelp;
    QString output;

    // run
    ConfigLayer cliLayer;
    std::optional<QString> configFile;
    std::optional<quint32> task;
    std::optional<quint32> fromTask;

    QStringList pluginDirs; // run, plugins

    // prompt
    std::optional<QString> promptOutput;

    // demo
    std::optional<QString> demoDir;
};

// `arguments` excludes the program name.
CommandLine parseCommandLine(const QStringList &arguments);

QString topLevelHelp(bool longForm);
QString runHelp();
QString promptHelp();
QString pluginsHelp();
QString demoHelp();

} // namespace Peal::Cli
