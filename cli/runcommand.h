// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

#include <peal/dashboard.h>
#include <peal/engine.h>

#include <QObject>

namespace Peal::Cli {

// What `peal run` asks of the engine: the loaded configuration and the command line's choices
// (--task, --from-task, --redo, --plugin-dir, --dry-run, --quiet); PEAL_LOG and PATH are the
// caller's to add.
RunRequest runRequest(const CommandLine &commandLine, Config config);

// `peal run`: loads the configuration (printing any error), then runs the engine.
class RunCommand : public QObject
{
    Q_OBJECT

public:
    explicit RunCommand(CommandLine commandLine, QObject *parent = nullptr);
    ~RunCommand() override;

    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    CommandLine m_commandLine;
    class ProgressView *m_progress = nullptr;
    Engine *m_engine = nullptr;
    std::unique_ptr<DashboardServer> m_dashboard; // --serve
};

} // namespace Peal::Cli
