// SPDX-License-Identifier: MIT
// The Cursor agent plugin, loaded as a plugin: argv layouts, resolution, classification
// (reference §13.3 cursor, §13.6 phase argv, §13.7 normalisation argv).
#include <peal/sdk/agent.h>
#include <peal/pluginmanager.h>

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

class tst_Cursor : public QObject
{
    Q_OBJECT

    PluginManager m_manager;
    std::shared_ptr<AgentPlugin> m_agent;

    AgentSettings settings(std::optional<QString> model = std::nullopt)
    {
        AgentSettings s;
        s.program = u"/usr/bin/agent"_s;
        s.workspace = u"/work/repo"_s;
        s.model = model;
        s.sandbox = u"disabled"_s;
        s.timeout = std::chrono::milliseconds(300000);
        return s;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_manager.discover({QStringLiteral(PEAL_PLUGIN_DIR)});
        auto plugin = m_manager.load(u"cursor"_s, PluginRole::Agent);
        QVERIFY2(plugin, qPrintable(plugin ? QString() : plugin.error().message()));
        m_agent = pluginCast<AgentPlugin>(*plugin);
    }

    void argvLayouts_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<bool>("withModel");
        QTest::addColumn<QStringList>("argv");
        const QStringList planBase{u"--print"_s, u"--plan"_s, u"--workspace"_s, u"/work/repo"_s,
                                   u"--output-format"_s, u"text"_s};
        const QStringList execBase{u"--print"_s, u"--workspace"_s, u"/work/repo"_s, u"--sandbox"_s, u"disabled"_s};
        const QStringList model{u"--model"_s, u"claude-4-opus"_s};
        QTest::newRow("phase 1") << int(AgentMode::Plan) << false << planBase + QStringList{u"PROMPT"_s};
        QTest::newRow("phase 1 with model") << int(AgentMode::Plan) << true << planBase + model + QStringList{u"PROMPT"_s};
        QTest::newRow("normalisation") << int(AgentMode::Normalize) << false << planBase + QStringList{u"PROMPT"_s};
        QTest::newRow("normalisation with model") << int(AgentMode::Normalize) << true << planBase + model + QStringList{u"PROMPT"_s};
        QTest::newRow("phase 2") << int(AgentMode::Execute) << false << execBase + QStringList{u"PROMPT"_s};
        QTest::newRow("phase 2 with model") << int(AgentMode::Execute) << true << execBase + model + QStringList{u"PROMPT"_s};
        QTest::newRow("phase 3") << int(AgentMode::Address) << false << execBase + QStringList{u"PROMPT"_s};
        QTest::newRow("phase 3 with model") << int(AgentMode::Address) << true << execBase + model + QStringList{u"PROMPT"_s};
        QTest::newRow("triage") << int(AgentMode::Triage) << false << execBase + QStringList{u"PROMPT"_s};
    }
    void argvLayouts()
    {
        QFETCH(int, mode);
        QFETCH(bool, withModel);
        QFETCH(QStringList, argv);
        const ProcessSpec spec = m_agent->command(AgentMode(mode), u"PROMPT"_s,
                                                  settings(withModel ? std::optional<QString>(u"claude-4-opus"_s)
                                                                     : std::nullopt));
        QCOMPARE(spec.arguments, argv);
        QCOMPARE(spec.program, u"/usr/bin/agent"_s);
        QCOMPARE(spec.workingDirectory, u"/work/repo"_s);
        QVERIFY(spec.lastArgumentIsPrompt);
        QCOMPARE(spec.stdinMode, ProcessSpec::Stdin::Inherit);
        QCOMPARE(spec.timeout, std::optional<std::chrono::milliseconds>(std::chrono::milliseconds(300000)));
        QVERIFY(!spec.arguments.contains(u"auto"_s));
        if (AgentMode(mode) != AgentMode::Plan && AgentMode(mode) != AgentMode::Normalize) {
            QVERIFY(!spec.arguments.contains(u"--plan"_s));
            QVERIFY(!spec.arguments.contains(u"--output-format"_s));
        }
    }

    void emptyModelIsPassedAsGiven()
    {
        const ProcessSpec spec = m_agent->command(AgentMode::Execute, u"p"_s, settings(QString()));
        QCOMPARE(spec.arguments.mid(5, 2), (QStringList{u"--model"_s, QString()}));
    }

    void relativeWorkspaceKeptVerbatim()
    {
        AgentSettings s = settings();
        s.workspace = u"repo"_s;
        const ProcessSpec spec = m_agent->command(AgentMode::Plan, u"p"_s, s);
        QCOMPARE(spec.arguments.at(3), u"repo"_s);
        QCOMPARE(spec.workingDirectory, u"repo"_s);
    }

    void interpret_data()
    {
        QTest::addColumn<int>("ending");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<int>("status");
        QTest::newRow("success") << int(ProcessEnding::Exited) << 0 << int(AgentOutput::Status::Succeeded);
        QTest::newRow("non-zero") << int(ProcessEnding::Exited) << 3 << int(AgentOutput::Status::Failed);
        QTest::newRow("crash") << int(ProcessEnding::Crashed) << -1 << int(AgentOutput::Status::Failed);
        QTest::newRow("timeout") << int(ProcessEnding::TimedOut) << -1 << int(AgentOutput::Status::TimedOut);
        QTest::newRow("spawn") << int(ProcessEnding::FailedToStart) << -1 << int(AgentOutput::Status::FailedToStart);
        QTest::newRow("cancel") << int(ProcessEnding::Cancelled) << -1 << int(AgentOutput::Status::Cancelled);
    }
    void interpret()
    {
        QFETCH(int, ending);
        QFETCH(int, exitCode);
        QFETCH(int, status);
        ProcessResult r;
        r.ending = ProcessEnding(ending);
        r.exitCode = exitCode;
        r.stdoutText = u"out"_s;
        r.stderrText = u"err"_s;
        const AgentOutput out = m_agent->interpret(AgentMode::Execute, r);
        QCOMPARE(int(out.status), status);
        QCOMPARE(out.text, u"out"_s);
        QCOMPARE(out.stderrText, u"err"_s);
        QCOMPARE(out.exitCode, r.code());
    }

    // ---- resolution (reference §13.3) ----

    void resolvesEchoOnRealPath()
    {
        auto found = m_agent->resolveProgram(u"echo"_s, qEnvironmentVariable("PATH"));
        QVERIFY(found);
        QVERIFY(QFile::exists(*found));
        QVERIFY(QDir::isAbsolutePath(*found));
    }

    void failsForNonexistentCommand()
    {
        auto found = m_agent->resolveProgram(u"definitely-not-a-command-peal"_s, qEnvironmentVariable("PATH"));
        QVERIFY(!found);
        QCOMPARE(found.error().message(),
                 u"Cursor CLI command 'definitely-not-a-command-peal' not found on PATH. Install it from "
                 "https://docs.cursor.com/cli"_s);
        QCOMPARE(found.error().kind(), Error::Kind::AgentNotFound);
    }

    void explicitPaths()
    {
        QVERIFY(!m_agent->resolveProgram(u"/no/such/binary"_s, qEnvironmentVariable("PATH")));
        const QString sh = *findExecutable(u"sh"_s, qEnvironmentVariable("PATH"));
        auto found = m_agent->resolveProgram(sh, std::nullopt);
        QVERIFY(found);
        QCOMPARE(*found, sh);
    }

    void emptyOrMissingPath()
    {
        QVERIFY(!m_agent->resolveProgram(u"echo"_s, u""_s));
        QVERIFY(!m_agent->resolveProgram(u"echo"_s, std::nullopt));
    }

    void findsBinaryInCustomPathAndSkipsNonExecutables()
    {
        QTemporaryDir first;
        QTemporaryDir second;
        QTemporaryDir third;
        // first: a directory named like the command; second: a non-executable file; third: the one.
        QVERIFY(QDir(first.path()).mkdir(u"my-agent"_s));
        QVERIFY(PealTest::writeFile(second.filePath(u"my-agent"_s), "#!/bin/sh\n"));
        QVERIFY(QFile::setPermissions(second.filePath(u"my-agent"_s), QFile::ReadOwner | QFile::WriteOwner));
        QVERIFY(PealTest::writeFile(third.filePath(u"my-agent"_s), "#!/bin/sh\n"));
        QVERIFY(QFile::setPermissions(third.filePath(u"my-agent"_s),
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const QString path = first.path() + u':' + second.path() + u':' + third.path();
        auto found = m_agent->resolveProgram(u"my-agent"_s, path);
        QVERIFY(found);
        QCOMPARE(*found, third.filePath(u"my-agent"_s));
        QVERIFY(!m_agent->resolveProgram(u"my-agent"_s, first.path() + u':' + second.path()));
    }

    void emptyPathEntryMeansCurrentDirectory()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::writeFile(dir.filePath(u"local-agent"_s), "#!/bin/sh\n"));
        QVERIFY(QFile::setPermissions(dir.filePath(u"local-agent"_s),
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const QString old = QDir::currentPath();
        QDir::setCurrent(dir.path());
        auto found = m_agent->resolveProgram(u"local-agent"_s, u"/nowhere:"_s);
        QDir::setCurrent(old);
        QVERIFY(found);
        QCOMPARE(QFileInfo(*found).canonicalFilePath(), QFileInfo(dir.filePath(u"local-agent"_s)).canonicalFilePath());
    }
};

QTEST_GUILESS_MAIN(tst_Cursor)
#include "tst_cursor.moc"
