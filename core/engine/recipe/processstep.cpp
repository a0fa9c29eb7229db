// SPDX-License-Identifier: MIT
#include "recipe/processstep.h"

#include <peal/exec.h>

namespace Peal::Internal {

namespace {

// Internal commits: a fixed identity, no signing. They never reach the user's branch.
const QStringList kCommitConfig{QStringLiteral("-c"), QStringLiteral("user.name=peal"),
                                QStringLiteral("-c"), QStringLiteral("user.email=peal@localhost"),
                                QStringLiteral("-c"), QStringLiteral("commit.gpgsign=false")};

void startProcess(RunContext &run, QObject *context, const StepHandle &step, const ProcessSpec &spec,
                  const ProcessCheck &check, std::optional<quint32> task)
{
    run.runProcess(spec, context, step.guard(step.name(), ProcessCallback([step, check](const ProcessResult &r) {
                       if (r.ending == ProcessEnding::Cancelled)
                           return step.done(interruptedError());
                       step.done(check ? check(r) : Result<void>());
                   })),
                   task);
}

} // namespace

Step processStep(RunContext &run, QObject *context, const QString &name, std::function<ProcessSpec()> spec,
                 ProcessCheck check, std::optional<quint32> task)
{
    return leafStep(name, [&run, context, spec = std::move(spec), check = std::move(check), task](const StepHandle &step) {
        startProcess(run, context, step, spec(), check, task);
    });
}

Step gitStep(RunContext &run, QObject *context, const QString &name, std::function<GitCall()> call, ProcessCheck check)
{
    return leafStep(name, [&run, context, call = std::move(call), check = std::move(check)](const StepHandle &step) {
        const GitCall c = call();
        ProcessSpec spec = gitSpec(c.dir, c.committing ? kCommitConfig + c.args : c.args);
        spec.environment.insert(c.env);
        if (!c.label.isEmpty())
            spec.label = c.label;
        startProcess(run, context, step, spec, check, c.task);
    });
}

QString gitFirstLine(const ProcessResult &result)
{
    return result.stdoutText.split(u'\n', Qt::SkipEmptyParts).value(0).trimmed();
}

} // namespace Peal::Internal
