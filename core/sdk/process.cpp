// SPDX-License-Identifier: MIT
#include <peal/sdk/process.h>

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

} // namespace Peal
