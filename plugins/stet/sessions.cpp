// SPDX-License-Identifier: MIT
#include "sessions.h"

#include "findings.h"

#include <peal/sdk/agent.h>
#include <peal/sdk/process.h>
#include <peal/sdk/text.h>

#include <QDir>

#include <memory>

namespace Peal::Stet {

namespace {

// The "exit code <n>: <first stderr line>" detail; a process without an exit code says how it
// ended instead ("timed out: ...", "was killed by SIGKILL: ...").
QString exitDetail(const ProcessResult &r)
{
    QString detail = r.code() ? QStringLiteral("exit code %1").arg(*r.code()) : describeEnding(r);
    const QString first = Text::firstLine(r.stderrText);
    if (!first.isEmpty())
        detail += QStringLiteral(": ") + first;
    return detail;
}

QString processDetail(const ProcessResult &r)
{
    if (r.failedToStart())
        return QStringLiteral("spawn failed: ") + r.errorString;
    if (r.timedOut())
        return QStringLiteral("timed out");
    return exitDetail(r);
}

bool cancelled(const ProcessResult &r)
{
    return r.ending == ProcessEnding::Cancelled;
}

// A start that peal ended (timeout, cancel) or that was killed may have created its session
// before it died; one that exited by itself or never ran has said what it did.
bool killedMidway(const ProcessResult &r)
{
    return r.ending == ProcessEnding::TimedOut || r.ending == ProcessEnding::Cancelled
           || r.ending == ProcessEnding::Crashed;
}

Error startCancelled()
{
    return Error(Error::Kind::Interrupted, QStringLiteral("stet start cancelled"));
}

Error startFailed(const QString &detail)
{
    return Error(Error::Kind::Review, QStringLiteral("stet start failed: ") + detail);
}

Error runFailed(const QString &detail)
{
    return Error(Error::Kind::Review, QStringLiteral("stet run failed: ") + detail);
}

// A review result from a finished review process (spec §8.3 "stet run completed").
ReviewResult reviewResult(const ProcessResult &r)
{
    ReviewResult result;
    result.stdoutText = r.stdoutText;
    result.stderrText = r.stderrText;
    result.exitCode = r.code();
    result.hasFindings = detectFindings(result.exitCode, result.stdoutText);
    return result;
}

LogFields completedFields(const ReviewResult &r)
{
    return {{QStringLiteral("exit_code"), exitStatusText(r.exitCode, 0)},
            {QStringLiteral("has_findings"), r.hasFindings},
            {QStringLiteral("stdout_len"), Text::utf8Length(r.stdoutText)},
            {QStringLiteral("stderr_len"), Text::utf8Length(r.stderrText)}};
}

void logQuietOutput(ReviewServices &services, const ReviewResult &r)
{
    if (!r.hasFindings && !r.stdoutText.isEmpty())
        services.log(LogLevel::Debug, QStringLiteral("review output without findings"),
                     {{QStringLiteral("stdout"), Text::truncateUtf8(r.stdoutText, 400)}});
}

} // namespace

// ---- built-in: stet start / run / dismiss / finish ------------------------------------

BuiltInSession::BuiltInSession(StetSettings settings) : m_settings(std::move(settings)) {}

ProcessSpec BuiltInSession::spec(const QStringList &arguments) const
{
    ProcessSpec spec;
    spec.program = m_settings.program;
    spec.arguments = arguments;
    spec.workingDirectory = m_settings.repo;
    spec.timeout = m_settings.timeout;
    spec.stdinMode = ProcessSpec::Stdin::Inherit;
    spec.label = QStringLiteral("stet ") + arguments.value(0);
    return spec;
}

QStringList BuiltInSession::startArguments() const
{
    QStringList args{QStringLiteral("start")};
    if (m_settings.startRef)
        args.append(*m_settings.startRef);
    return args + m_settings.startExtraArgs;
}

QStringList BuiltInSession::runArguments() const
{
    return QStringList{QStringLiteral("run"), QStringLiteral("--output=json")} + m_settings.runExtraArgs;
}

ReviewOutline BuiltInSession::outline() const
{
    ReviewOutline o;
    o.mode = QStringLiteral("built-in session");
    o.atStart << Text::commandLine(m_settings.program, startArguments());
    o.perReview = Text::commandLine(m_settings.program, runArguments());
    o.dismiss = Text::commandLine(m_settings.program, {QStringLiteral("dismiss")}) + QStringLiteral(" <id> <reason>");
    o.atFinish << Text::commandLine(m_settings.program, {QStringLiteral("finish")});
    return o;
}

void BuiltInSession::start(ReviewServices &services, std::function<void(Result<bool>)> done)
{
    services.log(LogLevel::Info, QStringLiteral("starting stet session"));
    attemptStart(services, false, std::move(done));
}

void BuiltInSession::attemptStart(ReviewServices &services, bool isRetry,
                                  std::function<void(Result<bool>)> done)
{
    const ProcessSpec s = spec(startArguments());
    services.log(LogLevel::Info, QStringLiteral("invoking stet start"),
                 {{QStringLiteral("stet"), s.program}, {QStringLiteral("args"), s.arguments},
                  {QStringLiteral("cwd"), s.workingDirectory}});
    services.runProcess(s, [this, &services, isRetry, done](const ProcessResult &r) {
        if (r.success()) {
            m_sessionMayExist = true;
            services.log(LogLevel::Info, QStringLiteral("stet session started"));
            return done(true);
        }
        m_sessionMayExist = m_sessionMayExist || killedMidway(r);
        // A cancelled run neither retries nor carries on without review; it stops.
        if (cancelled(r))
            return done(startCancelled());
        const Error error = startFailed(processDetail(r));
        if (m_settings.onFail == u"retry_once" && !isRetry) {
            services.log(LogLevel::Warn, QStringLiteral("stet start failed, retrying once"),
                         {{QStringLiteral("err"), error.message()}});
            return attemptStart(services, true, done);
        }
        if (m_settings.onFail == u"skip") {
            services.log(LogLevel::Warn, QStringLiteral("stet start failed; stet phase skipped for this run"),
                         {{QStringLiteral("err"), error.message()}});
            return done(false);
        }
        done(error);
    });
}

void BuiltInSession::review(ReviewServices &services, std::function<void(Result<ReviewResult>)> done)
{
    const ProcessSpec s = spec(runArguments());
    services.log(LogLevel::Info, QStringLiteral("invoking stet run"),
                 {{QStringLiteral("stet"), s.program}, {QStringLiteral("args"), s.arguments},
                  {QStringLiteral("cwd"), s.workingDirectory}});
    services.runProcess(s, [&services, done](const ProcessResult &r) {
        if (r.failedToStart() || r.timedOut())
            return done(runFailed(processDetail(r)));
        if (cancelled(r))
            return done(Error(Error::Kind::Interrupted, QStringLiteral("stet run cancelled")));
        const ReviewResult result = reviewResult(r);
        services.log(LogLevel::Info, QStringLiteral("stet run completed"), completedFields(result));
        logQuietOutput(services, result);
        done(result);
    });
}

void BuiltInSession::dismiss(ReviewServices &services, const QString &id, const QString &reason,
                             std::function<void()> done)
{
    services.log(LogLevel::Info, QStringLiteral("invoking stet dismiss"),
                 {{QStringLiteral("id"), id}, {QStringLiteral("reason"), reason}});
    services.runProcess(spec({QStringLiteral("dismiss"), id, reason}),
                        [&services, id, done](const ProcessResult &r) {
                            if (!r.success())
                                services.log(LogLevel::Warn, QStringLiteral("stet dismiss failed (best-effort)"),
                                             {{QStringLiteral("id"), id},
                                              {QStringLiteral("err"), processDetail(r)}});
                            done();
                        });
}

void BuiltInSession::finish(ReviewServices &services, std::function<void(Result<void>)> done)
{
    const ProcessSpec s = spec({QStringLiteral("finish")});
    services.log(LogLevel::Info, QStringLiteral("invoking stet finish"),
                 {{QStringLiteral("stet"), s.program}, {QStringLiteral("args"), s.arguments},
                  {QStringLiteral("cwd"), s.workingDirectory}});
    services.runProcess(s, [&services, done](const ProcessResult &r) {
        if (!r.success())
            return done(Error(Error::Kind::Review,
                              QStringLiteral("stet finish failed: ") + processDetail(r)));
        services.log(LogLevel::Info, QStringLiteral("stet finish succeeded"),
                     {{QStringLiteral("stdout_len"), Text::utf8Length(r.stdoutText)},
                      {QStringLiteral("stderr_len"), Text::utf8Length(r.stderrText)}});
        done(Result<void>());
    });
}

// stet reviews commits only (`baseline..HEAD`), even with --allow-dirty.
bool BuiltInSession::seesUncommittedChanges() const
{
    return false;
}

// ---- custom: stet_commands ----------------------------------------------------------------

// The user's own commands may look at the work tree: peal cannot tell.
bool CustomSession::seesUncommittedChanges() const
{
    return true;
}

/*
 * The session-start sequence of spec §8.4 for one entry, with its retry quirks: a spawn failure
 * retried under retry_once goes on through the timeout and exit checks (which may retry
 * again); a timeout retried accepts any exit; a failed exit retried must then succeed.
 */
struct CustomSession::StartEntry : std::enable_shared_from_this<StartEntry>
{
    CustomSession &session;
    ReviewServices &services;
    QString command;
    std::function<void(std::optional<Error>, bool failed)> done; // error, or skipped-as-failed

    StartEntry(CustomSession &s, ReviewServices &sv, QString c,
               std::function<void(std::optional<Error>, bool)> d)
        : session(s), services(sv), command(std::move(c)), done(std::move(d)) {}

    const QString &policy() const { return session.m_settings.onFail; }

    void run(std::function<void(const ProcessResult &)> next)
    {
        const auto s = commandSpec(command, session.m_settings.repo, session.m_settings.timeout);
        services.runProcess(*s, std::move(next));
    }

    void skip(const LogFields &fields)
    {
        services.log(LogLevel::Warn,
                     QStringLiteral("custom stet command failed; stet phase skipped for this run"), fields);
        done(std::nullopt, true);
    }

    void start()
    {
        auto self = shared_from_this();
        run([self](const ProcessResult &r) { self->first(r); });
    }

    void first(const ProcessResult &r)
    {
        if (cancelled(r))
            return done(startCancelled(), false);
        if (r.failedToStart()) {
            const Error error = startFailed(QStringLiteral("spawn failed: ") + r.errorString);
            if (policy() == u"skip")
                return skip({{QStringLiteral("err"), error.message()}});
            if (policy() != u"retry_once")
                return done(error, false);
            services.log(LogLevel::Warn, QStringLiteral("custom stet command failed to start, retrying once"),
                         {{QStringLiteral("command"), command}});
            auto self = shared_from_this();
            return run([self, error](const ProcessResult &again) {
                if (cancelled(again))
                    return self->done(startCancelled(), false);
                if (again.failedToStart())
                    return self->done(error, false);
                self->checked(again);
            });
        }
        checked(r);
    }

    // The timeout and exit checks, reached by the first run or a spawn retry.
    void checked(const ProcessResult &r)
    {
        auto self = shared_from_this();
        if (r.timedOut()) {
            if (policy() == u"skip")
                return skip({{QStringLiteral("timed_out"), true}});
            if (policy() != u"retry_once")
                return done(startFailed(QStringLiteral("custom stet command timed out")), false);
            services.log(LogLevel::Warn, QStringLiteral("custom stet command timed out, retrying once"),
                         {{QStringLiteral("command"), command}});
            return run([self](const ProcessResult &again) {
                if (cancelled(again))
                    return self->done(startCancelled(), false);
                if (again.failedToStart())
                    return self->done(startFailed(QStringLiteral("custom stet command timed out")), false);
                if (again.timedOut())
                    return self->done(startFailed(QStringLiteral("custom stet command timed out (retry)")), false);
                self->done(std::nullopt, false); // accepted, whatever its exit code
            });
        }
        if (!r.success()) {
            const Error error = startFailed(exitDetail(r));
            if (policy() == u"skip")
                return skip({{QStringLiteral("exit_code"), exitStatusText(r)}});
            if (policy() != u"retry_once")
                return done(error, false);
            services.log(LogLevel::Warn, QStringLiteral("custom stet command failed, retrying once"),
                         {{QStringLiteral("command"), command}, {QStringLiteral("err"), error.message()}});
            return run([self](const ProcessResult &again) {
                if (cancelled(again))
                    return self->done(startCancelled(), false);
                if (again.failedToStart())
                    return self->done(startFailed(QStringLiteral("custom stet command failed on retry")), false);
                // A retry that ran but failed, a timeout included, reports its exit (spec §8.4).
                if (!again.success())
                    return self->done(startFailed(exitDetail(again)), false);
                self->done(std::nullopt, false);
            });
        }
        done(std::nullopt, false);
    }
};

CustomSession::CustomSession(StetSettings settings) : m_settings(std::move(settings)) {}

ReviewOutline CustomSession::outline() const
{
    ReviewOutline o;
    o.mode = QStringLiteral("custom stet_commands");
    for (const QString &command : m_settings.customCommands)
        o.atStart << command.trimmed();
    o.perReview = m_settings.customCommands.isEmpty() ? QString() : m_settings.customCommands.last().trimmed();
    return o;
}

void CustomSession::start(ReviewServices &services, std::function<void(Result<bool>)> done)
{
    services.log(LogLevel::Info, QStringLiteral("running custom stet_commands at session start"),
                 {{QStringLiteral("count"), m_settings.customCommands.size()}});
    startEntry(services, 0, false, std::move(done));
}

void CustomSession::startEntry(ReviewServices &services, qsizetype index, bool failed,
                               std::function<void(Result<bool>)> done)
{
    const QStringList &commands = m_settings.customCommands;
    if (index >= commands.size()) {
        // A skipped failure turns phase 3 off for the whole run; later entries still ran.
        return done(!failed);
    }
    const QString command = commands[index].trimmed();
    if (command.isEmpty())
        return startEntry(services, index + 1, failed, std::move(done));
    services.log(LogLevel::Info, QStringLiteral("running stet_commands entry"),
                 {{QStringLiteral("index"), index + 1}, {QStringLiteral("command"), command}});
    auto entry = std::make_shared<StartEntry>(
        *this, services, command,
        [this, &services, index, failed, done](std::optional<Error> error, bool entryFailed) {
            if (error)
                return done(*error);
            startEntry(services, index + 1, failed || entryFailed, done);
        });
    entry->start();
}

void CustomSession::review(ReviewServices &services, std::function<void(Result<ReviewResult>)> done)
{
    const QString command = m_settings.customCommands.isEmpty()
                                ? QString()
                                : m_settings.customCommands.last().trimmed();
    const auto s = commandSpec(command, m_settings.repo, m_settings.timeout);
    if (!s)
        return done(runFailed(QStringLiteral("custom run command is empty")));
    services.log(LogLevel::Info, QStringLiteral("running custom stet command"),
                 {{QStringLiteral("command"), command}});
    services.runProcess(*s, [&services, done](const ProcessResult &r) {
        if (r.failedToStart() || r.timedOut())
            return done(runFailed(processDetail(r)));
        if (cancelled(r))
            return done(Error(Error::Kind::Interrupted, QStringLiteral("stet run cancelled")));
        const ReviewResult result = reviewResult(r);
        services.log(LogLevel::Info, QStringLiteral("custom stet run command completed"),
                     completedFields(result));
        logQuietOutput(services, result);
        done(result);
    });
}

void CustomSession::dismiss(ReviewServices &, const QString &, const QString &,
                            std::function<void()> done)
{
    done(); // custom mode has no dismiss step
}

void CustomSession::finish(ReviewServices &, std::function<void(Result<void>)> done)
{
    done(Result<void>()); // custom mode never runs `stet finish`
}

std::unique_ptr<ReviewSession> createSession(const StetSettings &settings)
{
    if (!settings.customCommands.isEmpty())
        return std::make_unique<CustomSession>(settings);
    return std::make_unique<BuiltInSession>(settings);
}

std::optional<QString> findStet(const std::optional<QString> &configuredPath, const std::optional<QString> &pathVariable,
                                QString *warning)
{
    if (configuredPath) {
        // An explicit path that is not usable disables review; there is no PATH fallback.
        if (isExecutableFile(*configuredPath))
            return QDir::current().absoluteFilePath(*configuredPath);
        if (warning)
            *warning = QStringLiteral("configured stet_path is not a valid executable; phase 3 will be skipped");
        return std::nullopt;
    }
    if (!pathVariable)
        return std::nullopt;
    for (const QString &dir : pathVariable->split(u':')) {
        const QString candidate = dir.isEmpty() ? QStringLiteral("stet") : dir + QStringLiteral("/stet");
        if (isExecutableFile(candidate))
            return QDir::current().absoluteFilePath(candidate);
    }
    return std::nullopt;
}

} // namespace Peal::Stet
