// SPDX-License-Identifier: MIT
#include <peal/sdk/process.h>
#include <peal/sdk/text.h>
#include <peal/textutil.h>

#include <cstring>

namespace Peal {

QString signalName(int signal)
{
    if (const char *abbrev = ::sigabbrev_np(signal))
        return QStringLiteral("SIG") + QString::fromLatin1(abbrev);
    return QStringLiteral("signal %1").arg(signal);
}

QString exitStatusText(const std::optional<int> &code, int signal)
{
    if (code)
        return QString::number(*code);
    if (signal > 0)
        return QStringLiteral("killed by ") + signalName(signal);
    return QStringLiteral("none");
}

QString exitStatusText(const ProcessResult &result)
{
    return exitStatusText(result.code(), result.ending == ProcessEnding::Crashed ? result.signal : 0);
}

QString describeEnding(const ProcessResult &result)
{
    switch (result.ending) {
    case ProcessEnding::Exited:
        return QStringLiteral("exited with code %1").arg(result.exitCode);
    case ProcessEnding::Crashed:
        return result.signal > 0 ? QStringLiteral("was killed by ") + signalName(result.signal)
                                 : QStringLiteral("was killed by a signal");
    case ProcessEnding::TimedOut:
        return QStringLiteral("timed out");
    case ProcessEnding::Cancelled:
        return QStringLiteral("was cancelled");
    case ProcessEnding::FailedToStart:
        break;
    }
    return QStringLiteral("failed to start: ") + result.errorString;
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
