// SPDX-License-Identifier: MIT
#include "agent/callending.h"

#include <peal/textutil.h>

namespace Peal::Internal {

namespace {

QString stderrHint(const QString &stderrText)
{
    const QString first = Text::firstLine(stderrText);
    return first.isEmpty() ? QString() : QStringLiteral("stderr: ") + first;
}

} // namespace

bool isRateLimit(AgentEvent::Failure failure)
{
    return failure == AgentEvent::Failure::RateLimit || failure == AgentEvent::Failure::Overloaded;
}

std::optional<QString> interruptionOf(const AgentOutput &output, const ProcessResult &result, const Config &config)
{
    if (result.idle)
        return QStringLiteral("it wrote nothing for %1 s and was stopped").arg(config.agentIdleTimeoutSec);
    if (output.status == AgentOutput::Status::TimedOut)
        return QStringLiteral("it reached the phase timeout of %1 s").arg(config.phaseTimeoutSec);
    if (isRateLimit(output.failure))
        return QStringLiteral("its back-end was rate limited");
    if (output.failure == AgentEvent::Failure::Executor)
        return QStringLiteral("the executor running it failed");
    return std::nullopt;
}

Result<AgentOutput> classifyAgentOutput(const AgentOutput &output, const QString &subject,
                                        quint64 timeoutSec, const QString &backEnd)
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
    // A back-end that said why names itself: "claude: rate limited (429)", its message as the hint.
    if (const AgentOutput &t = output; t.failure != AgentEvent::Failure::None) {
        QString message = (backEnd.isEmpty() ? subject : backEnd) + QStringLiteral(": ") + failureDescription(t.failure);
        if (!t.failureDetail.isEmpty())
            message += QStringLiteral(" (%1)").arg(t.failureDetail);
        else if (t.failure == AgentEvent::Failure::Crash && output.exitCode)
            message += QStringLiteral(" (exit code %1)").arg(*output.exitCode);
        else if (t.failure == AgentEvent::Failure::Crash && output.signal > 0)
            message += QStringLiteral(" (%1)").arg(signalName(output.signal));
        const QString why = Text::firstLine(t.failureText).trimmed().left(300);
        return Error(Error::Kind::Phase, message, why.isEmpty() ? stderrHint(output.stderrText) : why);
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

void applyStreamResult(AgentOutput &output, const ProcessResult &result, const AgentTotals &totals)
{
    const bool ran = output.status == AgentOutput::Status::Succeeded || output.status == AgentOutput::Status::Failed;
    if (!ran)
        return;
    if (totals.resultSeen && output.text.isEmpty())
        output.text = totals.resultText.isEmpty() ? totals.lastText : totals.resultText;
    if (totals.failure != AgentEvent::Failure::None) {
        output.status = AgentOutput::Status::Failed;
    } else if (!totals.resultSeen) {
        output.status = AgentOutput::Status::Failed;
        if (output.failure == AgentEvent::Failure::None) {
            const bool died = result.ending == ProcessEnding::Crashed || !result.success();
            output.failure = died ? AgentEvent::Failure::Crash : AgentEvent::Failure::Other;
            output.failureText = died ? QString() : QStringLiteral("the output holds no result");
        }
    }
}

} // namespace Peal::Internal
