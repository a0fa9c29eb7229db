// SPDX-License-Identifier: MIT
#include "sessions.h"

#include "findings.h"

#include <peal/sdk/agent.h>
#include <peal/sdk/process.h>
#include <peal/sdk/servicesteps.h>
#include <peal/sdk/text.h>

#include <QDir>


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
    // stet's own advice names stet commands; peal's says what to do in peal's terms.
    QString hint;
    if (detail.contains(u"uncommitted changes"))
        hint = QStringLiteral("stet refuses to start on a work tree with uncommitted changes that peal did not "
                              "accept: commit or stash them, or run with --allow-dirty (peal then passes "
                              "--allow-dirty to stet start and leaves them out of its commits)");
    return Error(Error::Kind::Review, QStringLiteral("stet start failed: ") + detail, hint);
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

QStringList BuiltInSession::startArguments(const QStringList &accepted) const
{
    QStringList args{QStringLiteral("start")};
    if (m_settings.startRef)
        args.append(*m_settings.startRef);
    args += m_settings.startExtraArgs;
    const QString allowDirty = QStringLiteral("--allow-dirty");
    if (!accepted.isEmpty() && !args.contains(allowDirty))
        args.append(allowDirty);
    return args;
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
    // `stet start`, once more under retry_once.
    Storage<StartAttempts> attempts;
    const Step attempt = processStep(
        services, QStringLiteral("stet start"),
        [this, &services] {
            const QStringList accepted = services.acceptedChanges();
            const ProcessSpec s = spec(startArguments(accepted));
            if (!accepted.isEmpty())
                services.log(LogLevel::Info, QStringLiteral("stet start accepts the uncommitted changes peal accepted"),
                             {{QStringLiteral("paths"), accepted.size()}});
            services.log(LogLevel::Info, QStringLiteral("invoking stet start"),
                         {{QStringLiteral("stet"), s.program}, {QStringLiteral("args"), s.arguments},
                          {QStringLiteral("cwd"), s.workingDirectory}});
            return s;
        },
        [this, &services, attempts](const ProcessResult &r) { return readStart(services, *attempts, r); });
    services.run(storageStep(QStringLiteral("stet start"), attempts,
                             loopStep(QStringLiteral("attempts"), attempt, [attempts] { return std::exchange(attempts->again, false); })),
                 [this, done = std::move(done)](const Result<void> &ran) {
                     if (ran)
                         return done(!m_startSkipped);
                     // A cancelled run neither retries nor carries on without review; it stops.
                     // Cancelled midway, the start may have created its session.
                     if (ran.error().kind() == Error::Kind::Interrupted) {
                         m_sessionMayExist = true;
                         return done(startCancelled());
                     }
                     done(ran.error());
                 });
}

Result<void> BuiltInSession::readStart(ReviewServices &services, StartAttempts &attempts, const ProcessResult &r)
{
    if (r.success()) {
        m_sessionMayExist = true;
        services.log(LogLevel::Info, QStringLiteral("stet session started"));
        return {};
    }
    m_sessionMayExist = m_sessionMayExist || killedMidway(r);
    if (cancelled(r))
        return startCancelled();
    const Error error = startFailed(processDetail(r));
    if (m_settings.onFail == u"retry_once" && !attempts.retried) {
        services.log(LogLevel::Warn, QStringLiteral("stet start failed, retrying once"), {{QStringLiteral("err"), error.message()}});
        attempts.retried = attempts.again = true;
        return {};
    }
    if (m_settings.onFail == u"skip") {
        services.log(LogLevel::Warn, QStringLiteral("stet start failed; stet phase skipped for this run"),
                     {{QStringLiteral("err"), error.message()}});
        m_startSkipped = true;
        return {};
    }
    return error;
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
    QList<Step> entries;
    for (qsizetype i = 0; i < m_settings.customCommands.size(); ++i) {
        const QString command = m_settings.customCommands[i].trimmed();
        if (!command.isEmpty())
            entries << entryStep(services, i + 1, command);
    }
    services.run(sequenceStep(QStringLiteral("stet_commands"), entries), [done = std::move(done), this](const Result<void> &ran) {
        // A skipped failure turns phase 3 off for the whole run; later entries still ran.
        if (ran)
            return done(!m_startFailed);
        // A cancelled run neither retries nor carries on without review; it stops.
        done(ran.error().kind() == Error::Kind::Interrupted ? startCancelled() : ran.error());
    });
}

Step CustomSession::entryStep(ReviewServices &services, qsizetype position, const QString &command)
{
    Storage<EntryAttempts> attempts;
    const Step attempt = processStep(
        services, command,
        [this, command] { return *commandSpec(command, m_settings.repo, m_settings.timeout); },
        [this, &services, command, attempts](const ProcessResult &r) { return readEntry(services, command, *attempts, r); });
    return sequenceStep(QStringLiteral("entry %1").arg(position), {
        syncStep(QStringLiteral("log"), [&services, position, command] {
            services.log(LogLevel::Info, QStringLiteral("running stet_commands entry"),
                         {{QStringLiteral("index"), position}, {QStringLiteral("command"), command}});
            return Result<void>();
        }),
        storageStep(QStringLiteral("attempts"), attempts,
                    loopStep(QStringLiteral("attempts"), attempt, [attempts] { return std::exchange(attempts->again, false); })),
    });
}

/*
 * One run of a session-start entry, read as spec §8.4 says, with its retry quirks: a spawn
 * failure retried under retry_once goes on through the timeout and exit checks (which may retry
 * again); a timeout retried accepts any exit; a failed exit retried must then succeed.
 */
Result<void> CustomSession::readEntry(ReviewServices &services, const QString &command, EntryAttempts &attempts,
                                      const ProcessResult &r)
{
    if (cancelled(r))
        return startCancelled();
    switch (std::exchange(attempts.reading, EntryAttempts::Reading::First)) {
    case EntryAttempts::Reading::First:
        if (r.failedToStart()) {
            const Error error = startFailed(QStringLiteral("spawn failed: ") + r.errorString);
            if (m_settings.onFail == u"skip")
                return skipEntry(services, {{QStringLiteral("err"), error.message()}});
            if (m_settings.onFail != u"retry_once")
                return error;
            services.log(LogLevel::Warn, QStringLiteral("custom stet command failed to start, retrying once"),
                         {{QStringLiteral("command"), command}});
            attempts.spawnError = error;
            return retryEntry(attempts, EntryAttempts::Reading::AfterSpawnFailure);
        }
        return checkEntry(services, command, attempts, r);
    case EntryAttempts::Reading::AfterSpawnFailure:
        if (r.failedToStart())
            return *attempts.spawnError;
        return checkEntry(services, command, attempts, r);
    case EntryAttempts::Reading::AfterTimeout:
        if (r.failedToStart())
            return startFailed(QStringLiteral("custom stet command timed out"));
        if (r.timedOut())
            return startFailed(QStringLiteral("custom stet command timed out (retry)"));
        return {}; // accepted, whatever its exit code
    case EntryAttempts::Reading::AfterExitFailure:
        if (r.failedToStart())
            return startFailed(QStringLiteral("custom stet command failed on retry"));
        // A retry that ran but failed, a timeout included, reports its exit (spec §8.4).
        if (!r.success())
            return startFailed(exitDetail(r));
        return {};
    }
    return {};
}

// The timeout and exit checks, reached by the first run or a spawn retry.
Result<void> CustomSession::checkEntry(ReviewServices &services, const QString &command, EntryAttempts &attempts,
                                       const ProcessResult &r)
{
    if (r.timedOut()) {
        if (m_settings.onFail == u"skip")
            return skipEntry(services, {{QStringLiteral("timed_out"), true}});
        if (m_settings.onFail != u"retry_once")
            return startFailed(QStringLiteral("custom stet command timed out"));
        services.log(LogLevel::Warn, QStringLiteral("custom stet command timed out, retrying once"),
                     {{QStringLiteral("command"), command}});
        return retryEntry(attempts, EntryAttempts::Reading::AfterTimeout);
    }
    if (!r.success()) {
        const Error error = startFailed(exitDetail(r));
        if (m_settings.onFail == u"skip")
            return skipEntry(services, {{QStringLiteral("exit_code"), exitStatusText(r)}});
        if (m_settings.onFail != u"retry_once")
            return error;
        services.log(LogLevel::Warn, QStringLiteral("custom stet command failed, retrying once"),
                     {{QStringLiteral("command"), command}, {QStringLiteral("err"), error.message()}});
        return retryEntry(attempts, EntryAttempts::Reading::AfterExitFailure);
    }
    return {};
}

Result<void> CustomSession::retryEntry(EntryAttempts &attempts, EntryAttempts::Reading reading)
{
    attempts.reading = reading;
    attempts.again = true;
    return {};
}

Result<void> CustomSession::skipEntry(ReviewServices &services, const LogFields &fields)
{
    services.log(LogLevel::Warn, QStringLiteral("custom stet command failed; stet phase skipped for this run"), fields);
    m_startFailed = true;
    return {};
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
