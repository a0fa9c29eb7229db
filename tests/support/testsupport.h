// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

namespace PealTest {

// Absolute paths of things the build knows.
QString pealBinary();
QString dataDir();
QString sourceDir();

// Writes (creating parent directories) and reads files; QFAIL-free helpers return false or
// empty on failure so the calling test can QVERIFY them.
bool writeFile(const QString &path, const QByteArray &content);
QByteArray readFile(const QString &path);

// Makes `dir` a git repository with a local identity and one initial commit.
bool initGitRepo(const QString &dir);
QString git(const QString &repo, const QStringList &arguments, int *exitCode = nullptr);

struct RunResult
{
    int exitCode = -1;
    QString out;
    QString err;
};

// Runs a program synchronously (tests only; the product never blocks). `env` entries are
// added to the test's environment; an entry with an empty value removes the variable.
RunResult run(const QString &program, const QStringList &arguments, const QString &workingDir = {},
              const QHash<QString, QString> &env = {}, int timeoutMs = 60000);

// Runs the peal binary.
RunResult runPeal(const QStringList &arguments, const QString &workingDir = {},
                  const QHash<QString, QString> &env = {}, int timeoutMs = 60000);

} // namespace PealTest
