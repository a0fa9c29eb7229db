// SPDX-License-Identifier: MIT
/*
 * peal-demo-stet: a stand-in for the stet reviewer that follows its command-line contract
 * (docs: ../shared/spec/stet-contract.md) without an LLM. It keeps its session in `.review/`
 * inside the repository like the real one, refuses to start on a dirty tree or while a session
 * is active, reviews committed changes only, accepts unique id prefixes of 4+ characters, and
 * never shows a dismissed finding again.
 *
 * What it reports (PEAL_FAKE_STET_MODE):
 *   dry-run (default, also --dry-run): one placeholder finding per changed hunk of
 *           baseline..HEAD, with stable ids, like `stet --dry-run`;
 *   demo:   one finding while greeting.txt lacks a "reviewed" line, with a suggestion the demo
 *           agent can apply (used by `peal demo`);
 *   script: the i-th `run` prints element i of the JSON array in PEAL_FAKE_STET_SCRIPT (a list
 *           of findings, or {"exit": n, "stdout": "...", "stderr": "..."}).
 * Failures on purpose are described by usageText() below (`--help` prints it).
 */

#include "support.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QThread>

#include <cstdio>
#include <limits>
#include <optional>

using namespace Qt::StringLiterals;
using namespace DemoStet;

namespace {

class Stet
{
public:
    Stet(QStringList args) : m_args(std::move(args)) {}
    int run();

private:
    int usage(const QString &message)
    {
        err(message + u'\n');
        return 1;
    }
    bool parseFlags();
    void hangIfAsked(QStringView where) const;
    bool vanishIfAsked();
    QString worktreePath(const QJsonObject &session) const;
    QJsonObject loadSession() const;
    void saveSession(const QJsonObject &session) const;
    bool hasSession() const { return QFile::exists(sessionPath()); }
    QString sessionPath() const { return m_root + u"/.review/session.json"_s; }
    QJsonArray review(QJsonObject &session, bool *raw, int *exitCode, QString *rawStdout, QString *rawStderr);
    QJsonArray dryRunFindings(const QString &baseline) const;
    QJsonArray demoFindings() const;
    void print(const QJsonArray &findings) const;
    int cmdStart();
    int cmdRun();
    int cmdDismiss();
    int cmdFinish();
    int cmdList();

    QStringList m_args;
    QString m_command;
    QStringList m_positional;
    bool m_json = false;
    bool m_dryRun = false;
    bool m_allowDirty = false;
    QString m_root;
    int m_call = 1; // this call's number among the calls of m_command
};

bool Stet::parseFlags()
{
    static const QStringList switches = {u"--dry-run"_s, u"-q"_s, u"--quiet"_s, u"--json"_s, u"--stream"_s,
                                         u"--allow-dirty"_s, u"--rag-call-graph"_s, u"--nitpicky"_s,
                                         u"--verify"_s, u"--trace"_s};
    static const QStringList valued = {u"--output"_s, u"--rag-symbol-max-definitions"_s,
                                       u"--rag-symbol-max-tokens"_s, u"--strictness"_s, u"--context"_s,
                                       u"--num-ctx"_s, u"--timeout"_s, u"--provider"_s, u"--openai-base-url"_s};
    for (int i = 1; i < m_args.size(); ++i) {
        const QString &a = m_args[i];
        if (!a.startsWith(u'-')) {
            m_positional.append(a);
            continue;
        }
        const QString name = a.section(u'=', 0, 0);
        QString value = a.contains(u'=') ? a.section(u'=', 1) : QString();
        if (valued.contains(name) && !a.contains(u'=')) {
            if (i + 1 >= m_args.size()) {
                usage(u"flag needs an argument: "_s + a);
                return false;
            }
            value = m_args[++i];
        } else if (!switches.contains(name) && !valued.contains(name)) {
            usage(u"unknown flag: "_s + a);
            return false;
        }
        if (name == u"--json" || (name == u"--output" && value == u"json"))
            m_json = true;
        if (name == u"--dry-run")
            m_dryRun = true;
        if (name == u"--allow-dirty")
            m_allowDirty = true;
    }
    return true;
}

void Stet::hangIfAsked(QStringView where) const
{
    const QString at = env("PEAL_FAKE_STET_HANG_AT");
    if ((at.isEmpty() ? u"early"_s : at) != where || !triggered("PEAL_FAKE_STET_HANG", m_command, m_call))
        return;
    err(QStringLiteral("peal-demo-stet: %1 hanging as asked\n").arg(m_command));
    for (;;)
        QThread::sleep(60);
}

bool Stet::vanishIfAsked()
{
    if (!triggered("PEAL_FAKE_STET_VANISH", m_command, m_call))
        return true;
    const QString self = QCoreApplication::applicationFilePath();
    if (QFileInfo(self).fileName() == u"peal-demo-stet") {
        usage(u"peal-demo-stet: PEAL_FAKE_STET_VANISH needs a copy of the fake under another name"_s);
        return false;
    }
    QFile::remove(self);
    return true;
}

// stet checks the baseline out in a git worktree under .review/worktrees/.
QString Stet::worktreePath(const QJsonObject &session) const
{
    return m_root + u"/.review/worktrees/stet-"_s + session.value(u"baseline"_s).toString().left(12);
}

QJsonObject Stet::loadSession() const
{
    QFile file(sessionPath());
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

void Stet::saveSession(const QJsonObject &session) const
{
    QDir().mkpath(m_root + u"/.review"_s);
    QFile file(sessionPath());
    if (file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        file.write(QJsonDocument(session).toJson());
}

QJsonArray Stet::dryRunFindings(const QString &baseline) const
{
    // One placeholder per hunk of the committed change baseline..HEAD.
    const Git diff = git({u"-C"_s, m_root, u"diff"_s, u"-U0"_s, u"--no-color"_s, baseline, u"HEAD"_s});
    QJsonArray findings;
    QString file;
    QString hunk;
    int line = 0;
    int count = 0;
    const auto flush = [&] {
        if (hunk.isEmpty())
            return;
        QJsonObject f;
        f.insert(u"id"_s, sha256(file + u'\n' + hunk));
        f.insert(u"file"_s, file);
        f.insert(u"line"_s, line);
        f.insert(u"range"_s, QJsonObject{{u"start"_s, line}, {u"end"_s, line + std::max(count, 1) - 1}});
        f.insert(u"severity"_s, u"info"_s);
        f.insert(u"category"_s, u"maintainability"_s);
        f.insert(u"confidence"_s, 1.0);
        f.insert(u"message"_s, u"Dry-run placeholder (CI)"_s);
        findings.append(f);
        hunk.clear();
    };
    static const QRegularExpression header(u"^@@ -\\d+(?:,\\d+)? \\+(\\d+)(?:,(\\d+))? @@"_s);
    for (const QString &l : diff.out.split(u'\n')) {
        if (l.startsWith(u"+++ ")) {
            flush();
            file = l.mid(4).startsWith(u"b/") ? l.mid(6) : l.mid(4);
        } else if (l.startsWith(u"@@")) {
            flush();
            const auto m = header.match(l);
            line = m.captured(1).toInt();
            count = m.captured(2).isEmpty() ? 1 : m.captured(2).toInt();
            hunk = l;
        } else if (!hunk.isEmpty() && (l.startsWith(u'+') || l.startsWith(u'-'))) {
            hunk += u'\n' + l;
        }
    }
    flush();
    return findings;
}

QJsonArray Stet::demoFindings() const
{
    QFile greeting(m_root + u"/greeting.txt"_s);
    if (!greeting.open(QIODevice::ReadOnly) || greeting.readAll().contains("reviewed"))
        return {};
    QJsonObject f;
    f.insert(u"id"_s, sha256(u"peal-demo-greeting"_s));
    f.insert(u"file"_s, u"greeting.txt"_s);
    f.insert(u"line"_s, 1);
    f.insert(u"severity"_s, u"warning"_s);
    f.insert(u"category"_s, u"maintainability"_s);
    f.insert(u"confidence"_s, 0.9);
    f.insert(u"message"_s, u"greeting.txt does not say that it was reviewed"_s);
    f.insert(u"suggestion"_s, u"append greeting.txt: -- reviewed"_s);
    return {f};
}

// The active findings after this review; sets the exit code and raw output in script mode.
QJsonArray Stet::review(QJsonObject &session, bool *raw, int *exitCode, QString *rawStdout, QString *rawStderr)
{
    const int runIndex = session.value(u"runs"_s).toInt();
    session.insert(u"runs"_s, runIndex + 1);
    const QJsonArray dismissed = session.value(u"dismissed"_s).toArray();
    const auto isDismissed = [&](const QJsonValue &f) {
        return dismissed.contains(f.toObject().value(u"id"_s));
    };
    const QString mode = m_dryRun ? u"dry-run"_s : env("PEAL_FAKE_STET_MODE");
    QJsonArray current;
    if (mode == u"script") {
        QFile script(env("PEAL_FAKE_STET_SCRIPT"));
        script.open(QIODevice::ReadOnly);
        const QJsonArray steps = QJsonDocument::fromJson(script.readAll()).array();
        const QJsonValue step = steps.isEmpty() ? QJsonValue(QJsonArray()) : steps.at(std::min<qsizetype>(runIndex, steps.size() - 1));
        if (step.isObject() && step.toObject().contains(u"stdout"_s)) {
            *raw = true;
            *exitCode = step.toObject().value(u"exit"_s).toInt();
            *rawStdout = step.toObject().value(u"stdout"_s).toString();
            *rawStderr = step.toObject().value(u"stderr"_s).toString();
            return {};
        }
        current = step.isObject() ? step.toObject().value(u"findings"_s).toArray() : step.toArray();
    } else if (mode == u"demo") {
        current = demoFindings();
    } else {
        // Findings of hunks that changed are replaced; unchanged ones keep their ids.
        current = dryRunFindings(session.value(u"baseline"_s).toString());
    }
    QJsonArray known = session.value(u"known"_s).toArray();
    for (const QJsonValue &f : current) {
        if (!known.contains(f.toObject().value(u"id"_s)))
            known.append(f.toObject().value(u"id"_s));
    }
    session.insert(u"known"_s, known);
    session.insert(u"findings"_s, current);
    QJsonArray active;
    for (const QJsonValue &f : current) {
        if (!isDismissed(f))
            active.append(f);
    }
    return active;
}

void Stet::print(const QJsonArray &findings) const
{
    if (m_json) {
        out(QString::fromUtf8(QJsonDocument(QJsonObject{{u"findings"_s, findings}}).toJson(QJsonDocument::Compact))
            + u'\n');
        return;
    }
    err(QStringLiteral("%1 hunks to review\n").arg(findings.size()));
    for (const QJsonValue &v : findings) {
        const QJsonObject f = v.toObject();
        out(QStringLiteral("%1  %2:%3  %4  %5\n")
                .arg(f.value(u"id"_s).toString().left(7), f.value(u"file"_s).toString())
                .arg(f.value(u"line"_s).toInt())
                .arg(f.value(u"severity"_s).toString().toUpper(), f.value(u"message"_s).toString()));
    }
    out(QStringLiteral("%1 finding(s).\n").arg(findings.size()));
}

int Stet::cmdStart()
{
    if (hasSession()) {
        err(u"Hint: Run 'stet finish' to end the current review and remove the worktree, then run 'stet start' again.\n"
            "a review session is already active\n"_s);
        return 1;
    }
    const Git status = git({u"-C"_s, m_root, u"status"_s, u"--porcelain"_s});
    if (!status.out.trimmed().isEmpty()) {
        if (!m_allowDirty) {
            err(u"Hint: Commit or stash your changes, then run 'stet start HEAD~1' again.\n"
                "working tree has uncommitted changes; commit or stash before starting\n"_s);
            return 1;
        }
        err(u"warning: working tree has uncommitted changes\n"_s);
    }
    const QString ref = m_positional.value(0, u"HEAD"_s);
    const Git baseline = git({u"-C"_s, m_root, u"rev-parse"_s, u"--verify"_s, u"--quiet"_s, ref + u"^{commit}"_s});
    if (baseline.code != 0) {
        err(QStringLiteral("Could not resolve baseline ref \"%1\".\n").arg(ref));
        return 1;
    }
    QJsonObject session;
    session.insert(u"baseline"_s, baseline.out.trimmed());
    session.insert(u"started"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    session.insert(u"dismissed"_s, QJsonArray());
    QFile lock(m_root + u"/.review/lock"_s);
    QDir().mkpath(m_root + u"/.review/worktrees"_s);
    if (lock.open(QIODevice::WriteOnly))
        lock.write(QByteArray::number(QCoreApplication::applicationPid()));
    git({u"-C"_s, m_root, u"worktree"_s, u"add"_s, u"--quiet"_s, u"--detach"_s, worktreePath(session),
         session.value(u"baseline"_s).toString()});
    // Like stet, the session exists before the (slow) review of the change starts.
    session.insert(u"runs"_s, 0);
    saveSession(session);
    hangIfAsked(u"review");
    bool raw = false;
    int exitCode = 0;
    QString rawOut;
    QString rawErr;
    const QJsonArray findings = env("PEAL_FAKE_STET_MODE") == u"script"
                                    ? QJsonArray()
                                    : review(session, &raw, &exitCode, &rawOut, &rawErr);
    session.insert(u"runs"_s, 0);
    saveSession(session);
    print(findings);
    return 0;
}

int Stet::cmdRun()
{
    if (!hasSession())
        return usage(u"no active session; run stet start first"_s);
    QJsonObject session = loadSession();
    hangIfAsked(u"review");
    bool raw = false;
    int exitCode = 0;
    QString rawOut;
    QString rawErr;
    const QJsonArray findings = review(session, &raw, &exitCode, &rawOut, &rawErr);
    saveSession(session);
    if (raw) {
        out(rawOut);
        err(rawErr);
        return exitCode;
    }
    print(findings);
    return 0;
}

int Stet::cmdDismiss()
{
    if (!hasSession())
        return usage(u"no active session; run stet start first"_s);
    const QString id = m_positional.value(0);
    const QString reason = m_positional.value(1, u"false_positive"_s);
    if (id.isEmpty())
        return usage(u"usage: stet dismiss <id> [reason]"_s);
    if (!reasons().contains(reason))
        return usage(u"Invalid reason; use one of: false_positive, already_correct, wrong_suggestion, out_of_scope."_s);
    QJsonObject session = loadSession();
    QStringList matches;
    for (const QJsonValue &known : session.value(u"known"_s).toArray()) {
        const QString full = known.toString();
        if (full == id || (id.size() >= 4 && full.startsWith(id)))
            matches.append(full);
    }
    matches.removeDuplicates();
    if (matches.size() != 1)
        return usage(matches.isEmpty() ? QStringLiteral("no finding with id \"%1\"").arg(id)
                                       : QStringLiteral("id prefix \"%1\" is ambiguous").arg(id));
    QJsonArray dismissed = session.value(u"dismissed"_s).toArray();
    if (!dismissed.contains(matches.first()))
        dismissed.append(matches.first());
    session.insert(u"dismissed"_s, dismissed);
    saveSession(session);
    return 0;
}

int Stet::cmdFinish()
{
    if (!hasSession())
        return usage(u"no active session; run stet start first"_s);
    // Like stet: the worktree and session.json go, .review/ and its lock stay, and a note
    // records the review on HEAD (best effort: a repository without an identity gets none).
    const QJsonObject session = loadSession();
    git({u"-C"_s, m_root, u"worktree"_s, u"remove"_s, u"--force"_s, worktreePath(session)});
    QDir(worktreePath(session)).removeRecursively();
    git({u"-C"_s, m_root, u"worktree"_s, u"prune"_s});
    const QJsonArray dismissed = session.value(u"dismissed"_s).toArray();
    git({u"-C"_s, m_root, u"notes"_s, u"--ref=stet"_s, u"add"_s, u"-f"_s, u"-m"_s,
         QStringLiteral("stet review: baseline %1, %2 finding(s) dismissed")
             .arg(session.value(u"baseline"_s).toString())
             .arg(dismissed.size()),
         u"HEAD"_s});
    QFile::remove(sessionPath());
    return 0;
}

int Stet::cmdList()
{
    if (!hasSession())
        return usage(u"No active session. Run 'stet start' to begin a review."_s);
    const QJsonObject session = loadSession();
    const QJsonArray dismissed = session.value(u"dismissed"_s).toArray();
    QJsonArray active;
    for (const QJsonValue &f : session.value(u"findings"_s).toArray()) {
        if (!dismissed.contains(f.toObject().value(u"id"_s)))
            active.append(f);
    }
    print(active);
    return 0;
}

int Stet::run()
{
    const QString log = env("PEAL_FAKE_STET_LOG");
    if (!log.isEmpty()) {
        QFile file(log);
        if (file.open(QIODevice::WriteOnly | QIODevice::Append)) {
            QJsonObject line{{u"argv"_s, QJsonArray::fromStringList(m_args)}, {u"cwd"_s, QDir::currentPath()}};
            // Run as a Slurm job step: the job it ran in (docs/distributed.md).
            if (const QString job = env("SLURM_JOB_ID"); !job.isEmpty()) {
                line.insert(u"slurm_job_id"_s, job);
                line.insert(u"slurm_job_name"_s, env("SLURM_JOB_NAME"));
            }
            file.write(QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n');
        }
    }
    if (m_args.isEmpty() || m_args.first() == u"--help" || m_args.first() == u"-h") {
        out(QString::fromUtf8(usageText()));
        return m_args.isEmpty() ? 1 : 0;
    }
    m_command = m_args.first();
    m_call = bumpCount(m_command);
    if (!vanishIfAsked())
        return 1;
    if (!parseFlags())
        return 1;
    const Git top = git({u"rev-parse"_s, u"--show-toplevel"_s});
    if (top.code != 0) {
        err(u"This directory is not inside a Git repository.\nDetails: "_s + top.err.trimmed() + u'\n');
        return 1;
    }
    m_root = top.out.trimmed();

    hangIfAsked(u"early");
    if (const auto fail = triggered("PEAL_FAKE_STET_FAIL", m_command, m_call)) {
        err(QStringLiteral("peal-demo-stet: %1 failing as asked\n").arg(m_command));
        return fail->code;
    }
    if (!env("PEAL_FAKE_STET_LLM_UNREACHABLE").isEmpty() && !m_dryRun
        && (m_command == u"start" || m_command == u"run")) {
        err(u"Ollama unreachable at http://localhost:11434. Is the server running? (use --dry-run for CI)\n"_s);
        return 2;
    }
    if (m_command == u"start")
        return cmdStart();
    if (m_command == u"run")
        return cmdRun();
    if (m_command == u"dismiss")
        return cmdDismiss();
    if (m_command == u"finish")
        return cmdFinish();
    if (m_command == u"list" || m_command == u"status")
        return cmdList();
    return usage(QStringLiteral("unknown command \"%1\" for \"stet\"").arg(m_command));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Stet stet(QCoreApplication::arguments().mid(1));
    const int code = stet.run();
    std::fflush(stdout);
    return code;
}
