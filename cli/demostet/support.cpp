// SPDX-License-Identifier: MIT
#include "support.h"

#include <QCryptographicHash>
#include <QFile>
#include <QProcess>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace DemoStet {

const QStringList &reasons()
{
    static const QStringList list = {u"false_positive"_s, u"already_correct"_s, u"wrong_suggestion"_s, u"out_of_scope"_s};
    return list;
}

void out(const QString &text)
{
    const QByteArray b = text.toUtf8();
    std::fwrite(b.constData(), 1, size_t(b.size()), stdout);
}

void err(const QString &text)
{
    const QByteArray b = text.toUtf8();
    std::fwrite(b.constData(), 1, size_t(b.size()), stderr);
}

QString env(const char *name)
{
    return qEnvironmentVariable(name);
}

Git git(const QStringList &args)
{
    QProcess p;
    p.setStandardInputFile(QProcess::nullDevice());
    p.start(u"git"_s, args);
    Git g;
    if (!p.waitForFinished(60000))
        return g;
    g.code = p.exitCode();
    g.out = QString::fromUtf8(p.readAllStandardOutput());
    g.err = QString::fromUtf8(p.readAllStandardError());
    return g;
}

QString sha256(const QString &text)
{
    return QString::fromLatin1(QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256).toHex());
}

// Numbers the calls of `command` across invocations, next to the argv log.
int bumpCount(const QString &command)
{
    const QString log = env("PEAL_FAKE_STET_LOG");
    if (log.isEmpty())
        return 1;
    QFile file(log + u".count."_s + command);
    int n = 0;
    if (file.open(QIODevice::ReadOnly))
        n = file.readAll().trimmed().toInt();
    file.close();
    if (file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        file.write(QByteArray::number(++n));
    return n;
}

const char *usageText()
{
    return "usage: stet <start|run|dismiss|finish|list|status> [flags]\n"
           "\n"
           "peal-demo-stet, a stand-in for stet. Environment (all optional):\n"
           "  PEAL_FAKE_STET_MODE=dry-run|demo|script   what reviews report (default dry-run)\n"
           "  PEAL_FAKE_STET_SCRIPT=FILE       JSON array: element i is what the i-th run prints\n"
           "  PEAL_FAKE_STET_LOG=FILE          append one JSON line per call (argv, cwd, the Slurm\n"
           "                                   job when run as a job step); the call\n"
           "                                   counts of the knobs below are kept next to it\n"
           "  PEAL_FAKE_STET_FAIL=SPEC[,SPEC]  exit non-zero: SPEC is cmd[:times][:code] (the first\n"
           "                                   `times` calls of cmd, all if absent) or cmd@N[:code]\n"
           "                                   (only the N-th call); code defaults to 1\n"
           "  PEAL_FAKE_STET_HANG=SPEC[,SPEC]  never answer: cmd[:times] or cmd@N, as above\n"
           "  PEAL_FAKE_STET_HANG_AT=early|review  where to hang: before anything (default) or\n"
           "                                   where stet spends its time, after `start` has\n"
           "                                   created the session\n"
           "  PEAL_FAKE_STET_VANISH=cmd@N      the N-th call of cmd deletes this executable, so\n"
           "                                   later calls fail to start (only a copy that is\n"
           "                                   not named peal-demo-stet does this)\n"
           "  PEAL_FAKE_STET_LLM_UNREACHABLE=1 start and run exit 2 like stet without its LLM\n"
           "Calls are numbered per command from 1 and only counted with PEAL_FAKE_STET_LOG set\n"
           "(without it every call is call 1).\n";
}

Trigger Trigger::parse(const QString &item)
{
    const QStringList parts = item.trimmed().split(u':');
    Trigger t;
    const QString head = parts.value(0);
    qsizetype codeIndex = 2;
    if (head.contains(u'@')) {
        t.command = head.section(u'@', 0, 0);
        t.first = t.last = head.section(u'@', 1).toInt();
        codeIndex = 1;
    } else {
        t.command = head;
        if (parts.size() > 1)
            t.last = parts[1].toInt();
    }
    if (parts.size() > codeIndex)
        t.code = parts[codeIndex].toInt();
    return t;
}

// The first trigger of `variable` that applies to this call.
std::optional<Trigger> triggered(const char *variable, const QString &command, int call)
{
    for (const QString &item : env(variable).split(u',', Qt::SkipEmptyParts)) {
        const Trigger t = Trigger::parse(item);
        if (t.matches(command, call))
            return t;
    }
    return std::nullopt;
}

} // namespace DemoStet
