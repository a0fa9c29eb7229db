// SPDX-License-Identifier: MIT
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>

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
        result.err = QStringLiteral("timed out");
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

} // namespace PealTest
