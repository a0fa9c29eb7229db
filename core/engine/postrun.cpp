// SPDX-License-Identifier: MIT
#include "postrun.h"

#include <peal/exec.h>
#include <peal/textutil.h>

#include <memory>

namespace Peal::Internal {

namespace {

QString truncated(const QString &text)
{
    return Text::truncateUtf8(text.trimmed(), 2048);
}

struct PostRun : std::enable_shared_from_this<PostRun>
{
    RunContext &run;
    QPointer<QObject> context;
    QStringList commands;
    qsizetype next = 0;
    std::function<void()> done;

    PostRun(RunContext &r, QObject *c, std::function<void()> d)
        : run(r), context(c), commands(r.config().postRunCommands), done(std::move(d)) {}

    std::chrono::milliseconds timeout() const
    {
        const auto &c = run.config();
        if (!c.postRunTimeoutSec)
            return run.timeout();
        constexpr quint64 maxSeconds = quint64(std::numeric_limits<qint64>::max() / 1000 / 2);
        return std::chrono::milliseconds(qint64(std::min(*c.postRunTimeoutSec, maxSeconds)) * 1000);
    }

    void step()
    {
        if (next >= commands.size() || run.isCancelled())
            return done();
        const QString command = commands[next++].trimmed();
        auto spec = commandSpec(command, run.config().repoPath, timeout());
        if (!spec)
            return step();
        run.logger().info(u"peal::main", QStringLiteral("running post-run command"),
                          {{QStringLiteral("command"), command}});
        auto self = shared_from_this();
        run.runProcess(*spec, context, [self](const ProcessResult &r) { self->onResult(r); });
    }

    void onResult(const ProcessResult &r)
    {
        Logger &log = run.logger();
        if (r.failedToStart()) {
            log.warn(u"peal::main", QStringLiteral("post-run command spawn failed (best-effort)"),
                     {{QStringLiteral("err"), r.errorString}});
            return step();
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
                     {{QStringLiteral("exit_code"), exitStatusText(r)},
                      {QStringLiteral("timed_out"), r.timedOut()}});
        if (!r.stdoutText.trimmed().isEmpty())
            log.log(level, u"peal::main", QStringLiteral("post-run command stdout"),
                    {{QStringLiteral("stdout"), truncated(r.stdoutText)}});
        if (!r.stderrText.trimmed().isEmpty())
            log.log(level, u"peal::main", QStringLiteral("post-run command stderr"),
                    {{QStringLiteral("stderr"), truncated(r.stderrText)}});
        step();
    }
};

} // namespace

void runPostRunCommands(RunContext &run, QObject *context, std::function<void()> done)
{
    if (run.config().postRunCommands.isEmpty())
        return done();
    run.logger().info(u"peal::main", QStringLiteral("running post-run command(s)"),
                      {{QStringLiteral("count"), run.config().postRunCommands.size()}});
    auto postRun = std::make_shared<PostRun>(run, context, std::move(done));
    postRun->step();
}

} // namespace Peal::Internal
