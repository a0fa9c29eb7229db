// SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

#include <peal/dashboard.h>

#include <memory>

namespace Peal::Cli {

// Starts a dashboard server on `port`, or when none is given on kDefaultServePort, falling back
// to a free port when that one is taken. The error names the address, the port and why.
Result<std::unique_ptr<DashboardServer>> startDashboard(DashboardOptions options, std::optional<quint16> port);

// `peal serve`: serves the dashboard until SIGINT or SIGTERM (exit 0); exit 1 when it cannot
// listen or has nothing to show.
int runServeCommand(const CommandLine &commandLine);

} // namespace Peal::Cli
