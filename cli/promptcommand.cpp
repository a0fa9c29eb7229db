// SPDX-License-Identifier: MIT
#include "promptcommand.h"

#include "console.h"

#include <peal/exitcode.h>
#include <peal/prompt.h>

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace Peal::Cli {

int runPromptCommand(const std::optional<QString> &output, bool graph)
{
    const QString guide = graph ? Prompts::graphPlanFormatGuide() : Prompts::planFormatGuide();
    if (!output) {
        printOut(guide + u'\n');
        return toInt(ExitCode::Success);
    }
    const QString parent = QFileInfo(*output).path();
    if (output->contains(u'/') && !QDir().mkpath(parent)) {
        printError(QStringLiteral("cannot create directory %1 for --output").arg(parent));
        return toInt(ExitCode::Failure);
    }
    QSaveFile file(*output);
    const QByteArray bytes = guide.toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        printError(QStringLiteral("cannot write %1: %2").arg(*output, file.errorString()));
        return toInt(ExitCode::Failure);
    }
    return toInt(ExitCode::Success);
}

} // namespace Peal::Cli
