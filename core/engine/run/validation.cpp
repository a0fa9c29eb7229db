// SPDX-License-Identifier: MIT
#include <peal/validation.h>

#include "run/runvalidation.h"

#include <peal/exec.h>
#include <peal/textutil.h>

namespace Peal {

namespace {

using ProcessRunner = std::function<void(const ProcessSpec &, QObject *, ProcessCallback)>;

void validateWith(const Config &config, QObject *context, const ProcessRunner &runGit,
                  std::function<void(Result<void>)> done)
{
    const auto finish = [context, done](Result<void> result) {
        QMetaObject::invokeMethod(context, [done, result] { done(result); }, Qt::QueuedConnection);
    };
    if (auto paths = ConfigLoader::validatePaths(config); !paths)
        return finish(paths);

    ProcessSpec spec = gitSpec(config.repoPath, {QStringLiteral("rev-parse"), QStringLiteral("--is-inside-work-tree")});
    spec.label = QStringLiteral("git (work-tree check)");
    runGit(spec, context, [config, done](const ProcessResult &git) {
        // An interrupt is not a verdict on the repository.
        if (git.ending == ProcessEnding::Cancelled)
            return done(Error(Error::Kind::Interrupted, QStringLiteral("git work-tree check cancelled")));
        if (!git.success() || git.stdoutText.trimmed() != u"true") {
            const QString why = git.failedToStart() ? QStringLiteral("could not run git: ") + git.errorString
                                                    : Text::firstLine(git.stderrText);
            return done(Error(Error::Kind::Config,
                              QStringLiteral("Target path is not a git repository: ") + config.repoPath,
                              ConfigLoader::withOrigin(config, QStringLiteral("repo_path"), why)));
        }
        done(ConfigLoader::validateValues(config));
    });
}

} // namespace

void validateConfig(const Config &config, QObject *context, std::function<void(Result<void>)> done)
{
    validateWith(config, context,
                 [](const ProcessSpec &spec, QObject *owner, ProcessCallback callback) {
                     runProcess(spec, owner, std::move(callback));
                 },
                 std::move(done));
}

namespace Internal {

void validateRun(RunContext &run, QObject *context, std::function<void(Result<void>)> done)
{
    // Through the run's limiter, so the check counts against max_parallel and a cancel ends it.
    validateWith(run.config(), context,
                 [&run](const ProcessSpec &spec, QObject *owner, ProcessCallback callback) {
                     run.runProcess(spec, owner, std::move(callback));
                 },
                 std::move(done));
}

} // namespace Internal

} // namespace Peal
