// SPDX-License-Identifier: MIT
#include <peal/validation.h>

#include "run/runvalidation.h"

#include "recipe/processstep.h"

#include <peal/exec.h>
#include <peal/textutil.h>

namespace Peal {

namespace {

// `git -C <repo> rev-parse --is-inside-work-tree`: the one git call of validation.
ProcessSpec workTreeCheck(const Config &config)
{
    ProcessSpec spec = gitSpec(config.repoPath, {QStringLiteral("rev-parse"), QStringLiteral("--is-inside-work-tree")});
    spec.label = QStringLiteral("git (work-tree check)");
    return spec;
}

// The verdict of the work-tree check on the repository.
Result<void> readWorkTreeCheck(const Config &config, const ProcessResult &git)
{
    // An interrupt is not a verdict on the repository.
    if (git.ending == ProcessEnding::Cancelled)
        return Error(Error::Kind::Interrupted, QStringLiteral("git work-tree check cancelled"));
    if (git.success() && git.stdoutText.trimmed() == u"true")
        return {};
    const QString why = git.failedToStart() ? QStringLiteral("could not run git: ") + git.errorString
                                            : Text::firstLine(git.stderrText);
    return Error(Error::Kind::Config, QStringLiteral("Target path is not a git repository: ") + config.repoPath,
                 ConfigLoader::withOrigin(config, QStringLiteral("repo_path"), why));
}

} // namespace

void validateConfig(const Config &config, QObject *context, std::function<void(Result<void>)> done)
{
    if (auto paths = ConfigLoader::validatePaths(config); !paths) {
        QMetaObject::invokeMethod(context, [done, paths] { done(paths); }, Qt::QueuedConnection);
        return;
    }
    runProcess(workTreeCheck(config), context, [config, done](const ProcessResult &git) {
        if (auto repo = readWorkTreeCheck(config, git); !repo)
            return done(repo);
        done(ConfigLoader::validateValues(config));
    });
}

namespace Internal {

Step validateStep(RunContext &run, QObject *context)
{
    const Config &config = run.config();
    return sequenceStep(QStringLiteral("validate"), {
        syncStep(QStringLiteral("paths"), [&config] { return ConfigLoader::validatePaths(config); }),
        processStep(run, context, QStringLiteral("work tree"), [&config] { return workTreeCheck(config); },
                    [&config](const ProcessResult &git) { return readWorkTreeCheck(config, git); }),
        syncStep(QStringLiteral("values"), [&config] { return ConfigLoader::validateValues(config); }),
    });
}

} // namespace Internal

} // namespace Peal
