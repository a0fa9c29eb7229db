// SPDX-License-Identifier: MIT
// Pure pieces of the engine: plan-text validation, commit messages, agent result
// classification, command strings (reference §13.10 1-7, §13.6 7-9, §13.13 9-11).
#include "agent/agentcall.h"
#include "task/builtinphases.h"
#include "git/commit.h"
#include "git/gitexclude.h"
#include "run/planloader.h"
#include "run/postrun.h"
#include "run/runcontext.h"
#include "run/runvalidation.h"

#include "testsupport.h"

#include <peal/exec.h>

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Peal::Internal;
using namespace Qt::StringLiterals;

namespace {

// A third-party agent plugin that forgets to mark its prompt argument.
class ForgetfulAgent : public AgentPlugin
{
public:
    Result<QString> resolveProgram(const QString &command, const std::optional<QString> &) const override
    {
        return command;
    }
    ProcessSpec command(AgentMode, const QString &prompt, const AgentSettings &settings) const override
    {
        ProcessSpec spec;
        spec.program = settings.program;
        spec.arguments = {u"--workspace"_s, settings.workspace, prompt};
        spec.lastArgumentIsPrompt = false;
        return spec;
    }
    AgentOutput interpret(AgentMode, const ProcessResult &) const override { return {}; }
};

} // namespace

class tst_EngineParts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validatePlanText_data()
    {
        QTest::addColumn<bool>("enabled");
        QTest::addColumn<std::optional<quint64>>("min");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");
        using O = std::optional<quint64>;
        QTest::newRow("disabled accepts empty") << false << O{} << QString() << QString();
        QTest::newRow("empty") << true << O{} << QString()
                               << u"the agent returned an empty or invalid plan: plan text is empty"_s;
        QTest::newRow("below min") << true << O{100} << QString(50, u'x')
                                   << u"the agent returned an empty or invalid plan: plan text length 50 below minimum 100"_s;
        QTest::newRow("no min, non-empty") << true << O{} << u"x"_s << QString();
        QTest::newRow("length equals min") << true << O{4} << u"abcd"_s << QString();
        QTest::newRow("bytes not characters") << true << O{4} << u"\u00e9\u00e9"_s << QString();
        QTest::newRow("whitespace counts") << true << O{} << u"\n"_s << QString();
    }
    void validatePlanText()
    {
        QFETCH(bool, enabled);
        QFETCH(std::optional<quint64>, min);
        QFETCH(QString, text);
        QFETCH(QString, error);
        Config config;
        config.validatePlanText = enabled;
        config.minPlanTextLen = min;
        const Result<void> r = Internal::validatePlanText(config, 2, text);
        if (error.isEmpty()) {
            QVERIFY(r);
        } else {
            QVERIFY(!r);
            QCOMPARE(r.error().message(), error);
            QCOMPARE(r.error().kind(), Error::Kind::PlanTextInvalid);
        }
    }

    void agentCommandsAlwaysRedactTheirPrompt_data()
    {
        QTest::addColumn<QString>("workspace");
        QTest::newRow("configured workspace") << QString();
        QTest::newRow("task worktree") << u"/wt/task-2"_s;
    }
    void agentCommandsAlwaysRedactTheirPrompt()
    {
        QFETCH(QString, workspace);
        AgentHandle agent;
        agent.plugin = std::make_shared<ForgetfulAgent>();
        agent.pluginId = u"forgetful"_s;
        agent.settings.program = u"agent"_s;
        agent.settings.workspace = u"/repo"_s;
        for (AgentMode mode : {AgentMode::Plan, AgentMode::Execute, AgentMode::Address, AgentMode::Triage,
                               AgentMode::Normalize}) {
            const auto spec = agent.command(mode, u"SECRET"_s, workspace);
            QVERIFY(spec);
            QVERIFY(spec->lastArgumentIsPrompt);
            QCOMPARE(spec->arguments.at(1), workspace.isEmpty() ? u"/repo"_s : workspace);
        }
    }

    void gitCheckOfARunGoesThroughItsLimiter()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::initGitRepo(dir.path()));
        QVERIFY(PealTest::writeFile(dir.filePath(u"plan.md"_s), "## Task 1\nx\n"));
        Config config;
        config.planPath = dir.filePath(u"plan.md"_s);
        config.repoPath = dir.path();
        Logger logger;
        logger.setStderrEnabled(false);
        const auto validate = [&](RunContext &run) {
            std::optional<Result<void>> out;
            RecipeRunner runner;
            runner.start(validateStep(run, this), [&](Result<void> r) { out = r; });
            [&] { QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000); }();
            return out.value_or(Error());
        };
        RunContext run(config, logger);
        const Result<void> ok = validate(run);
        QVERIFY2(ok, qPrintable(ok ? QString() : ok.error().toDisplayString()));
        // A cancelled run starts nothing more: the check reports the interrupt, not the repo.
        RunContext cancelled(config, logger);
        cancelled.cancel();
        const Result<void> stopped = validate(cancelled);
        QVERIFY(!stopped);
        QCOMPARE(stopped.error().kind(), Error::Kind::Interrupted);
    }

    void workTreePatterns()
    {
        QTemporaryDir dir;
        const QString root = QDir(dir.path()).canonicalPath();
        QVERIFY(QDir().mkpath(root + u"/repo/sub"_s));
        const QString repo = root + u"/repo"_s;
        QCOMPARE(workTreePattern(repo, repo + u"/.peal"_s), std::optional<QString>(u"/.peal/"_s));
        QCOMPARE(workTreePattern(repo, repo + u"/sub/./state/deeper"_s), std::optional<QString>(u"/sub/state/deeper/"_s));
        QCOMPARE(workTreePattern(repo, repo + u"/"_s), std::nullopt);
        QCOMPARE(workTreePattern(repo, root + u"/state"_s), std::nullopt);
        QCOMPARE(workTreePattern(repo, root + u"/repository-next-door/x"_s), std::nullopt);
        // A relative path is taken from the current directory.
        const QString cwd = QDir::currentPath();
        QVERIFY(QDir::setCurrent(repo));
        const auto relative = workTreePattern(repo, u".peal"_s);
        QVERIFY(QDir::setCurrent(cwd));
        QCOMPARE(relative, std::optional<QString>(u"/.peal/"_s));
        // An empty state_dir is the current directory (this used to loop for ever).
        QVERIFY(QDir::setCurrent(repo + u"/sub"_s));
        const auto empty = workTreePattern(repo, QString());
        const auto top = workTreePattern(repo, u"."_s);
        QVERIFY(QDir::setCurrent(cwd));
        QCOMPARE(empty, std::optional<QString>(u"/sub/"_s));
        QCOMPARE(top, empty);
    }

    void commitMessages_data()
    {
        QTest::addColumn<std::optional<QString>>("suffix");
        QTest::addColumn<QString>("message");
        using O = std::optional<QString>;
        QTest::newRow("no suffix") << O{} << u"peal: task 3"_s;
        QTest::newRow("blank suffix") << O{u"   "_s} << u"peal: task 3"_s;
        QTest::newRow("trimmed") << O{u"  add login  "_s} << u"peal: task 3 - add login"_s;
        QTest::newRow("80 bytes kept") << O{QString(80, u'a')} << u"peal: task 3 - "_s + QString(80, u'a');
        QTest::newRow("81 bytes cut") << O{QString(81, u'a')} << u"peal: task 3 - "_s + QString(77, u'a') + u"..."_s;
        // Two-byte characters: byte 77 falls inside one; cut before it (no panic, no U+FFFD).
        QTest::newRow("multibyte cut") << O{QString(50, QChar(0xe9))} << u"peal: task 3 - "_s + QString(38, QChar(0xe9)) + u"..."_s;
    }
    void commitMessages()
    {
        QFETCH(std::optional<QString>, suffix);
        QFETCH(QString, message);
        QCOMPARE(commitMessage(3, suffix), message);
    }

    void planSuffixIsFirstLine()
    {
        QCOMPARE(planSuffix(u"  Title line \nmore"_s), std::optional<QString>(u"Title line"_s));
        QCOMPARE(planSuffix(u"\nsecond line only"_s), std::nullopt);
        QCOMPARE(planSuffix(QString()), std::nullopt);
    }

    void classifyResults_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<std::optional<int>>("code");
        QTest::addColumn<int>("signal");
        QTest::addColumn<QString>("message");
        using S = AgentOutput::Status;
        QTest::newRow("success") << int(S::Succeeded) << std::optional<int>(0) << 0 << QString();
        QTest::newRow("timeout") << int(S::TimedOut) << std::optional<int>() << 0 << u"agent timed out after 300 s"_s;
        QTest::newRow("non-zero") << int(S::Failed) << std::optional<int>(1) << 0 << u"agent exited with code 1"_s;
        QTest::newRow("signal") << int(S::Failed) << std::optional<int>() << 9 << u"agent was killed by SIGKILL"_s;
        QTest::newRow("spawn") << int(S::FailedToStart) << std::optional<int>() << 0 << u"agent failed to start: no such file"_s;
    }
    void classifyResults()
    {
        QFETCH(int, status);
        QFETCH(std::optional<int>, code);
        QFETCH(int, signal);
        QFETCH(QString, message);
        AgentOutput out;
        out.status = AgentOutput::Status(status);
        out.exitCode = code;
        out.signal = signal;
        out.errorString = u"no such file"_s;
        out.stderrText = u"oops\nmore"_s;
        const auto r = classifyAgentOutput(out, QStringLiteral("agent"), 300);
        if (message.isEmpty()) {
            QVERIFY(r);
            return;
        }
        QVERIFY(!r);
        QCOMPARE(r.error().message(), message);
        if (AgentOutput::Status(status) == AgentOutput::Status::Failed)
            QCOMPARE(r.error().hint(), u"stderr: oops"_s); // stderr kept, not in the message
    }

    void stderrSnippetIsFirstFiveLines()
    {
        QCOMPARE(stderrSnippet(u"a\nb\nc\nd\ne\nf\n"_s), u"a b c d e"_s);
        QCOMPARE(stderrSnippet(u"  \n"_s), QString());
    }

    void commandStrings()
    {
        const auto spec = commandSpec(u"  echo   hello\tworld "_s, u"/repo"_s, std::chrono::milliseconds(5000));
        QVERIFY(spec);
        QCOMPARE(spec->program, u"echo"_s);
        QCOMPARE(spec->arguments, (QStringList{u"hello"_s, u"world"_s}));
        QCOMPARE(spec->workingDirectory, u"/repo"_s);
        QVERIFY(!commandSpec(QString(), u"/"_s, {}));
        QVERIFY(!commandSpec(u"   "_s, u"/"_s, {}));
        const auto single = commandSpec(u"true"_s, u"/"_s, {});
        QVERIFY(single);
        QVERIFY(single->arguments.isEmpty());
        // No quoting: quotes are part of the tokens; NBSP is not a separator.
        const auto quoted = commandSpec(u"echo \"a b\" c\u00a0d"_s, u"/"_s, {});
        QCOMPARE(quoted->arguments, (QStringList{u"\"a"_s, u"b\""_s, u"c\u00a0d"_s}));
    }
};

QTEST_GUILESS_MAIN(tst_EngineParts)
#include "tst_engineparts.moc"
