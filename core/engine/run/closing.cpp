// SPDX-License-Identifier: MIT
#include "run/engineprivate.h"

#include "run/postrun.h"

#include <peal/exitcode.h>
#include <peal/textutil.h>

#include <QJsonArray>
#include <QTimer>

namespace Peal {

void Engine::Private::afterRecipe(const Result<void> &result)
{
    if (interrupted()) {
        if (!scheduler)
            return exit(toInt(interruptedWith));
        // Tasks that were running are not completed; those that finished were saved already.
        run->outcomes().save(QStringLiteral("interruption"));
        return closeRun([this] {
            logger.fatal(u"peal::main",
                         QStringLiteral("interrupted by %1; the state is saved in %2; run the same command "
                                        "again to resume")
                             .arg(interruptedWith == ExitCode::Terminated ? QStringLiteral("SIGTERM")
                                                                         : QStringLiteral("SIGINT"),
                                  StateStore::stateFilePath(run->config().stateDir)));
            return toInt(interruptedWith);
        });
    }
    if (!result)
        return fail(result.error());
    exit(exitCode);
}

void Engine::Private::exit(int code)
{
    closeRun([code] { return code; });
}

void Engine::Private::fail(const Error &error)
{
    // Unlike the reference, a review session that was started (or may have been, by a start
    // that was killed) is always finished.
    closeRun([this, error] {
        if (interrupted())
            return toInt(interruptedWith);
        logger.fatal(u"peal::main", error.toDisplayString());
        lastError = error.toDisplayString();
        return toInt(error.kind() == Error::Kind::CapReached ? ExitCode::CapReached : ExitCode::Failure);
    });
}

void Engine::Private::closeRun(std::function<int()> verdict)
{
    if (stage != Stage::Running)
        return;
    stage = Stage::Closing;
    exitCode = interrupted() ? toInt(interruptedWith) : toInt(ExitCode::Failure);
    const Step steps = sequenceStep(QStringLiteral("close"), {
        leafStep(QStringLiteral("finish review"), [this](const StepHandle &s) { finishReview(s); }),
        syncStep(QStringLiteral("verdict"), [this, verdict] {
            exitCode = verdict();
            return Result<void>();
        }),
        // The edits that tasks leave uncommitted are recorded, so that the next run tells them
        // from the user's (UserTree); after a cancel these few git calls still run.
        deferredStep(QStringLiteral("record leftovers"), [this] {
            if (!run || !stateLock.isHeld())
                return emptyStep(QStringLiteral("record leftovers"));
            if (run->isCancelled())
                run->reopenForCleanup();
            return run->userTree().recordLeftovers(*run, q);
        }),
        // The run's allocation is given back at every end (its steps with it); an interrupted
        // run cancels every job it handed an executor (finishExit waits for both).
        syncStep(QStringLiteral("cancel executor jobs"), [this] {
            if (run && run->hasAllocation())
                run->releaseAllocation();
            else if (run && interruption == Interruption::Stopping && run->usedExecutor())
                run->cancelExecutorJobs({run->executorRunTag()});
            return Result<void>();
        }),
    });
    // On the run's one runner, after the run's recipe: a second interrupt cancels it too.
    recipe.start(steps, [this](Result<void>) { finishExit(exitCode); });
}

void Engine::Private::finishExit(int code)
{
    if (stage == Stage::Exited)
        return;
    stage = Stage::Exited;
    if (run && run->journal().isOpen()) {
        // The journal's last line, written before the lock is let go: a watcher sees the end.
        run->journal().append(QStringLiteral("run_ended"), {{QStringLiteral("exit_code"), code}});
        run->journal().flush();
    }
    if (auto recorded = recordLastRun(code); !recorded) {
        // Output that cannot be written is a failure, not a warning; a run that already failed
        // keeps its own code.
        logger.fatal(u"peal::state", recorded.error().toDisplayString());
        if (code == toInt(ExitCode::Success) || code == toInt(ExitCode::Issues))
            code = toInt(ExitCode::Failure);
    }
    const auto emitFinished = [this, code] {
        QMetaObject::invokeMethod(q, [this, code] { Q_EMIT q->finished(code); }, Qt::QueuedConnection);
    };
    if (!run || !recordsItsEnd() || request.dryRun || interruption == Interruption::Forced)
        return emitFinished();
    notifyRunDone(code);
    // The notify commands get their 10 s, executor clean-up its own; a second Ctrl-C ends them
    // (forceStop).
    run->sideCommands().whenIdle(emitFinished);
}

void Engine::Private::notifyRunDone(int code)
{
    const QString ending = interrupted()                                ? QStringLiteral("interrupted")
                            : code == toInt(ExitCode::Success)           ? QStringLiteral("success")
                            : code == toInt(ExitCode::Issues)            ? QStringLiteral("issues")
                            : code == toInt(ExitCode::CapReached)        ? QStringLiteral("cap_reached")
                                                                         : QStringLiteral("failed");
    QJsonArray failed;
    for (quint32 index : run->outcomes().failedTasks())
        failed.append(qint64(index));
    QJsonObject fields{{QStringLiteral("exit_code"), code},
                       {QStringLiteral("outcome"), ending},
                       {QStringLiteral("failed_tasks"), failed}};
    if (!lastError.isEmpty())
        fields.insert(QStringLiteral("reason"), lastError);
    if (const QJsonObject usage = run->outcomes().usageJson(); !usage.isEmpty())
        fields.insert(QStringLiteral("totals"), usage);
    QJsonObject paths{{QStringLiteral("last_run"), LastRunFile::path(run->config().stateDir)}};
    if (ending == u"success" || ending == u"issues")
        paths.insert(QStringLiteral("summary"), SummaryFile::path(run->config()));
    if (run->config().logFile)
        paths.insert(QStringLiteral("log_file"), *run->config().logFile);
    fields.insert(QStringLiteral("paths"), paths);
    const QString message = lastError.isEmpty() ? QStringLiteral("peal run %1 (exit %2)").arg(ending).arg(code)
                                                : QStringLiteral("peal run %1 (exit %2): %3").arg(ending).arg(code).arg(lastError);
    run->notifier().send(QStringLiteral("run_done"), message, fields);
}

void Engine::Private::finishReview(const StepHandle &step)
{
    if (!review || request.dryRun)
        return step.done();
    if (run->isCancelled())
        run->reopenForCleanup();
    review->finish(step, [step] { step.done(); });
}

Result<void> Engine::Private::recordLastRun(int code)
{
    // Only a run that held the state directory may write into it; one that did nothing leaves
    // the record of the last run that did something.
    if (!recordsItsEnd())
        return {};
    return run->outcomes().writeLastRun({runId, startedAt, code, interrupted(), lastError});
}

void Engine::Private::warnIssues(const RunOutcome &done)
{
    // Why the run exits 2, in one line that --quiet keeps.
    QStringList why;
    if (!done.failedTaskIndices.isEmpty())
        why << QStringLiteral("failed: task %1").arg(Text::joinIndices(done.failedTaskIndices));
    QList<quint32> findings;
    for (const TaskResult &r : done.results) {
        if (r.review && !r.review->resolved)
            findings.append(r.index);
    }
    if (!findings.isEmpty())
        why << QStringLiteral("findings left: task %1").arg(Text::joinIndices(findings));
    if (!done.blockedTasks.isEmpty())
        why << QStringLiteral("blocked: task %1").arg(Text::joinIndices(done.blockedTasks.keys()));
    logger.warning(u"peal::main", QStringLiteral("finished with issues (exit 2): ") + why.join(QStringLiteral("; ")));
}

Result<void> Engine::Private::report()
{
    const RunOutcome &done = *outcome;
    for (const TaskResult &r : done.results) {
        logger.info(u"peal::main", QStringLiteral("task complete"),
                    {{QStringLiteral("task_index"), r.index},
                     {QStringLiteral("plan_text_len"), Text::utf8Length(r.planText)},
                     {QStringLiteral("phase2_stdout_len"), Text::utf8Length(r.executeOutput)},
                     {QStringLiteral("phase3_rounds"), r.review ? QVariant(r.review->rounds) : QVariant()},
                     {QStringLiteral("phase3_resolved"), r.review ? QVariant(r.review->resolved) : QVariant()}});
    }
    const int code = TaskOutcomes::exitCodeOf(done);
    if (const QList<PlanNotice> &notices = run->planNotices(); !notices.isEmpty()) {
        QStringList lines;
        for (const PlanNotice &n : notices)
            lines << QString::number(n.line);
        logger.warning(u"peal::plan", QStringLiteral("%1 has %2 line(s) that look like task headings but were not run "
                                                     "as tasks (line %3); the warnings at the start say how to write them")
                                          .arg(run->planNoticeFile())
                                          .arg(notices.size())
                                          .arg(lines.join(QStringLiteral(", "))));
    }
    if (code != toInt(ExitCode::Success))
        warnIssues(done);
    // A summary that scripts cannot read is a failed run (the reference only warns).
    auto path = run->outcomes().writeSummary(done, code);
    if (!path)
        return path.error();
    logger.info(u"peal::main", QStringLiteral("run summary written"),
                {{QStringLiteral("path"), *path}, {QStringLiteral("exit_code"), code}});
    exitCode = code;
    return {};
}

} // namespace Peal
