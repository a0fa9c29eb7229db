// SPDX-License-Identifier: MIT
#include "git/gitexclude.h"


#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace Peal::Internal {

std::optional<QString> workTreePattern(const QString &workTree, const QString &path)
{
    // git reports the work tree with symlinks resolved; resolve what exists of `path` too. An
    // empty path (state_dir = "") is the current directory.
    QString existing = QDir::cleanPath(QFileInfo(path.isEmpty() ? QStringLiteral(".") : path).absoluteFilePath());
    QString rest;
    while (!QFileInfo::exists(existing) && existing != u"/") {
        rest.prepend(u'/' + QFileInfo(existing).fileName());
        existing = QFileInfo(existing).path();
    }
    const QString resolved = QFileInfo(existing).canonicalFilePath() + rest;
    const QString root = QDir::cleanPath(workTree) + u'/';
    if (!resolved.startsWith(root) || resolved.size() == root.size())
        return std::nullopt;
    return resolved.mid(root.size() - 1) + u'/';
}

namespace {

// Adds what is missing of `patterns` and `directories` to the exclude file that `r`, the result
// of `git rev-parse --show-toplevel --git-path info/exclude`, names.
void addExcludes(RunContext &run, const QString &repo, const ProcessResult &r, const QStringList &patterns,
                 const QStringList &directories)
{
    const QStringList lines = r.stdoutText.split(u'\n', Qt::SkipEmptyParts);
    if (!r.success() || lines.size() != 2) {
        run.logger().warn(u"peal::git", QStringLiteral("cannot locate the git exclude file"),
                          {{QStringLiteral("err"), r.stderrText.trimmed()}});
        return;
    }
    QStringList wanted = patterns;
    for (const QString &dir : directories) {
        if (auto pattern = workTreePattern(lines[0], dir))
            wanted.append(*pattern);
    }
    if (wanted.isEmpty())
        return;
    const QString path = QDir(repo).absoluteFilePath(lines[1]);
    QFile file(path);
    QByteArray existing;
    if (file.open(QIODevice::ReadOnly)) {
        existing = file.readAll();
        file.close();
    }
    const QList<QByteArray> present = existing.split('\n');
    QByteArray additions;
    QStringList added;
    for (const QString &pattern : wanted) {
        const QByteArray line = pattern.toUtf8();
        if (!present.contains(line) && !additions.split('\n').contains(line)) {
            additions += line + '\n';
            added.append(pattern);
        }
    }
    if (!additions.isEmpty()) {
        QDir().mkpath(QFileInfo(path).path());
        if (!existing.isEmpty() && !existing.endsWith('\n'))
            additions.prepend('\n');
        if (!file.open(QIODevice::WriteOnly | QIODevice::Append) || file.write(additions) != additions.size())
            run.logger().warn(u"peal::git", QStringLiteral("cannot update the git exclude file"),
                              {{QStringLiteral("path"), path}, {QStringLiteral("err"), file.errorString()}});
        else
            run.logger().info(u"peal::git", QStringLiteral("excluded from git"),
                              {{QStringLiteral("path"), path}, {QStringLiteral("patterns"), added}});
    }
}

} // namespace

Step excludeFromGit(RunContext &run, QObject *context, const QStringList &patterns, const QStringList &directories)
{
    const QString repo = run.config().repoPath;
    return gitStep(run, context, QStringLiteral("exclude from git"),
                   [repo] {
                       return GitCall{repo, {QStringLiteral("rev-parse"), QStringLiteral("--show-toplevel"),
                                             QStringLiteral("--git-path"), QStringLiteral("info/exclude")}};
                   },
                   [&run, repo, patterns, directories](const ProcessResult &r) {
                       addExcludes(run, repo, r, patterns, directories);
                       return Result<void>();
                   });
}

} // namespace Peal::Internal
