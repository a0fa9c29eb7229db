// SPDX-License-Identifier: MIT
#include "commit.h"

#include <peal/exec.h>
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

QString commitMessage(quint32 taskIndex, const std::optional<QString> &suffix)
{
    QString message = QStringLiteral("peal: task %1").arg(taskIndex);
    if (!suffix)
        return message;
    QString text = suffix->trimmed();
    if (Text::utf8Length(text) > 80)
        text = Text::truncateUtf8(text, 77) + QStringLiteral("...");
    if (!text.isEmpty())
        message += QStringLiteral(" - ") + text;
    return message;
}

std::optional<QString> planSuffix(const QString &planText)
{
    const QStringList lines = Text::lines(planText);
    const QString first = lines.isEmpty() ? QString() : lines.first().trimmed();
    if (first.isEmpty())
        return std::nullopt;
    return first;
}

void commitAll(RunContext &run, QObject *context, const QString &message, const QString &when,
               const QString &errorPrefix, quint32 taskIndex, CommitCallback done)
{
    const auto commitError = [errorPrefix](const QString &detail) {
        return Error(Error::Kind::Commit, errorPrefix + detail);
    };
    const QString repo = run.config().repoPath;
    const QStringList pathspec = run.userTree().commitPathspec();
    run.runProcess(gitSpec(repo, QStringList{QStringLiteral("add"), QStringLiteral("-A")} + pathspec), context,
                   [&run, context, repo, message, when, taskIndex, done, commitError, pathspec](const ProcessResult &add) {
        if (add.failedToStart())
            return done(commitError(QStringLiteral("git add failed: ") + add.errorString));
        if (!add.success())
            return done(commitError(QStringLiteral("git add failed: ") + Text::firstLine(add.stderrText)));
        // With the user's paths left out, the pathspec also keeps what they had staged out.
        run.runProcess(gitSpec(repo, QStringList{QStringLiteral("commit"), QStringLiteral("-m"), message} + pathspec),
                       context, [&run, context, repo, done, message, when, taskIndex, commitError](const ProcessResult &commit) {
            if (commit.failedToStart())
                return done(commitError(QStringLiteral("git commit failed: ") + commit.errorString));
            if (!commit.success() && isNothingToCommit(commit.stderrText)) {
                run.logger().info(u"peal::runner",
                                  QStringLiteral("nothing to commit %1 (working tree clean)").arg(when),
                                  {{QStringLiteral("task_index"), taskIndex}});
                return done(QString());
            }
            if (!commit.success())
                return done(commitError(QStringLiteral("git commit failed: ") + Text::firstLine(commit.stderrText)));
            run.runProcess(gitSpec(repo, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")}), context,
                           [&run, done, message, when, taskIndex](const ProcessResult &head) {
                const QString sha = head.success() ? head.stdoutText.trimmed() : QString();
                run.userTree().committed(sha);
                run.logger().info(u"peal::runner", QStringLiteral("committed ") + when,
                                  {{QStringLiteral("task_index"), taskIndex},
                                   {QStringLiteral("message"), message},
                                   {QStringLiteral("commit"), sha}});
                done(sha);
            }, taskIndex);
        }, taskIndex);
    }, taskIndex);
}

void commitAfterPhase2(RunContext &run, QObject *context, quint32 taskIndex,
                       const std::optional<QString> &suffix, CommitCallback done)
{
    commitAll(run, context, commitMessage(taskIndex, suffix), QStringLiteral("after phase 2"),
              QStringLiteral("commit after phase 2 failed: "), taskIndex, std::move(done));
}

} // namespace Peal::Internal
