// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

// Every command's options, described once: the parser, --help, the completions and the man
// page read them from here.
namespace Peal::Cli {

QList<OptionDef> configOptions();
QList<OptionDef> runOptions();
QList<OptionDef> statusOptions();
QList<OptionDef> resetOptions();
QList<OptionDef> initOptions();
QList<OptionDef> historyOptions();
QList<OptionDef> serveOptions();
QList<OptionDef> logsOptions();
QList<OptionDef> completionOptions();
QList<OptionDef> promptOptions();
QList<OptionDef> pluginsOptions();
QList<OptionDef> demoOptions();
// The options as --help lists them, with -h/--help last.
QString formatOptions(const QList<OptionDef> &options);
QString logsHelp();

} // namespace Peal::Cli
