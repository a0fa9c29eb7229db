// SPDX-License-Identifier: MIT
#include <peal/validation.h>

#include <peal/exec.h>

namespace Peal {

void validateConfig(const Config &config, QObject *context, std::function<void(Result<void>)> done)
{
    const auto finish = [context, done](Result<void> result) {
        QMetaObject::invokeMethod(context, [done, result] { done(result); }, Qt::QueuedConnection);
    };
    if (auto paths = ConfigLoader::validatePaths(config); !paths)
        return finish(paths);

    runProcess(gitSpec(config.repoPath, {QStringLiteral("rev-parse"),
                                         QStringLiteral("--is-inside-work-tree")}),
               context, [config, done](const ProcessResult &git) {
                   if (!git.success() || git.stdoutText.trimmed() != u"true") {
                       const QString why = git.failedToStart()
                                               ? QStringLiteral("could not run git: ")
                                                     + git.errorString
                                               : git.stderrText.trimmed();
                       return done(Error(Error::Kind::Config,
                                         QStringLiteral("Target path is not a git repository: ")
                                             + config.repoPath,
                                         ConfigLoader::withOrigin(config, QStringLiteral("repo_path"), why)));
                   }
                   done(ConfigLoader::validateValues(config));
               });
}

} // namespace Peal
