// SPDX-License-Identifier: MIT
#include "agentcall.h"

#include <peal/prompt.h>
#include <peal/textutil.h>

#include <memory>

namespace Peal::Internal {

namespace {

QString stderrHint(const QString &stderrText)
{
    const QString first = Text::firstLine(stderrText);
    return first.isEmpty() ? QString() : QStringLiteral("stderr: ") + first;
}

// The state of one call across its attempts.
struct AgentCall : std::enable_shared_from_this<AgentCall>
{
    RunContext &run;
    QPointer<QObject> context;
    AgentMode mode;
    QString prompt;
    AgentCallOptions options;
    quint32 taskIndex;
    AgentCallback done;
    QString workspace;
    quint64 attempt = 0;

    AgentCall(RunContext &r, QObject *c, AgentMode m, QString p, AgentCallOptions o, quint32 t,
              QString w, AgentCallback d)
        : run(r), context(c), mode(m), prompt(std::move(p)), options(std::move(o)), taskIndex(t),
          done(std::move(d)), workspace(std::move(w)) {}

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

    void start()
    {
        ++attempt;
        auto spec = run.agent().command(mode, prompt, workspace);
        if (!spec)
            return finish(spec.error());
        run.logger().info(u"peal::phase", QStringLiteral("invoking %1").arg(options.logName),
                          withTask({{QStringLiteral("agent"), spec->program},
                                    {QStringLiteral("timeout_sec"), run.config().phaseTimeoutSec},
                                    {QStringLiteral("attempt"), attempt},
                                    {QStringLiteral("max_attempts"), options.attempts}}));
        run.logger().debug(u"peal::phase", QStringLiteral("%1 argv").arg(options.logName),
                           withTask({{QStringLiteral("args_for_log"),
                                      Prompts::redactForLog(spec->arguments)}}));
        auto self = shared_from_this();
        const bool perTask = taskIndex != 0 || options.phaseNumber != 0;
        run.runProcess(*spec, context, [self](const ProcessResult &result) { self->onResult(result); },
                       perTask ? std::optional<quint32>(taskIndex) : std::nullopt);
    }

    void onResult(const ProcessResult &result)
    {
        const AgentOutput output = run.agent().interpret(mode, result);
        const quint64 timeoutSec = run.config().phaseTimeoutSec;
        if (output.status == AgentOutput::Status::TimedOut)
            run.logger().warn(u"peal::phase", QStringLiteral("phase timed out"),
                              withTask({{QStringLiteral("timeout_sec"), timeoutSec}}));
        else if (output.status == AgentOutput::Status::Failed)
            run.logger().warn(u"peal::phase", QStringLiteral("phase exited with non-zero code"),
                              withTask({{QStringLiteral("exit_code"), exitStatusText(output.exitCode, output.signal)},
                                        {QStringLiteral("stderr_len"), Text::utf8Length(output.stderrText)}}));
        Result<AgentOutput> classified = classifyAgentOutput(output, subject(), timeoutSec);
        if (classified)
            return finish(classified);
        const bool retryable = output.status == AgentOutput::Status::TimedOut
                               || output.status == AgentOutput::Status::Failed;
        if (retryable && attempt < options.attempts && !run.isCancelled()) {
            run.logger().warn(u"peal::phase", QStringLiteral("%1 failed, retrying").arg(options.logName),
                              withTask({{QStringLiteral("attempt"), attempt},
                                        {QStringLiteral("max_attempts"), options.attempts},
                                        {QStringLiteral("err"), classified.error().message()}}));
            return start();
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

    void finish(const Result<AgentOutput> &result)
    {
        if (context)
            done(result);
    }
};

} // namespace

Result<AgentOutput> classifyAgentOutput(const AgentOutput &output, const QString &subject,
                                        quint64 timeoutSec)
{
    switch (output.status) {
    case AgentOutput::Status::Succeeded:
        return output;
    case AgentOutput::Status::FailedToStart:
        return Error(Error::Kind::Phase, QStringLiteral("%1 failed to start: %2").arg(subject, output.errorString));
    case AgentOutput::Status::TimedOut:
        return Error(Error::Kind::Phase, QStringLiteral("%1 timed out after %2 s").arg(subject).arg(timeoutSec));
    case AgentOutput::Status::Cancelled:
        return Error(Error::Kind::Interrupted, QStringLiteral("%1 was cancelled").arg(subject));
    case AgentOutput::Status::Failed:
        break;
    }
    QString how;
    if (output.exitCode)
        how = QStringLiteral("exited with code %1").arg(*output.exitCode);
    else if (output.signal > 0)
        how = QStringLiteral("was killed by ") + signalName(output.signal);
    else
        how = QStringLiteral("failed");
    return Error(Error::Kind::Phase, subject + u' ' + how, stderrHint(output.stderrText));
}

void runAgentCall(RunContext &run, QObject *context, AgentMode mode, const QString &prompt,
                  const AgentCallOptions &options, quint32 taskIndex, const QString &workspace,
                  AgentCallback done)
{
    AgentCallOptions effective = options;
    effective.attempts = std::max<quint64>(1, options.attempts);
    if (effective.logName.isEmpty())
        effective.logName = QStringLiteral("phase %1").arg(options.phaseNumber);
    auto call = std::make_shared<AgentCall>(run, context, mode, prompt, effective, taskIndex,
                                            workspace, std::move(done));
    call->start();
}

} // namespace Peal::Internal

