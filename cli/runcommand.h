// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

#include <QObject>

namespace Peal {
class Engine;
}

namespace Peal::Cli {

// `peal run`: loads the configuration (printing any error), then runs the engine.
class RunCommand : public QObject
{
    Q_OBJECT

public:
    explicit RunCommand(CommandLine commandLine, QObject *parent = nullptr);

    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    CommandLine m_commandLine;
    class ProgressView *m_progress = nullptr;
    Engine *m_engine = nullptr;
};

} // namespace Peal::Cli
