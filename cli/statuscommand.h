// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

#include <QObject>

namespace Peal::Cli {

/*
 * `peal status`: what is done, what the last run did, what `peal run` would do next. It checks
 * what `peal run` checks before it starts (the configuration, the plan, the repository and its
 * git work tree) and reads the state files; it writes nothing. Where `peal run` would fail (an
 * unreadable state file, a live run holding the state directory, strict_plan with notices) it
 * says so in an `error:` line after the report and exits 1.
 */
class StatusCommand : public QObject
{
    Q_OBJECT

public:
    explicit StatusCommand(CommandLine commandLine, QObject *parent = nullptr);
    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void report(const Config &config);

    CommandLine m_commandLine;
};

} // namespace Peal::Cli
