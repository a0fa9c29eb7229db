// SPDX-License-Identifier: MIT
// One executor allocation for the whole run ([plugins.slurm] allocation = "run",
// docs/distributed.md): asked for before the tasks, given back at the end.
#include "run/runcontext.h"

#include <peal/textutil.h>

#include <QRegularExpression>

namespace Peal::Internal {

void RunContext::makeAllocation(const StepHandle &step, QObject *context)
{
    if (!m_executor)
        return step.done();
    const QString who = QStringLiteral("executor plugin '%1'").arg(m_executorId);
    ExecutorCall call;
    call.phase = QStringLiteral("allocation");
    call.tag = executorRunTag();
    call.timeout = timeout();
    setAllocationWidth(call, int(std::max<quint32>(1, m_config.maxParallel)));
    Result<ProcessSpec> command = ProcessSpec();
    if (auto asked = callGuarded(who, [&] { command = m_executor->wrap(ProcessSpec(), call); }); !asked)
        return step.done(asked.error());
    if (!command)
        return step.done(command.error());
    const QString pattern = allocationIdPattern(*command);
    if (pattern.isEmpty())
        return step.done(); // every call a job of its own
    m_allocationAsked = true; // from here, the run's end gives back whatever was granted
    ProcessSpec spec = *command;
    // Waiting in Slurm's queue for the allocation is bounded like a phase.
    if (!spec.timeout && timeout().count() > 0)
        spec.timeout = timeout();
    const QStringList release = allocationRelease(spec);
    m_logger.info(u"peal::exec", QStringLiteral("asking the executor for one allocation for the run"),
                  {{QStringLiteral("program"), spec.program}, {QStringLiteral("args"), spec.arguments}});
    runProcess(spec, context, [this, step, pattern, release, who](const ProcessResult &result) {
        const QRegularExpressionMatch m = QRegularExpression(pattern).match(result.stdoutText + u'\n' + result.stderrText);
        if (!result.success() || !m.hasMatch()) {
            std::optional<QString> why;
            ExecutorCall none;
            (void)callGuarded(who, [&] { why = m_executor->failureOf(result, none); });
            const QString detail = why ? *why : Text::firstLine(result.stderrText.isEmpty() ? result.errorString : result.stderrText);
            return step.done(Error(Error::Kind::Plugin, QStringLiteral("%1: no allocation for the run").arg(who), detail));
        }
        m_allocation = m.captured(1);
        for (const QString &argument : release)
            m_allocationRelease << QString(argument).replace(QStringLiteral("{id}"), m_allocation);
        m_logger.info(u"peal::exec", QStringLiteral("agent calls run inside the run's allocation"),
                      {{QStringLiteral("allocation"), m_allocation}, {QStringLiteral("width"), qint64(m_config.maxParallel)}});
        step.done();
    });
}

void RunContext::releaseAllocation()
{
    if (m_allocationRelease.isEmpty())
        return;
    ProcessSpec spec;
    spec.program = m_allocationRelease.first();
    spec.arguments = m_allocationRelease.mid(1);
    spec.stdinMode = ProcessSpec::Stdin::Null;
    spec.timeout = std::chrono::seconds(30);
    spec.label = QStringLiteral("release the allocation");
    m_logger.info(u"peal::exec", QStringLiteral("giving the run's allocation back"), {{QStringLiteral("allocation"), m_allocation}});
    m_sideCommands->run(spec, [this, program = spec.program](const ProcessResult &r) {
        if (!r.success())
            m_logger.warn(u"peal::exec", QStringLiteral("the run's allocation was not given back"),
                          {{QStringLiteral("program"), program}, {QStringLiteral("exit_code"), exitStatusText(r)},
                           {QStringLiteral("stderr"), r.stderrText.trimmed().left(300)}});
    });
    m_allocationRelease.clear();
}

} // namespace Peal::Internal
