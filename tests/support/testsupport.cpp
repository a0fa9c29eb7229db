// SPDX-License-Identifier: MIT
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

namespace PealTest {

QString pealBinary()
{
    return QStringLiteral(PEAL_BINARY);
}

QString dataDir()
{
    return QStringLiteral(PEAL_TEST_DATA_DIR);
}

QString sourceDir()
{
    return QStringLiteral(PEAL_SOURCE_DIR);
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(content) == content.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

RunResult run(const QString &program, const QStringList &arguments, const QString &workingDir,
              const QHash<QString, QString> &env, int timeoutMs)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (auto it = env.cbegin(); it != env.cend(); ++it) {
        if (it.value().isEmpty())
            environment.remove(it.key());
        else
            environment.insert(it.key(), it.value());
    }
    process.setProcessEnvironment(environment);
    if (!workingDir.isEmpty())
        process.setWorkingDirectory(workingDir);
    process.setStandardInputFile(QProcess::nullDevice());
    process.start(program, arguments);
    RunResult result;
    if (!process.waitForStarted(timeoutMs)) {
        result.err = process.errorString();
        return result;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        // What it printed until then says where it hung.
        result.out = QString::fromUtf8(process.readAllStandardOutput());
        result.err = QString::fromUtf8(process.readAllStandardError())
                     + QStringLiteral("\n(timed out after %1 s)").arg(timeoutMs / 1000);
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

RunResult runPeal(const QStringList &arguments, const QString &workingDir,
                  const QHash<QString, QString> &env, int timeoutMs)
{
    return run(pealBinary(), arguments, workingDir, env, timeoutMs);
}

QString git(const QString &repo, const QStringList &arguments, int *exitCode)
{
    const RunResult r = run(QStringLiteral("git"), QStringList{QStringLiteral("-C"), repo} + arguments);
    if (exitCode)
        *exitCode = r.exitCode;
    return r.out;
}

bool commitAll(const QString &repo, const QString &message)
{
    int code = 0;
    git(repo, {QStringLiteral("add"), QStringLiteral("-A")}, &code);
    if (code != 0)
        return false;
    git(repo, {QStringLiteral("commit"), QStringLiteral("-q"), QStringLiteral("-m"), message}, &code);
    return code == 0;
}

QJsonObject json(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

QList<int> ints(const QJsonValue &value)
{
    QList<int> out;
    for (const QJsonValue &v : value.toArray())
        out.append(v.toInt());
    return out;
}

QString lastLine(const QString &text)
{
    return text.trimmed().section(u'\n', -1);
}

QByteArray tail(const QString &text, qsizetype chars)
{
    return (text.size() > chars ? QStringLiteral("...") + text.right(chars) : text).toLocal8Bit();
}

bool initGitRepo(const QString &dir)
{
    QDir().mkpath(dir);
    int code = 0;
    git(dir, {QStringLiteral("init"), QStringLiteral("-q"), QStringLiteral("-b"), QStringLiteral("main")}, &code);
    if (code != 0)
        return false;
    git(dir, {QStringLiteral("config"), QStringLiteral("user.name"), QStringLiteral("peal test")});
    git(dir, {QStringLiteral("config"), QStringLiteral("user.email"), QStringLiteral("test@peal.invalid")});
    git(dir, {QStringLiteral("config"), QStringLiteral("commit.gpgsign"), QStringLiteral("false")});
    if (!writeFile(dir + QStringLiteral("/README.md"), "test repository\n"))
        return false;
    git(dir, {QStringLiteral("add"), QStringLiteral("-A")});
    git(dir, {QStringLiteral("commit"), QStringLiteral("-q"), QStringLiteral("-m"), QStringLiteral("initial")}, &code);
    return code == 0;
}

QString demoAgent()
{
    return QStringLiteral(PEAL_BUILD_DIR "/lib/peal/peal-demo-agent");
}

QString demoStet()
{
    return QStringLiteral(PEAL_BUILD_DIR "/lib/peal/peal-demo-stet");
}

Scenario::Scenario(const QByteArray &plan) : m_temp(std::make_unique<QTemporaryDir>())
{
    m_valid = m_temp->isValid() && initGitRepo(repo()) && writeFile(planPath(), plan);
}

Scenario::~Scenario() = default;

QString Scenario::dir() const
{
    return m_temp->path();
}

QString Scenario::repo() const
{
    return dir() + QStringLiteral("/repo");
}

QString Scenario::planPath() const
{
    return dir() + QStringLiteral("/plan.md");
}

QString Scenario::stateDir() const
{
    return dir() + QStringLiteral("/state");
}

QString Scenario::agentLog() const
{
    return dir() + QStringLiteral("/agent.log");
}

QString Scenario::stetLog() const
{
    return dir() + QStringLiteral("/stet.log");
}

QString Scenario::path(const QString &relative) const
{
    return dir() + u'/' + relative;
}

RunResult Scenario::run(const QStringList &extra, const QHash<QString, QString> &env, int timeoutMs) const
{
    QStringList args{QStringLiteral("run"), QStringLiteral("--plan"), planPath(), QStringLiteral("--repo"),
                     repo(), QStringLiteral("--state-dir"), stateDir()};
    bool hasAgent = false;
    for (const QString &a : extra)
        hasAgent = hasAgent || a.startsWith(QStringLiteral("--agent-cmd"));
    if (!hasAgent)
        args << QStringLiteral("--agent-cmd") << demoAgent();
    return runRaw(args + extra, env, timeoutMs);
}

RunResult Scenario::runRaw(const QStringList &arguments, const QHash<QString, QString> &env, int timeoutMs,
                           const QString &workingDir) const
{
    QHash<QString, QString> full = env;
    if (!full.contains(QStringLiteral("PEAL_FAKE_AGENT_LOG")))
        full.insert(QStringLiteral("PEAL_FAKE_AGENT_LOG"), agentLog());
    if (!full.contains(QStringLiteral("PEAL_FAKE_STET_LOG")))
        full.insert(QStringLiteral("PEAL_FAKE_STET_LOG"), stetLog());
    return runPeal(arguments, workingDir.isEmpty() ? dir() : workingDir, full, timeoutMs);
}

QByteArray Scenario::stateJson() const
{
    return readFile(stateDir() + QStringLiteral("/state.json"));
}

QByteArray Scenario::summaryJson() const
{
    return readFile(stateDir() + QStringLiteral("/run_summary.json"));
}

QList<int> Scenario::completed() const
{
    const QJsonDocument doc = QJsonDocument::fromJson(stateJson());
    if (!doc.isObject())
        return {-1};
    QList<int> out;
    for (const QJsonValue &v : doc.object().value(QStringLiteral("completed_task_indices")).toArray())
        out.append(v.toInt());
    return out;
}

QList<QByteArray> Scenario::agentLogLines() const
{
    QList<QByteArray> lines;
    for (const QByteArray &line : readFile(agentLog()).split('\n')) {
        if (!line.isEmpty())
            lines.append(line);
    }
    return lines;
}

QStringList Scenario::agentCalls() const
{
    // The task index is read from the first line of the task body, which tests write as
    // "Task <n> ..." or from a "## Task" free plan; calls without one show only the mode.
    static const QRegularExpression taskRe(QStringLiteral("\\bT(\\d+)\\b"));
    QStringList calls;
    for (const QByteArray &line : agentLogLines()) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        const QString mode = o.value(QStringLiteral("mode")).toString();
        const QJsonArray argv = o.value(QStringLiteral("argv")).toArray();
        const QString prompt = argv.isEmpty() ? QString() : argv.last().toString();
        const QRegularExpressionMatch m = taskRe.match(prompt);
        const bool perTask = mode != u"normalize";
        calls.append(m.hasMatch() && perTask ? mode + u':' + m.captured(1) : mode);
    }
    return calls;
}

QStringList Scenario::stetCalls() const
{
    QStringList calls;
    for (const QByteArray &line : readFile(stetLog()).split('\n')) {
        if (line.isEmpty())
            continue;
        QStringList argv;
        for (const QJsonValue &v : QJsonDocument::fromJson(line).object().value(QStringLiteral("argv")).toArray())
            argv.append(v.toString());
        calls.append(argv.join(u' '));
    }
    return calls;
}

bool Scenario::stetSessionOpen() const
{
    return QFile::exists(repo() + QStringLiteral("/.review/session.json"));
}

QStringList Scenario::commits() const
{
    return git(repo(), {QStringLiteral("log"), QStringLiteral("--format=%s")}).split(u'\n', Qt::SkipEmptyParts);
}

QString costingClaude(const Scenario &s, const QString &usd)
{
    const QString path = s.path(QStringLiteral("claude"));
    const QByteArray result = R"({"type":"result","subtype":"success","is_error":false,"num_turns":1,)"
                              R"("result":"Plan: do the task, then check it.","total_cost_usd":)"
                              + usd.toUtf8() + R"(,"usage":{"input_tokens":100,"output_tokens":20}})";
    writeFile(path, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo '2.1.197 (Claude Code)'; exit 0; fi\n"
                    "cat > /dev/null\necho call >> '" + s.path(QStringLiteral("calls")).toUtf8() + "'\necho '" + result + "'\n");
    QFile::setPermissions(path, QFile::permissions(path) | QFile::ExeOwner);
    return path;
}

QString stetFinding(const QString &id, const QString &message, const QString &suggestion)
{
    QJsonObject f{{QStringLiteral("id"), id}, {QStringLiteral("file"), QStringLiteral("src/x.c")}, {QStringLiteral("line"), 3},
                  {QStringLiteral("severity"), QStringLiteral("warning")}, {QStringLiteral("category"), QStringLiteral("correctness")},
                  {QStringLiteral("confidence"), 0.9}, {QStringLiteral("message"), message}};
    if (!suggestion.isEmpty())
        f.insert(QStringLiteral("suggestion"), suggestion);
    return QString::fromUtf8(QJsonDocument(f).toJson(QJsonDocument::Compact));
}

QString findingList(const QStringList &findings)
{
    return u'[' + findings.join(u',') + u']';
}

} // namespace PealTest
