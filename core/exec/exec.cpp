// SPDX-License-Identifier: MIT
#include <peal/exec.h>

#include <peal/processjob.h>
#include <peal/textutil.h>

namespace Peal {

ProcessJob *runProcess(ProcessSpec spec, QObject *context,
                       std::function<void(const ProcessResult &)> done)
{
    auto *job = new ProcessJob(std::move(spec), context);
    QObject::connect(job, &ProcessJob::done, context,
                     [job, done = std::move(done)](const ProcessResult &result) {
                         done(result);
                         job->deleteLater();
                     });
    job->start();
    return job;
}

ProcessSpec gitSpec(const QString &repo, QStringList arguments)
{
    ProcessSpec spec;
    spec.program = QStringLiteral("git");
    spec.arguments = QStringList{QStringLiteral("-C"), repo} + arguments;
    spec.stdinMode = ProcessSpec::Stdin::Null;
    spec.label = QStringLiteral("git");
    return spec;
}

std::optional<ProcessSpec> commandSpec(const QString &command, const QString &workingDir,
                                       std::chrono::milliseconds timeout)
{
    const QStringList tokens = Text::splitAsciiWhitespace(command);
    if (tokens.isEmpty())
        return std::nullopt;
    ProcessSpec spec;
    spec.program = tokens.first();
    spec.arguments = tokens.mid(1);
    spec.workingDirectory = workingDir;
    spec.timeout = timeout;
    spec.stdinMode = ProcessSpec::Stdin::Inherit;
    spec.label = tokens.first();
    return spec;
}

} // namespace Peal
