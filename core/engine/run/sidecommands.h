// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>
#include <peal/processjob.h>
#include <peal/sdk/process.h>

#include <QObject>

#include <functional>
#include <memory>

namespace Peal::Internal {

/*
 * Commands that run beside a run's own processes: notify commands, the cancelling of what an
 * executor left behind. Neither the limiter nor a cancel of the run holds them; the run waits
 * for them before it exits (whenIdle), and a forced exit ends them (killAll).
 */
class PEAL_EXPORT SideCommands : public QObject
{
    Q_OBJECT

public:
    explicit SideCommands(std::shared_ptr<ProcessLauncher> launcher, QObject *parent = nullptr);
    ~SideCommands() override;
    // Where the commands' processes come from (the run's launcher).
    void setLauncher(std::shared_ptr<ProcessLauncher> launcher) { m_launcher = std::move(launcher); }

    // Starts `spec` now; `done` gets its result on the event loop.
    void run(const ProcessSpec &spec, std::function<void(const ProcessResult &)> done);
    // `then` once nothing runs (at once when nothing does).
    void whenIdle(std::function<void()> then);
    void killAll();
    int running() const { return m_running; }

private:
    std::shared_ptr<ProcessLauncher> m_launcher;
    int m_running = 0;
    QList<std::function<void()>> m_idle;
};

} // namespace Peal::Internal
