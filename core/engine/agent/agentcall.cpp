// SPDX-License-Identifier: MIT
#include "agent/agentcall.h"

#include "agent/agenttotals.h"
#include "agent/agentwords.h"
#include "agent/callending.h"
#include "agent/transcript.h"

#include <peal/prompt.h>
#include <peal/textutil.h>

#include <QRandomGenerator>

#include <memory>

namespace Peal::Internal {

namespace {

// A call rate-limited this many times in a row fails: a limit that never lifts, or output
// that only looks like one (docs/unattended.md).
constexpr int kMaxRateLimitWaits = 20;

/*
 * The state of one call across its attempts: the storage of the call's subtree. Its methods are
 * the bodies of the attempt's steps; what the result says decides what the loop does next.
 */
struct AgentCall
{
    // What the loop does after this pass: another attempt, the same attempt again after a
    // rate-limit wait, or nothing (the call has its outcome).
    enum class Next { Attempt, Wait, Done };

    RunContext &run;
    QPointer<QObject> context;
    AgentMode mode;
    QString prompt;
    QString promptDigest; // of the whole prompt: what its records, and an unfinished one, are matched by
    AgentCallOptions options;
    quint32 taskIndex;
    AgentCallback done;
    QString workspace;
    quint64 attempt = 0;
    AgentTotals totals;      // of the current attempt
    bool lineErrorLogged = false;
    std::unique_ptr<Transcript> transcript; // of the current attempt (task calls only)
    QByteArray rawTail;      // the last lines of stdout (streaming calls)
    // A conversation to continue (resume_sessions): the back-end's session and what stopped it.
    struct Resume
    {
        QString backEnd;
        QString session;
        QString why;
    };
    AgentHandle agent;                   // the back-end of this attempt (chooseAgent())
    QString passedOver;                  // the role's own back-end, when a fallback took its place
    std::optional<Resume> pendingResume; // for the next attempt
    std::optional<Resume> resuming;      // the one this attempt continues
    bool resumeFallbackSpent = false;    // a resume that failed at once was started over fresh
    // The first line of each of the assistant's messages, to the journal (task calls).
    AgentWords words{[this](const QString &line) { tellActivity(line, true); }};
    bool stallRetried = false; // the one retry a stalled call gets beyond its attempts
    int rateLimitWaits = 0;    // waits of this call in a row
    Next next = Next::Attempt;
    bool reported = false;     // `done` was called
    std::optional<Result<AgentOutput>> outcome;

    AgentCall(RunContext &r, QObject *c, AgentMode m, QString p, AgentCallOptions o, quint32 t,
              QString w, AgentCallback d)
        : run(r), context(c), mode(m), prompt(std::move(p)), promptDigest(CallRecords::promptDigest(prompt)),
          options(std::move(o)), taskIndex(t), done(std::move(d)), workspace(std::move(w)) {}

    LogFields withTask(LogFields fields) const
    {
        if (taskIndex != 0 || options.phaseNumber != 0)
            fields.prepend({QStringLiteral("task_index"), taskIndex});
        fields.prepend({QStringLiteral("phase"), options.phaseNumber});
        return fields;
    }

    // What failed, in messages ("agent exited with code 1"); the task and phase are named by
    // the task that fails.
    QString subject() const
    {
        return options.phaseName.isEmpty() ? QStringLiteral("agent") : options.phaseName;
    }

    QString backEnd() const { return agent.pluginId; }

    // Before anything runs: the budgets (an error ends the call).
    Result<void> checkBudget()
    {
        if (auto breach = run.budgetReached(taskIndex)) {
            budgetStop(*breach);
            return *outcomeError();
        }
        return {};
    }

    // Then the back-end of the attempt: the role's own, or the fallback that takes its place
    // while it cannot be called (agent_fallback).
    void chooseAgent()
    {
        agent = run.chooseAgent(mode, &passedOver);
    }

    // Then the rate-limit wait of the back-end, while it holds its calls.
    void waitForGate(const StepHandle &step)
    {
        if (!run.rateLimits().isHeld(backEnd()))
            return step.done();
        run.rateLimits().whenOpen(backEnd(), context, [this, step](bool open) {
            if (!step.isActive())
                return;
            if (!open) {
                finish(Error(Error::Kind::Interrupted, QStringLiteral("%1 was cancelled").arg(subject())));
                return step.done(*outcomeError());
            }
            step.done();
        });
    }

    std::optional<Error> outcomeError() const
    {
        return outcome && !*outcome ? std::optional<Error>(outcome->error()) : std::nullopt;
    }

    void budgetStop(const BudgetBreach &breach)
    {
        run.logger().error(u"peal::phase", QStringLiteral("budget reached, no new agent call"),
                           withTask({{QStringLiteral("budget"), breach.key}, {QStringLiteral("err"), breach.message}}));
        run.outcomes().noteFailureClass(taskIndex, QStringLiteral("budget"));
        run.budgetStopped(breach, taskIndex);
        finish(Error(Error::Kind::CapReached, breach.message));
    }

    // The attempt's process; the step ends once its result is read (onResult).
    void launch(const StepHandle &step)
    {
        if (next == Next::Attempt)
            ++attempt;
        next = Next::Done;
        resuming = std::exchange(pendingResume, std::nullopt);
        if (resuming && resuming->backEnd != backEnd())
            resuming.reset();
        // The first call of a task's phase in this run may continue one an earlier run left
        // unfinished (Ctrl-C, a kill, a stall): the same call, by its back-end, workspace and prompt.
        if (!resuming && taskIndex != 0 && run.config().resumeSessions) {
            const QString where = workspace.isEmpty() ? agent.settings.workspace : workspace;
            if (auto left = run.records().unfinished(taskIndex, agentModeName(mode), backEnd(), where,
                                                     promptDigest))
                resuming = Resume{backEnd(), left->session, left->why};
        }
        QString sent = prompt;
        auto spec = resuming ? agent.resumingCommand(mode, prompt, workspace, resuming->session, Prompts::resume(resuming->why))
                             : agent.command(mode, prompt, workspace);
        if (spec && resuming && resumesSession(*spec) == resuming->session) {
            sent = Prompts::resume(resuming->why);
            run.logger().info(u"peal::phase", QStringLiteral("continuing the agent's conversation"),
                              withTask({{QStringLiteral("session"), resuming->session},
                                        {QStringLiteral("after"), resuming->why}}));
        } else {
            resuming.reset(); // the back-end cannot: a fresh call with the whole prompt
        }
        if (!spec) {
            finish(spec.error());
            return step.done(spec.error());
        }
        if (const quint64 idle = run.config().agentIdleTimeoutSec; idle > 0)
            spec->idleTimeout = RunContext::fromSeconds(idle);
        run.logger().info(u"peal::phase", QStringLiteral("invoking %1").arg(options.logName),
                          withTask({{QStringLiteral("agent"), spec->program},
                                    {QStringLiteral("timeout_sec"), run.config().phaseTimeoutSec},
                                    {QStringLiteral("attempt"), attempt},
                                    {QStringLiteral("max_attempts"), options.attempts}}));
        run.logger().debug(u"peal::phase", QStringLiteral("%1 argv").arg(options.logName),
                           withTask({{QStringLiteral("args_for_log"),
                                      Prompts::redactForLog(spec->arguments)}}));
        const bool perTask = taskIndex != 0 || options.phaseNumber != 0;
        totals = AgentTotals();
        rawTail.clear();
        openTranscript(*spec, sent);
        if (const QString named = startsSession(*spec); !named.isEmpty()) { // Copilot CLI: the call's from its start
            AgentEvent session;
            session.kind = AgentEvent::Kind::Session;
            session.text = named;
            take(session);
        }
        RunContext::LineCallback onLine;
        if (agent.streamsEvents(mode)) {
            spec->streamLines = true;
            onLine = [this, step](OutputChannel channel, const QString &line) {
                if (step.isActive())
                    this->onLine(channel, line);
            };
        }
        ExecutorCall where;
        where.task = taskIndex;
        where.phase = agentModeName(mode);
        where.timeout = run.timeout();
        run.runProcess(*spec, context,
                       [this, step](const ProcessResult &result) {
                           // A cancelled step's storage is gone: nothing of this call remains.
                           if (!step.isActive())
                               return;
                           onResult(result);
                           step.done();
                       },
                       perTask ? std::optional<quint32>(taskIndex) : std::nullopt, std::move(onLine),
                       perTask ? std::optional<ExecutorCall>(where) : std::nullopt);
    }

    void openTranscript(const ProcessSpec &spec, const QString &sent)
    {
        transcript.reset();
        words.reset();
        if (taskIndex == 0)
            return;
        const QString modeName = agentModeName(mode);
        transcript = std::make_unique<Transcript>(
            run.records().next(taskIndex, modeName),
            Transcript::Call{taskIndex, modeName, agent.pluginId, spec, sent,
                             resuming ? resuming->session : QString(), resuming ? resuming->why : QString(), passedOver,
                             promptDigest});
        if (!transcript->isOpen())
            run.logger().warn(u"peal::phase", QStringLiteral("cannot record the agent call"),
                              withTask({{QStringLiteral("err"), transcript->error()}}));
    }

    // One line of a streaming agent: its events are counted, logged and shown.
    void onLine(OutputChannel channel, const QString &line)
    {
        if (channel == OutputChannel::Stdout) {
            rawTail += line.toUtf8() + '\n';
            if (rawTail.size() > 2 * Transcript::kRawTail)
                rawTail = rawTail.right(Transcript::kRawTail);
        }
        QString error;
        const QList<AgentEvent> events = agent.events(mode, channel, line, &error);
        for (const AgentEvent &event : events) {
            if (event.kind == AgentEvent::Kind::Unreadable && error.isEmpty())
                error = event.text;
        }
        if (events.isEmpty() && !error.isEmpty())
            ++totals.malformedLines; // the plugin threw on it
        if (!error.isEmpty() && !std::exchange(lineErrorLogged, true))
            run.logger().warn(u"peal::phase", QStringLiteral("agent output line not understood"),
                              withTask({{QStringLiteral("err"), error}}));
        for (const AgentEvent &event : events)
            take(event);
    }

    // One event of the call: counted, recorded, logged, and told to watchers.
    void take(const AgentEvent &event)
    {
        totals.add(event);
        if (transcript)
            transcript->event(event);
        LogFields fields{{QStringLiteral("kind"), agentEventKindName(event.kind)}};
        if (!event.name.isEmpty())
            fields.append({QStringLiteral("name"), event.name});
        if (!event.target.isEmpty())
            fields.append({QStringLiteral("target"), Text::firstLine(event.target).left(200)});
        if (event.kind == AgentEvent::Kind::Failure)
            fields.append({QStringLiteral("class"), failureClassName(event.failure)});
        if (event.kind == AgentEvent::Kind::Usage)
            fields.append({{QStringLiteral("input_tokens"), event.inputTokens},
                           {QStringLiteral("output_tokens"), event.outputTokens}});
        run.logger().debug(u"peal::agent", QStringLiteral("agent event"), withTask(fields));
        if (event.kind == AgentEvent::Kind::ToolCall && taskIndex != 0)
            tellActivity(QString(event.name + u' ' + Text::firstLine(event.target).left(80)).trimmed(), false);
        if (taskIndex != 0)
            words.follow(event);
    }

    // What the agent does (a tool call) or says, for watchers (the terminal, the journal).
    void tellActivity(const QString &detail, bool said)
    {
        ProgressEvent activity;
        activity.kind = ProgressEvent::Kind::AgentActivity;
        activity.task = taskIndex;
        activity.said = said;
        activity.detail = detail;
        run.notify(activity);
    }

    // Whether this attempt got anywhere: a tool call, a model turn or words of the assistant.
    bool progressed() const { return totals.toolCalls > 0 || totals.turns > 0 || !totals.lastText.isEmpty(); }

    // Where the next attempt may continue this one's conversation instead of starting over:
    // it had one (a session id) that got somewhere, and it was stopped from outside - the stall
    // watchdog, the phase timeout, a rate limit, the executor - not by a failure of its own.
    void noteResumable(const AgentOutput &output, const ProcessResult &result)
    {
        pendingResume.reset();
        if (!run.config().resumeSessions || output.status == AgentOutput::Status::Succeeded)
            return;
        QString session = totals.sessionId;
        if (!progressed()) {
            // Stopped again before it got anywhere: the conversation it continued is unchanged.
            if (!resuming)
                return;
            session = resuming->session;
        }
        if (session.isEmpty())
            return;
        if (const auto why = interruptionOf(output, result, run.config()))
            pendingResume = Resume{backEnd(), session, *why};
    }

    // What the call printed, where a rate limit and its reset time are read.
    QString failureOutput(const AgentOutput &output, const ProcessResult &result) const
    {
        const QString out = rawTail.isEmpty() ? result.stdoutText.right(Transcript::kRawTail) : QString::fromUtf8(rawTail);
        return output.failureText + u'\n' + output.failureDetail + u'\n'
               + output.stderrText.right(Transcript::kRawTail) + u'\n' + out;
    }

    // The watchdog ended a silent call; or a failed call that did not say why printed words
    // of a rate limit (rate_limit_patterns and the built-in ones).
    void classifyFailure(AgentOutput &output, const ProcessResult &result, const QString &printed) const
    {
        if (result.executorFailure && output.status != AgentOutput::Status::Cancelled) {
            // The executor failed, not the agent: class executor, retried like any failure.
            output.status = AgentOutput::Status::Failed;
            output.failure = AgentEvent::Failure::Executor;
            output.failureDetail = *result.executorFailure;
            output.failureText.clear();
            return;
        }
        if (result.idle) {
            output.status = AgentOutput::Status::Failed;
            output.failure = AgentEvent::Failure::Stalled;
            output.failureDetail = QStringLiteral("no output for %1 s").arg(run.config().agentIdleTimeoutSec);
            return;
        }
        if (output.status != AgentOutput::Status::Failed)
            return;
        const AgentEvent::Failure f = output.failure;
        if (f != AgentEvent::Failure::None && f != AgentEvent::Failure::Other && f != AgentEvent::Failure::Crash)
            return;
        const AgentEvent::Failure read = RateLimitText::classify(printed, run.rateLimitPatterns());
        if (read != AgentEvent::Failure::None) {
            output.failure = read;
            if (output.failureText.isEmpty())
                output.failureText = Text::firstLine(output.stderrText).trimmed();
        }
    }

    // A back-end that cannot be called for long - limited past rate_limit_max_wait_sec, refusing
    // the account (auth, billing), overloaded fallback_after_overloads times in a row - is set
    // aside, and the call runs again (not counted as an attempt) on the next back-end of its
    // role's agent_fallback chain. False when there is none or nothing calls for it.
    bool moveToFallback(const AgentOutput &output, const QString &printed, const Error &error)
    {
        if (run.isCancelled() || output.status != AgentOutput::Status::Failed || !run.hasFallbackFrom(mode, backEnd()))
            return false;
        if (!run.moveToFallback(taskIndex, mode, backEnd(), output.failure, printed, error.message()))
            return false;
        pendingResume.reset(); // a conversation does not move between vendors
        rateLimitWaits = 0;
        next = Next::Wait;
        return true;
    }

    // A rate-limited call waits for its back-end's reset and runs again, not counted as an
    // attempt; false when it is not to wait (on_rate_limit = "fail", a reset too far away).
    bool waitForRateLimit(const AgentOutput &output, const QString &printed, const Error &error)
    {
        const AgentEvent::Failure f = output.failure;
        if ((f != AgentEvent::Failure::RateLimit && f != AgentEvent::Failure::Overloaded)
            || run.config().onRateLimit != u"wait" || run.isCancelled())
            return false;
        const Config &c = run.config();
        if (++rateLimitWaits > kMaxRateLimitWaits) {
            run.logger().warn(u"peal::phase", QStringLiteral("rate limited too many times in a row, giving up"),
                              withTask({{QStringLiteral("waits"), kMaxRateLimitWaits}}));
            return false;
        }
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const int streak = run.rateLimits().noteLimited(backEnd());
        const std::optional<std::chrono::milliseconds> reset = RateLimitText::resetDelay(printed, now);
        const std::chrono::milliseconds cap = RunContext::fromSeconds(c.rateLimitMaxWaitSec);
        const std::chrono::milliseconds delay =
            reset ? *reset
                  : RateLimitText::backoff(RunContext::fromSeconds(c.rateLimitBackoffSec), streak, cap,
                                           QRandomGenerator::global()->generateDouble());
        if (delay > cap) {
            run.logger().warn(u"peal::phase", QStringLiteral("rate limit resets later than rate_limit_max_wait_sec, not waiting"),
                              withTask({{QStringLiteral("resets_in_sec"), qint64(delay.count() / 1000)},
                                        {QStringLiteral("rate_limit_max_wait_sec"), c.rateLimitMaxWaitSec}}));
            return false;
        }
        const QDateTime until = now.addMSecs(delay.count());
        const bool wasHeld = run.rateLimits().isHeld(backEnd());
        run.rateLimits().hold({backEnd(), until, taskIndex, agentModeName(mode), error.message()});
        const QString line = QStringLiteral("waiting for rate limit (%1), resumes %2").arg(backEnd(), Text::clockTime(until, QDateTime::currentDateTimeUtc()));
        run.logger().warn(u"peal::phase", line,
                          withTask({{QStringLiteral("class"), failureClassName(f)},
                                    {QStringLiteral("wait_ms"), qint64(delay.count())},
                                    {QStringLiteral("reset_reported"), reset.has_value()},
                                    {QStringLiteral("err"), error.message()}}));
        ProgressEvent waiting;
        waiting.kind = ProgressEvent::Kind::RateLimitWait;
        waiting.task = taskIndex;
        waiting.phase = backEnd();
        waiting.detail = line;
        waiting.durationMs = delay.count();
        run.notify(waiting);
        if (!wasHeld) {
            QJsonObject fields{{QStringLiteral("phase"), agentModeName(mode)},
                               {QStringLiteral("reason"), error.message()},
                               {QStringLiteral("back_end"), backEnd()},
                               {QStringLiteral("until"), until.toString(Qt::ISODate)}};
            if (taskIndex != 0)
                fields.insert(QStringLiteral("task"), qint64(taskIndex));
            run.notifier().send(QStringLiteral("rate_limit_wait"), line, fields);
        }
        next = Next::Wait;
        return true;
    }

    void onResult(const ProcessResult &result)
    {
        if (taskIndex != 0)
            words.flush(); // the last words, when no line ended them
        AgentOutput output = agent.interpret(mode, result);
        // What the events said of a failure comes first; the plugin may name a class its events
        // did not (from an exit code).
        if (totals.failure != AgentEvent::Failure::None || output.failure == AgentEvent::Failure::None) {
            output.failure = totals.failure;
            output.failureText = totals.failureText;
            output.failureDetail = totals.failureDetail;
        }
        if (agent.reportsResult(mode))
            applyStreamResult(output, result, totals);
        // What a failed call printed, read for rate limits and their reset times.
        const QString printed = output.status == AgentOutput::Status::Failed ? failureOutput(output, result) : QString();
        classifyFailure(output, result, printed);
        if (totals.events > 0) {
            LogFields fields{{QStringLiteral("events"), totals.events},
                             {QStringLiteral("tool_calls"), totals.toolCalls},
                             {QStringLiteral("turns"), totals.turns},
                             {QStringLiteral("input_tokens"), totals.inputTokens},
                             {QStringLiteral("output_tokens"), totals.outputTokens}};
            if (totals.costUsd)
                fields.append({QStringLiteral("cost_usd"), *totals.costUsd});
            if (!totals.sessionId.isEmpty())
                fields.append({QStringLiteral("session"), totals.sessionId});
            if (totals.failure != AgentEvent::Failure::None)
                fields.append({QStringLiteral("failure"), failureClassName(totals.failure)});
            if (totals.malformedLines > 0)
                fields.append({QStringLiteral("unreadable_lines"), totals.malformedLines});
            run.logger().info(u"peal::agent", QStringLiteral("%1 events").arg(options.logName), withTask(fields));
        }
        const quint64 timeoutSec = run.config().phaseTimeoutSec;
        if (result.idle)
            run.logger().warn(u"peal::phase", QStringLiteral("agent stalled, killed"),
                              withTask({{QStringLiteral("agent_idle_timeout_sec"), run.config().agentIdleTimeoutSec}}));
        else if (output.status == AgentOutput::Status::TimedOut)
            run.logger().warn(u"peal::phase", QStringLiteral("phase timed out"),
                              withTask({{QStringLiteral("timeout_sec"), timeoutSec}}));
        else if (output.status == AgentOutput::Status::Failed)
            run.logger().warn(u"peal::phase", QStringLiteral("phase exited with non-zero code"),
                              withTask({{QStringLiteral("exit_code"), exitStatusText(output.exitCode, output.signal)},
                                        {QStringLiteral("stderr_len"), Text::utf8Length(output.stderrText)}}));
        Result<AgentOutput> classified = classifyAgentOutput(output, subject(), timeoutSec, agent.pluginId);
        // The class settled on is the call's, in its record and the counts.
        totals.failure = output.failure;
        totals.failureText = output.failureText;
        totals.failureDetail = output.failureDetail;
        if (transcript) {
            const QByteArray tail = rawTail.isEmpty() ? result.stdoutText.right(Transcript::kRawTail).toUtf8() : rawTail;
            transcript->end(output, totals, classified ? QString() : classified.error().message(), tail);
            transcript.reset();
        }
        run.outcomes().agentCallEnded(taskIndex, totals, result.duration, backEnd());
        if (taskIndex != 0) {
            ProgressEvent used;
            used.kind = ProgressEvent::Kind::AgentCallEnded;
            used.task = taskIndex;
            used.costUsd = totals.costUsd;
            used.tokens = totals.inputTokens + totals.outputTokens;
            used.resumed = resuming.has_value();
            used.backEnd = backEnd();
            run.notify(used);
        }
        noteResumable(output, result);
        // A conversation that could not be continued (the CLI no longer has it) is started over
        // once with the whole prompt, not counted as an attempt.
        if (output.status == AgentOutput::Status::Failed && !result.idle && resuming && !progressed()
            && !isRateLimit(output.failure) && !run.isCancelled() && !std::exchange(resumeFallbackSpent, true)) {
            run.logger().warn(u"peal::phase", QStringLiteral("the agent's conversation could not be continued; starting the call over"),
                              withTask({{QStringLiteral("session"), resuming->session},
                                        {QStringLiteral("err"), classified.error().message()}}));
            pendingResume.reset();
            next = Next::Wait;
            return;
        }
        if (classified) {
            rateLimitWaits = 0;
            run.rateLimits().noteSucceeded(backEnd());
            run.fallbackState().noteSucceeded(backEnd());
        }
        // Spending crossed a budget: the task ends here, whatever the call did.
        if (auto breach = run.budgetReached(taskIndex); breach && output.status != AgentOutput::Status::Cancelled)
            return budgetStop(*breach);
        if (classified)
            return finish(classified);
        if (moveToFallback(output, printed, classified.error()))
            return;
        if (waitForRateLimit(output, printed, classified.error()))
            return;
        const bool retryable = output.status == AgentOutput::Status::TimedOut
                               || output.status == AgentOutput::Status::Failed;
        const bool stallRetry = result.idle && !std::exchange(stallRetried, true);
        if (retryable && (attempt < options.attempts || stallRetry) && !run.isCancelled()) {
            run.logger().warn(u"peal::phase", QStringLiteral("%1 failed, retrying").arg(options.logName),
                              withTask({{QStringLiteral("attempt"), attempt},
                                        {QStringLiteral("max_attempts"), options.attempts},
                                        {QStringLiteral("err"), classified.error().message()}}));
            next = Next::Attempt;
            return;
        }
        if (options.emptyAnswerOnFailure && output.status == AgentOutput::Status::Failed) {
            run.logger().warn(u"peal::phase",
                              QStringLiteral("%1 exited with non-zero code; treating as unparseable")
                                  .arg(options.logName),
                              withTask({}));
            AgentOutput empty = output;
            empty.status = AgentOutput::Status::Succeeded;
            empty.text.clear();
            return finish(empty);
        }
        finish(classified);
    }

    // The call's outcome; the loop ends and `done` hears of it (report()).
    void finish(const Result<AgentOutput> &result)
    {
        outcome = result;
        next = Next::Done;
    }

    // Called once, as the call's subtree ends: its outcome, or how the subtree ended without one
    // (the run's cancel, a throw in the core).
    void report(const Result<void> &ended)
    {
        if (std::exchange(reported, true) || !context)
            return;
        if (outcome)
            return done(*outcome);
        done(ended ? Result<AgentOutput>(Error(Error::Kind::Generic, QStringLiteral("%1 ended without a result").arg(subject())))
                   : Result<AgentOutput>(ended.error()));
    }
};

} // namespace

Step agentCallStep(RunContext &run, QObject *context, AgentCallRequest request, AgentCallback done)
{
    request.options.attempts = std::max<quint64>(1, request.options.attempts);
    if (request.options.logName.isEmpty())
        request.options.logName = QStringLiteral("phase %1").arg(request.options.phaseNumber);
    Storage<AgentCall> call;
    // An attempt: the budgets, the back-end's rate-limit wait, the process and its reading.
    const Step attempt = sequenceStep(QStringLiteral("attempt"), {
        syncStep(QStringLiteral("budget"), [call] { return call->checkBudget(); }),
        syncStep(QStringLiteral("back-end"), [call] { call->chooseAgent(); return Result<void>(); }),
        leafStep(QStringLiteral("rate-limit wait"), [call](const StepHandle &step) { call->waitForGate(step); }),
        leafStep(request.options.logName, [call](const StepHandle &step) { call->launch(step); }),
    });
    Step attempts = loopStep(QStringLiteral("attempts"), attempt, [call] { return call->next != AgentCall::Next::Done; });
    attempts.onEnd([call](const Result<void> &ended) { call->report(ended); });
    return storageStep<AgentCall>(QStringLiteral("agent call"), call, attempts, [&run, context, request, done = std::move(done)] {
        return std::make_unique<AgentCall>(run, context, request.mode, request.prompt, request.options, request.taskIndex,
                                           request.workspace, done);
    });
}

} // namespace Peal::Internal

