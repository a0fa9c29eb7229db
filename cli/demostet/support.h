// SPDX-License-Identifier: MIT
#pragma once

// What peal-demo-stet's commands share: output, the environment knobs, git, and the failures
// and hangs the tests ask for (PEAL_FAKE_STET_FAIL, PEAL_FAKE_STET_HANG).

#include <QString>
#include <QStringList>

#include <limits>
#include <optional>

namespace DemoStet {

// The reasons stet accepts for a dismissal.
extern const QStringList &reasons();

void out(const QString &text);
void err(const QString &text);
QString env(const char *name);

struct Git
{
    int code = -1;
    QString out;
    QString err;
};
Git git(const QStringList &args);

QString sha256(const QString &text);
// Numbers the calls of `command` across invocations, next to the argv log.
int bumpCount(const QString &command);
const char *usageText();

// One item of PEAL_FAKE_STET_FAIL / _HANG: the calls of a command it applies to, and the exit.
struct Trigger
{
    QString command;
    int first = 1;
    int last = std::numeric_limits<int>::max();
    int code = 1;

    // "cmd", "cmd:times", "cmd:times:code", "cmd@N", "cmd@N:code".
    static Trigger parse(const QString &item);
    bool matches(const QString &cmd, int call) const { return command == cmd && call >= first && call <= last; }
};

// The first trigger of `variable` that applies to this call.
std::optional<Trigger> triggered(const char *variable, const QString &command, int call);

} // namespace DemoStet
