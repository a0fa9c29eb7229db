// SPDX-License-Identifier: MIT
// The Slurm executor: every agent call of a task (and, with [plugins.slurm] reviewer = true,
// every reviewer command) runs as a job step through srun (docs/distributed.md).
#include "slurmexecutor.h"

#include <peal/sdk/executor.h>

#include <QStringList>

#include <unistd.h>

namespace Peal::Slurm {

class SlurmPlugin final : public ExecutorPlugin
{
public:
    Result<void> configure(const PluginConfig &config) override
    {
        auto read = readOptions(config.options);
        if (!read)
            return read.error();
        m_options = std::move(read).value();
        return {};
    }

    bool runs(const ExecutorCall &call) const override { return call.reviewer ? m_options.reviewer : call.task != 0; }

    Result<ProcessSpec> wrap(const ProcessSpec &spec, const ExecutorCall &call) const override
    {
        // The run's allocation, asked for once (allocation = "run"); "call": none, answered
        // with the request unchanged (no id pattern).
        if (allocationWidth(call) > 0)
            return m_options.allocation == u"run" ? allocationCommand(m_options, call) : spec;
        return Slurm::wrap(m_options, spec, call);
    }

    std::optional<QString> failureOf(const ProcessResult &result, const ExecutorCall &) const override
    {
        return Slurm::failureOf(m_options, result);
    }

    std::optional<ProcessSpec> listCommand() const override
    {
        ProcessSpec spec;
        spec.program = m_options.squeue;
        spec.arguments = {QStringLiteral("--noheader"), QStringLiteral("--user=%1").arg(::getuid()),
                          QStringLiteral("--format=%i %k")};
        spec.label = QStringLiteral("squeue");
        return spec;
    }

    QList<ProcessSpec> cancelCommands(const QStringList &tags, const QString &listed) const override
    {
        const QStringList ids = jobsTagged(listed, tags);
        if (ids.isEmpty())
            return {};
        ProcessSpec spec;
        spec.program = m_options.scancel;
        spec.arguments = ids;
        spec.label = QStringLiteral("scancel");
        return {spec};
    }

private:
    SlurmOptions m_options;
};

} // namespace Peal::Slurm

PEAL_REGISTER_PLUGIN(Peal::Slurm::SlurmPlugin)
