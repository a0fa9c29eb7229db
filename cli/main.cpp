// SPDX-License-Identifier: MIT
#include "commandline.h"
#include "console.h"
#include "democommand.h"
#include "pluginscommand.h"
#include "historycommand.h"
#include "initcommand.h"
#include "promptcommand.h"
#include "logscommand.h"
#include "resetcommand.h"
#include "runcommand.h"
#include "servecommand.h"
#include "shellintegration.h"
#include "statuscommand.h"

#include <peal/exitcode.h>

#include <QCoreApplication>
#include <QTimer>

using namespace Peal;
using namespace Peal::Cli;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("peal"));

    CommandLine commandLine = parseCommandLine(QCoreApplication::arguments().mid(1));
    switch (commandLine.action) {
    case CommandLine::Action::ShowHelp:
    case CommandLine::Action::ShowVersion:
        printOut(commandLine.output);
        return toInt(ExitCode::Success);
    case CommandLine::Action::UsageError:
        printErr(commandLine.output);
        return toInt(ExitCode::Usage);
    case CommandLine::Action::Prompt:
        return runPromptCommand(commandLine.promptOutput, commandLine.promptGraph);
    case CommandLine::Action::Plugins:
        return runPluginsCommand(commandLine.pluginDirs);
    case CommandLine::Action::Reset:
        return runResetCommand(commandLine);
    case CommandLine::Action::Init:
        return runInitCommand(commandLine);
    case CommandLine::Action::History:
        return runHistoryCommand(commandLine);
    case CommandLine::Action::Serve:
        return runServeCommand(commandLine);
    case CommandLine::Action::Logs:
        return runLogsCommand(commandLine);
    case CommandLine::Action::Status: {
        auto *status = new StatusCommand(commandLine, &app);
        QObject::connect(status, &StatusCommand::finished, &app, [](int code) { QCoreApplication::exit(code); });
        QTimer::singleShot(0, status, &StatusCommand::start);
        return QCoreApplication::exec();
    }
    case CommandLine::Action::Completion:
        printOut(commandLine.shell == u"zsh" ? zshCompletion() : bashCompletion());
        return toInt(ExitCode::Success);
    case CommandLine::Action::ManPage:
        printOut(manPage());
        return toInt(ExitCode::Success);
    case CommandLine::Action::Demo: {
        auto *demo = new DemoCommand(commandLine.demoDir, commandLine.demoAgent, &app);
        QObject::connect(demo, &DemoCommand::finished, &app, [](int code) { QCoreApplication::exit(code); });
        QTimer::singleShot(0, demo, &DemoCommand::start);
        return QCoreApplication::exec();
    }
    case CommandLine::Action::Run:
        break;
    }

    auto *run = new RunCommand(std::move(commandLine), &app);
    QObject::connect(run, &RunCommand::finished, &app, [](int code) { QCoreApplication::exit(code); });
    QTimer::singleShot(0, run, &RunCommand::start);
    return QCoreApplication::exec();
}
