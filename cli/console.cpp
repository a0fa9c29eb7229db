// SPDX-License-Identifier: MIT
#include "console.h"

#include <cstdio>

namespace Peal::Cli {

namespace {

void write(std::FILE *stream, const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stream);
    std::fflush(stream);
}

} // namespace

void printOut(const QString &text)
{
    write(stdout, text);
}

void printErr(const QString &text)
{
    write(stderr, text);
}

void printError(const QString &line)
{
    printErr(QStringLiteral("error: ") + line + u'\n');
}

void printWarning(const QString &line)
{
    printErr(QStringLiteral("warning: ") + line + u'\n');
}

} // namespace Peal::Cli
