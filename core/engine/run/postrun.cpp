// SPDX-License-Identifier: MIT
#include "run/postrun.h"

#include <peal/exec.h>
#include <peal/textutil.h>

namespace Peal::Internal {

namespace {

QString truncated(const QString &text)
{
    return Text::truncateUtf8(text.trimmed(), 2048);
}

std::chrono::milliseconds postRunTimeout(const RunContext &run)
{
    const auto &c = run.config();
    if (!c.postRunTimeoutSec)
        return run.timeout();
    return RunContext::fromSeconds(*c.postRunTimeoutSec);
}

// Logs what a command did; never an error.
Result<void> logResult(Logger &log, const ProcessResult &r)
{
    if (r.failedToStart()) {
        log.warn(u"peal::main", QStringLiteral("post-run command spawn failed (best-effort)"),
                 {{QStringLiteral("err"), r.errorString}});
        return {};
    }
    const bool ok = r.success();
    const LogLevel level = ok ? LogLevel::Info : LogLevel::Warn;
    if (ok)
        log.info(u"peal::main", QStringLiteral("post-run command succeeded"),
                 {{QStringLiteral("stdout_len"), Text::utf8Length(r.stdoutText)},
                  {QStringLiteral("stderr_len"), Text::utf8Length(r.stderrText)},
                  {QStringLiteral("exit_code"), r.exitCode}});
    else
        log.warn(u"peal::main", QStringLiteral("post-run command failed (best-effort)"),
                 {{QStringLiteral("exit_code"), exitStatusText(r)}, {QStringLiteral("timed_out"), r.timedOut()}});
    if (!r.stdoutText.trimmed().isEmpty())
        log.log(level, u"peal::main", QStringLiteral("post-run command stdout"),
                {{QStringLiteral("stdout"), truncated(r.stdoutText)}});
    if (!r.stderrText.trimmed().isEmpty())
        log.log(level, u"peal::main", QStringLiteral("post-run command stderr"),
                {{QStringLiteral("stderr"), truncated(r.stderrText)}});
    return {};
}

} // namespace

Step postRunCommands(RunContext &run, QObject *context)
{
    const QStringList &commands = run.config().postRunCommands;
    QList<Step> steps;
    if (!commands.isEmpty())
        steps << syncStep(QStringLiteral("announce"), [&run, count = commands.size()] {
            run.logger().info(u"peal::main", QStringLiteral("running post-run command(s)"),
                              {{QStringLiteral("count"), count}});
            return Result<void>();
        });
    for (const QString &entry : commands) {
        const QString command = entry.trimmed();
        auto spec = commandSpec(command, run.config().repoPath, postRunTimeout(run));
        if (!spec)
            continue;
        steps << processStep(run, context, QStringLiteral("post-run command"),
                             [&run, command, spec = *spec] {
                                 run.logger().info(u"peal::main", QStringLiteral("running post-run command"),
                                                   {{QStringLiteral("command"), command}});
                                 return spec;
                             },
                             [&run](const ProcessResult &r) { return logResult(run.logger(), r); });
    }
    return sequenceStep(QStringLiteral("post-run commands"), steps);
}

} // namespace Peal::Internal
