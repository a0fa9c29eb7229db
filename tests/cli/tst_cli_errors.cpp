// SPDX-License-Identifier: MIT
// The peal binary: exit codes and the one-line reason printed for every failure before the
// engine runs (spec §4.1 steps 1-4, §11.4 improvement).
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using PealTest::runPeal;

class tst_CliErrors : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_repo;
    QString m_plan;

    // stderr must be exactly one "error: ..." line for run/prompt failures.
    static void verifyOneErrorLine(const PealTest::RunResult &r, const QString &contains)
    {
        QVERIFY2(r.err.startsWith(u"error: "), PealTest::tail(r.err).constData());
        QVERIFY2(r.err.endsWith(u'\n') && r.err.count(u'\n') == 1, PealTest::tail(r.err).constData());
        QVERIFY2(r.err.contains(contains), PealTest::tail(r.err).constData());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_repo = m_dir.filePath(u"repo"_s);
        QVERIFY(PealTest::initGitRepo(m_repo));
        m_plan = m_dir.filePath(u"plan.md"_s);
        QVERIFY(PealTest::writeFile(m_plan, "## Task 1\nDo it.\n"));
    }

    void versionAndHelp()
    {
        const auto version = runPeal({u"--version"_s});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.startsWith(u"peal "));
        QCOMPARE(version.out.count(u'\n'), 1);
        const auto help = runPeal({u"--help"_s});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains(u"run"));
        const auto bare = runPeal({});
        QCOMPARE(bare.exitCode, 2);
        QVERIFY(bare.err.contains(u"Usage: peal"));
    }

    void usageErrorsExitTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("task and from-task") << QStringList{u"run"_s, u"--task"_s, u"1"_s, u"--from-task"_s, u"2"_s};
        QTest::newRow("unknown subcommand") << QStringList{u"frobnicate"_s};
        QTest::newRow("bad number") << QStringList{u"run"_s, u"--max-parallel"_s, u"x"_s};
        QTest::newRow("unknown flag") << QStringList{u"run"_s, u"--nope"_s};
    }
    void usageErrorsExitTwo()
    {
        QFETCH(QStringList, args);
        const auto r = runPeal(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.startsWith(u"error: "));
        QVERIFY(r.err.contains(u"For more information, try 'peal"));
    }

    void configErrorsArePrinted_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("toml");
        QTest::addColumn<QString>("envName");
        QTest::addColumn<QString>("envValue");
        QTest::addColumn<QString>("message");
        QTest::newRow("no plan") << QStringList{u"run"_s, u"--repo"_s, u"/tmp"_s} << QByteArray()
                                 << QString() << QString() << u"plan_path is required"_s;
        QTest::newRow("unknown toml key") << QStringList{u"run"_s} << QByteArray("plan_pth = \"x\"\n")
                                          << QString() << QString()
                                          << u"unknown key 'plan_pth' (line 1); did you mean 'plan_path'?"_s;
        QTest::newRow("bad toml type") << QStringList{u"run"_s} << QByteArray("max_parallel = true\n")
                                       << QString() << QString()
                                       << u"key 'max_parallel' (line 1): expected a non-negative integer"_s;
        QTest::newRow("bad env value") << QStringList{u"run"_s, u"--plan"_s, u"p"_s, u"--repo"_s, u"r"_s}
                                       << QByteArray() << u"PEAL_MAX_PARALLEL"_s << u"not-a-number"_s
                                       << u"Failed to parse environment variable 'PEAL_MAX_PARALLEL': "
                                          "invalid digit found in string (value \"not-a-number\")"_s;
        QTest::newRow("bad env bool") << QStringList{u"run"_s} << QByteArray()
                                      << u"PEAL_COMMIT_AFTER_PHASE2"_s << u"yes"_s
                                      << u"'PEAL_COMMIT_AFTER_PHASE2': provided string was not `true` or `false`"_s;
        QTest::newRow("missing config file") << QStringList{u"run"_s, u"--config"_s, u"/no/such.toml"_s}
                                             << QByteArray() << QString() << QString()
                                             << u"failed to read config file /no/such.toml: "_s;
    }
    void configErrorsArePrinted()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, toml);
        QFETCH(QString, envName);
        QFETCH(QString, envValue);
        QFETCH(QString, message);
        if (!toml.isEmpty()) {
            const QString config = m_dir.filePath(u"bad.toml"_s);
            QVERIFY(PealTest::writeFile(config, toml));
            args << u"--config"_s << config;
        }
        QHash<QString, QString> env;
        if (!envName.isEmpty())
            env.insert(envName, envValue);
        const auto r = runPeal(args, m_dir.path(), env);
        QCOMPARE(r.exitCode, 1);
        verifyOneErrorLine(r, message);
    }

    void validationErrorsArePrinted_data()
    {
        QTest::addColumn<QString>("plan");
        QTest::addColumn<QString>("repo");
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("ending"); // the end of the line, when git's text comes between
        // Every hint names where the bad value came from.
        QTest::newRow("missing plan") << u"missing.md"_s << u"repo"_s << QStringList()
                                      << u"Invalid or missing plan file. (missing.md: no such file; set by --plan)"_s
                                      << QString();
        QTest::newRow("plan is a directory") << u"repo"_s << u"repo"_s << QStringList()
                                             << u"Invalid or missing plan file. (repo: not a regular file; set by --plan)"_s
                                             << QString();
        QTest::newRow("repo missing") << u"plan.md"_s << u"nope"_s << QStringList()
                                      << u"error: Repo path does not exist: nope (set by --repo)"_s << QString();
        QTest::newRow("repo is a file") << u"plan.md"_s << u"plan.md"_s << QStringList()
                                        << u"error: Target path is not a directory: plan.md (set by --repo)"_s
                                        << QString();
        // git's own reason stays, before the origin.
        QTest::newRow("repo not git") << u"plan.md"_s << u"."_s << QStringList()
                                      << u"error: Target path is not a git repository: . (fatal: not a git repository"_s
                                      << u"; set by --repo)"_s;
        QTest::newRow("bad on_stet_fail") << u"plan.md"_s << u"repo"_s
                                          << QStringList{u"--on-stet-fail"_s, u"sometimes"_s}
                                          << u"Invalid on_stet_fail value 'sometimes' (expected \"fail\", "
                                             "\"retry_once\", or \"skip\") (set by --on-stet-fail)"_s
                                          << QString();
    }
    void validationErrorsArePrinted()
    {
        QFETCH(QString, plan);
        QFETCH(QString, repo);
        QFETCH(QStringList, extra);
        QFETCH(QString, message);
        QFETCH(QString, ending);
        // The temp dir itself is not inside a git work tree.
        const auto r = runPeal(QStringList{u"run"_s, u"--plan"_s, plan, u"--repo"_s, repo} + extra,
                               m_dir.path());
        QCOMPARE(r.exitCode, 1);
        verifyOneErrorLine(r, message);
        if (!ending.isEmpty())
            QVERIFY2(r.err.endsWith(ending + u'\n'), PealTest::tail(r.err).constData());
    }

    void validationHintsNameEnvironmentAndFile()
    {
        const auto env = runPeal({u"run"_s, u"--plan"_s, u"plan.md"_s}, m_dir.path(),
                                 {{u"PEAL_REPO_PATH"_s, u"nope"_s}});
        QCOMPARE(env.exitCode, 1);
        verifyOneErrorLine(env, u"error: Repo path does not exist: nope (set by PEAL_REPO_PATH)"_s);
        const QString config = m_dir.filePath(u"paths.toml"_s);
        QVERIFY(PealTest::writeFile(config, "plan_path = \"missing.md\"\nrepo_path = \"repo\"\n"));
        const auto file = runPeal({u"run"_s, u"--config"_s, config}, m_dir.path());
        QCOMPARE(file.exitCode, 1);
        verifyOneErrorLine(file, u"Invalid or missing plan file. (missing.md: no such file; set by "_s + config
                                     + u": plan_path)"_s);
    }

    void promptToStdoutAndFile()
    {
        const auto out = runPeal({u"prompt"_s});
        QCOMPARE(out.exitCode, 0);
        QVERIFY(out.out.contains(u"## Task"));
        QVERIFY(out.out.endsWith(u"\n"));
        const QString path = m_dir.filePath(u"nested/dir/prompt.md"_s);
        const auto file = runPeal({u"prompt"_s, u"--output"_s, path});
        QCOMPARE(file.exitCode, 0);
        const QByteArray written = PealTest::readFile(path);
        QVERIFY(written.contains("## Task"));
        QVERIFY(written.contains("(parallel)"));
        QCOMPARE(written + "\n", out.out.toUtf8()); // the file has no trailing newline added
    }

    void promptWriteFailureIsPrinted()
    {
        const QString blocker = m_dir.filePath(u"blocker"_s);
        QVERIFY(PealTest::writeFile(blocker, "x"));
        const auto r = runPeal({u"prompt"_s, u"--output"_s, blocker + u"/out.md"_s});
        QCOMPARE(r.exitCode, 1);
        verifyOneErrorLine(r, blocker);
    }
};

QTEST_GUILESS_MAIN(tst_CliErrors)
#include "tst_cli_errors.moc"
