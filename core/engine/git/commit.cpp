// SPDX-License-Identifier: MIT
#include "git/commit.h"

#include <peal/textutil.h>

namespace Peal::Internal {

namespace {

bool isNothingToCommit(const QString &stderrText)
{
    const QString lower = stderrText.toLower();
    return stderrText.trimmed().isEmpty() || lower.contains(u"nothing to commit")
           || lower.contains(u"working tree clean") || lower.contains(u"no changes added to commit");
}

} // namespace

std::optional<QString> planSuffix(const QString &planText)
{
    const QStringList lines = Text::lines(planText);
    const QString first = lines.isEmpty() ? QString() : lines.first().trimmed();
    if (first.isEmpty())
        return std::nullopt;
    return first;
}

Step commitStep(RunContext &run, QObject *context, CommitRequest request, CommittedCallback committed)
{
    const QString repo = run.config().repoPath;
    const auto failed = [prefix = request.errorPrefix](const QString &command, const ProcessResult &r) -> Result<void> {
        return Error(Error::Kind::Commit, QStringLiteral("%1%2 failed: %3")
                                              .arg(prefix, command,
                                                   r.failedToStart() ? r.errorString : Text::firstLine(r.stderrText)));
    };
    auto nothingToCommit = std::make_shared<bool>(false);
    const quint32 task = request.task;
    return sequenceStep(QStringLiteral("commit"), {
        gitStep(run, context, QStringLiteral("git add"),
                [&run, repo, task] {
                    return GitCall{repo, QStringList{QStringLiteral("add"), QStringLiteral("-A")} + run.userTree().commitPathspec(),
                                   {}, task};
                },
                [failed](const ProcessResult &add) { return add.success() ? Result<void>() : failed(QStringLiteral("git add"), add); }),
        // With the user's paths left out, the pathspec also keeps what they had staged out.
        gitStep(run, context, QStringLiteral("git commit"),
                [&run, repo, message = request.message, task] {
                    return GitCall{repo, QStringList{QStringLiteral("commit"), QStringLiteral("-m"), message}
                                             + run.userTree().commitPathspec(),
                                   {}, task};
                },
                [&run, failed, nothingToCommit, when = request.when, task](const ProcessResult &commit) {
                    if (commit.success())
                        return Result<void>();
                    if (commit.failedToStart() || !isNothingToCommit(commit.stderrText))
                        return failed(QStringLiteral("git commit"), commit);
                    run.logger().info(u"peal::runner", QStringLiteral("nothing to commit %1 (working tree clean)").arg(when),
                                      {{QStringLiteral("task_index"), task}});
                    *nothingToCommit = true;
                    return Result<void>();
                }),
        deferredStep(QStringLiteral("committed"), [&run, context, repo, request, committed, nothingToCommit] {
            if (*nothingToCommit)
                return syncStep(QStringLiteral("nothing committed"), [committed] {
                    committed(QString());
                    return Result<void>();
                });
            return gitStep(run, context, QStringLiteral("git rev-parse HEAD"),
                           [repo, task = request.task] {
                               return GitCall{repo, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")}, {}, task};
                           },
                           [&run, request, committed](const ProcessResult &head) {
                               const QString sha = head.success() ? head.stdoutText.trimmed() : QString();
                               run.userTree().committed(sha);
                               run.logger().info(u"peal::runner", QStringLiteral("committed ") + request.when,
                                                 {{QStringLiteral("task_index"), request.task},
                                                  {QStringLiteral("message"), request.message},
                                                  {QStringLiteral("commit"), sha}});
                               committed(sha);
                               return Result<void>();
                           });
        }),
    });
}

Step commitAfterPhase2Step(RunContext &run, QObject *context, quint32 taskIndex, const std::optional<QString> &suffix,
                           CommittedCallback committed)
{
    return commitStep(run, context,
                      {commitMessage(taskIndex, suffix), QStringLiteral("after phase 2"),
                       QStringLiteral("commit after phase 2 failed: "), taskIndex},
                      std::move(committed));
}

} // namespace Peal::Internal
