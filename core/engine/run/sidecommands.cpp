// SPDX-License-Identifier: MIT
#include "run/sidecommands.h"

#include <peal/processjob.h>

namespace Peal::Internal {

SideCommands::SideCommands(std::shared_ptr<ProcessLauncher> launcher, QObject *parent)
    : QObject(parent), m_launcher(std::move(launcher))
{
}

SideCommands::~SideCommands()
{
    killAll();
}

void SideCommands::run(const ProcessSpec &spec, std::function<void(const ProcessResult &)> done)
{
    RunningProcess *job = m_launcher->create(spec, this);
    ++m_running;
    connect(job, &RunningProcess::done, this, [this, job, done = std::move(done)](const ProcessResult &result) {
        job->deleteLater();
        if (done)
            done(result);
        if (--m_running > 0)
            return;
        const QList<std::function<void()>> waiting = std::exchange(m_idle, {});
        for (const auto &then : waiting)
            then();
    });
    job->start();
}

void SideCommands::whenIdle(std::function<void()> then)
{
    if (m_running <= 0)
        return then();
    m_idle.append(std::move(then));
}

void SideCommands::killAll()
{
    for (RunningProcess *job : findChildren<RunningProcess *>(Qt::FindDirectChildrenOnly))
        job->cancel();
}

} // namespace Peal::Internal
