// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

#include <QObject>

namespace Peal::Cli {

// `peal run`: loads and validates the configuration, then hands over to the engine.
class RunCommand : public QObject
{
    Q_OBJECT

public:
    explicit RunCommand(CommandLine commandLine, QObject *parent = nullptr);

    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void fail(const Error &error);

    CommandLine m_commandLine;
};

} // namespace Peal::Cli
