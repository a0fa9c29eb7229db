// SPDX-License-Identifier: MIT
// Command-line parsing into a result struct (spec §1; reference §13.1).
#include "commandline.h"
#include "testsupport.h"

#include <QDir>
#include <QRegularExpression>
#include <QTest>

using namespace Peal;
using namespace Peal::Cli;
using namespace Qt::StringLiterals;

using Action = CommandLine::Action;

namespace {

// The words of one documented shell command line: quotes removed, a trailing `# comment` and
// redirections (`> file`) dropped. Enough for the commands the docs show.
QStringList shellWords(const QString &line)
{
    QStringList words;
    QString word;
    bool inWord = false;
    QChar quote;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
            else
                word += c;
        } else if (c == u'\'' || c == u'"') {
            quote = c;
            inWord = true;
        } else if (c == u'#' && !inWord) {
            break;
        } else if (c.isSpace()) {
            if (inWord)
                words << word;
            word.clear();
            inWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (inWord)
        words << word;
    for (qsizetype i = 0; i < words.size(); ++i) {
        if (words[i] == u">" || words[i] == u"2>" || words[i] == u"<") {
            words.remove(i, std::min<qsizetype>(2, words.size() - i));
            --i;
        }
    }
    return words;
}

// Every `peal ...` line inside ```sh blocks of README.md and docs/*.md, with where it is.
QList<std::pair<QString, QString>> documentedPealCommands()
{
    QStringList files{PealTest::sourceDir() + u"/README.md"_s};
    const QDir docs(PealTest::sourceDir() + u"/docs"_s);
    for (const QString &name : docs.entryList({u"*.md"_s}, QDir::Files))
        files << docs.filePath(name);
    QList<std::pair<QString, QString>> out;
    for (const QString &file : files) {
        bool inShell = false;
        int number = 0;
        for (const QString &line : QString::fromUtf8(PealTest::readFile(file)).split(u'\n')) {
            ++number;
            if (line.startsWith(u"```"))
                inShell = !inShell && (line == u"```sh" || line == u"```bash");
            else if (inShell && line.trimmed().startsWith(u"peal "))
                out.append({QStringLiteral("%1:%2").arg(QDir(PealTest::sourceDir()).relativeFilePath(file)).arg(number),
                            line.trimmed()});
        }
    }
    return out;
}

} // namespace

class tst_CommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Parsing never warns (QCommandLineParser warns when asked for an option it does not define).
    void init() { QTest::failOnWarning(QRegularExpression(u".*"_s)); }

    void pluginsParsesWithoutAWarning()
    {
        QCOMPARE(parseCommandLine({u"plugins"_s, u"--plugin-dir"_s, u"d"_s}).action, Action::Plugins);
    }

    // Every peal command the documentation shows is one peal accepts (the commands themselves
    // are run end to end by the e2e tests and scripts/package-test.sh).
    void documentedCommandsParse()
    {
        const auto commands = documentedPealCommands();
        QVERIFY(commands.size() >= 10); // the tour alone has eight
        for (const auto &[where, line] : commands) {
            const QStringList words = shellWords(line);
            QVERIFY2(words.value(0) == u"peal", qPrintable(where));
            const CommandLine c = parseCommandLine(words.mid(1));
            QVERIFY2(c.action != Action::UsageError,
                     qPrintable(QStringLiteral("%1: %2\n%3").arg(where, line, c.output)));
        }
    }

    void statusCompletionAndManPageParse()
    {
        const CommandLine status = parseCommandLine({u"status"_s, u"--plan"_s, u"p.md"_s, u"--json"_s});
        QCOMPARE(status.action, Action::Status);
        QVERIFY(status.json);
        QCOMPARE(status.cliLayer.planPath, std::optional<QString>(u"p.md"_s));
        QCOMPARE(parseCommandLine({u"status"_s, u"--task"_s, u"1"_s}).action, Action::UsageError);
        const CommandLine zsh = parseCommandLine({u"completion"_s, u"zsh"_s});
        QCOMPARE(zsh.action, Action::Completion);
        QCOMPARE(zsh.shell, u"zsh"_s);
        QCOMPARE(parseCommandLine({u"completion"_s}).action, Action::UsageError);
        QCOMPARE(parseCommandLine({u"completion"_s, u"bash"_s, u"zsh"_s}).action, Action::UsageError);
        QCOMPARE(parseCommandLine({u"manpage"_s}).action, Action::ManPage);
        QCOMPARE(parseCommandLine({u"manpage"_s, u"x"_s}).action, Action::UsageError);
        QCOMPARE(parseCommandLine({u"help"_s, u"status"_s}).action, Action::ShowHelp);
    }

    void redoAndReset()
    {
        const CommandLine redo = parseCommandLine({u"run"_s, u"--redo"_s, u"3"_s});
        QCOMPARE(redo.action, Action::Run);
        QCOMPARE(redo.redo, std::optional<quint32>(3));
        QCOMPARE(parseCommandLine({u"run"_s, u"--redo"_s, u"3"_s, u"--from-task"_s, u"2"_s}).action, Action::UsageError);
        QCOMPARE(parseCommandLine({u"run"_s, u"--redo"_s, u"x"_s}).action, Action::UsageError);
        const CommandLine one = parseCommandLine({u"reset"_s, u"--task"_s, u"2"_s, u"--state-dir"_s, u"s"_s});
        QCOMPARE(one.action, Action::Reset);
        QCOMPARE(one.resetTasks, QList<quint32>{2});
        QVERIFY(!one.resetAll);
        // Several tasks at once, each once.
        QCOMPARE(parseCommandLine({u"reset"_s, u"--task"_s, u"2"_s, u"--task"_s, u"3"_s, u"--task"_s, u"2"_s}).resetTasks,
                 (QList<quint32>{2, 3}));
        QCOMPARE(one.cliLayer.stateDir, std::optional<QString>(u"s"_s));
        QVERIFY(parseCommandLine({u"reset"_s, u"--all"_s}).resetAll);
        QCOMPARE(parseCommandLine({u"reset"_s, u"--all"_s, u"--task"_s, u"1"_s}).action, Action::UsageError);
        const CommandLine bad = parseCommandLine({u"reset"_s, u"--task"_s, u"-1"_s});
        QCOMPARE(bad.action, Action::UsageError);
        QCOMPARE(parseCommandLine({u"help"_s, u"reset"_s}).action, Action::ShowHelp);
    }

    void runDryRunQuietAndRepeatedPluginDirs()
    {
        const CommandLine c = parseCommandLine({u"run"_s, u"--dry-run"_s, u"--quiet"_s, u"--plugin-dir"_s, u"a"_s,
                                                u"--plugin-dir"_s, u"b"_s});
        QCOMPARE(c.action, Action::Run);
        QVERIFY(c.dryRun);
        QVERIFY(c.quiet);
        QCOMPARE(c.pluginDirs, (QStringList{u"a"_s, u"b"_s}));
        const CommandLine plain = parseCommandLine({u"run"_s});
        QVERIFY(!plain.dryRun);
        QVERIFY(!plain.quiet);
        QCOMPARE(parseCommandLine({u"run"_s, u"--quiet"_s, u"--quiet"_s}).action, Action::UsageError);
    }

    void runParsesRequiredArgs()
    {
        const CommandLine c = parseCommandLine({u"run"_s, u"--plan"_s, u"tasks.md"_s, u"--repo"_s, u"/tmp/repo"_s});
        QCOMPARE(c.action, Action::Run);
        QCOMPARE(c.cliLayer.planPath, std::optional<QString>(u"tasks.md"_s));
        QCOMPARE(c.cliLayer.repoPath, std::optional<QString>(u"/tmp/repo"_s));
    }

    void runAcceptsNoPlanNoRepo()
    {
        const CommandLine c = parseCommandLine({u"run"_s});
        QCOMPARE(c.action, Action::Run);
        QVERIFY(!c.cliLayer.planPath);
        QVERIFY(!c.cliLayer.repoPath);
        QVERIFY(!c.task);
        QVERIFY(!c.fromTask);
        QVERIFY(!c.configFile);
    }

    void runParsesAllOptionalFlags()
    {
        const CommandLine c = parseCommandLine({
            u"run"_s, u"--config"_s, u"peal.toml"_s, u"--agent-cmd"_s, u"my-agent"_s,
            u"--model"_s, u"gpt"_s, u"--sandbox"_s, u"enabled"_s, u"--state-dir"_s, u"st"_s,
            u"--phase-timeout-sec"_s, u"600"_s, u"--parallel"_s, u"--max-parallel"_s, u"8"_s,
            u"--phase-retry-count"_s, u"1"_s, u"--on-stet-fail"_s, u"skip"_s,
            u"--max-address-rounds"_s, u"5"_s, u"--stet-start-ref"_s, u"HEAD~1"_s,
            u"--stet-start-args=--allow-dirty"_s, u"--stet-run-args=--verify --context 256k"_s,
            u"--continue-with-remaining-tasks"_s, u"--post-run-commands"_s, u"stet finish,echo done"_s,
            u"--post-run-timeout-sec"_s, u"90"_s, u"--normalize"_s});
        QCOMPARE(c.action, Action::Run);
        const ConfigLayer &l = c.cliLayer;
        QCOMPARE(c.configFile, std::optional<QString>(u"peal.toml"_s));
        QCOMPARE(l.agentCmd, std::optional<QString>(u"my-agent"_s));
        QCOMPARE(l.model, std::optional<QString>(u"gpt"_s));
        QCOMPARE(l.sandbox, std::optional<QString>(u"enabled"_s));
        QCOMPARE(l.stateDir, std::optional<QString>(u"st"_s));
        QCOMPARE(l.phaseTimeoutSec, std::optional<quint64>(600));
        QCOMPARE(l.parallel, std::optional<bool>(true));
        QCOMPARE(l.maxParallel, std::optional<quint32>(8));
        QCOMPARE(l.phaseRetryCount, std::optional<quint32>(1));
        QCOMPARE(l.onStetFail, std::optional<QString>(u"skip"_s));
        QCOMPARE(l.maxAddressRounds, std::optional<quint32>(5));
        QCOMPARE(l.stetStartRef, std::optional<QString>(u"HEAD~1"_s));
        QCOMPARE(l.stetStartExtraArgs, std::optional<QStringList>(QStringList{u"--allow-dirty"_s}));
        QCOMPARE(l.stetRunExtraArgs,
                 std::optional<QStringList>(QStringList{u"--verify"_s, u"--context"_s, u"256k"_s}));
        QCOMPARE(l.continueWithRemainingTasks, std::optional<bool>(true));
        QCOMPARE(l.postRunCommands,
                 std::optional<QStringList>(QStringList{u"stet finish"_s, u"echo done"_s}));
        QCOMPARE(l.postRunTimeoutSec, std::optional<quint64>(90));
        QCOMPARE(l.normalizePlan, std::optional<bool>(true));
        // Switches that were not given contribute nothing.
        QVERIFY(!l.commitAfterPhase2);
        QVERIFY(!l.validatePlanText);
    }

    void numericFlagsParse_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("value");
        QTest::newRow("normalize retries") << u"--normalize-retry-count"_s << u"2"_s;
        QTest::newRow("phase 3 retries") << u"--phase-3-retry-count"_s << u"1"_s;
        QTest::newRow("min plan text") << u"--min-plan-text-len"_s << u"500"_s;
        QTest::newRow("consecutive cap") << u"--max-consecutive-task-failures"_s << u"3"_s;
    }
    void numericFlagsParse()
    {
        QFETCH(QString, flag);
        QFETCH(QString, value);
        const CommandLine c = parseCommandLine({u"run"_s, flag, value, u"--validate-plan-text"_s});
        QCOMPARE(c.action, Action::Run);
        QVERIFY(c.cliLayer.validatePlanText.value_or(false));
        const quint64 n = value.toULongLong();
        if (flag == u"--normalize-retry-count")
            QCOMPARE(c.cliLayer.normalizeRetryCount, std::optional<quint32>(n));
        else if (flag == u"--phase-3-retry-count")
            QCOMPARE(c.cliLayer.phase3RetryCount, std::optional<quint32>(n));
        else if (flag == u"--min-plan-text-len")
            QCOMPARE(c.cliLayer.minPlanTextLen, std::optional<quint64>(n));
        else
            QCOMPARE(c.cliLayer.maxConsecutiveTaskFailures, std::optional<quint32>(n));
    }

    void taskFlags()
    {
        const CommandLine task = parseCommandLine({u"run"_s, u"--task"_s, u"5"_s});
        QCOMPARE(task.task, std::optional<quint32>(5));
        QVERIFY(!task.fromTask);
        const CommandLine from = parseCommandLine({u"run"_s, u"--from-task=3"_s});
        QCOMPARE(from.fromTask, std::optional<quint32>(3));
        QVERIFY(!from.task);
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("reason");
        QTest::newRow("task conflicts with from-task")
            << QStringList{u"run"_s, u"--task"_s, u"1"_s, u"--from-task"_s, u"2"_s}
            << u"cannot be used with"_s;
        QTest::newRow("no subcommand") << QStringList() << u"a command is required"_s;
        QTest::newRow("unknown subcommand") << QStringList{u"unknown"_s}
                                            << u"unrecognized subcommand 'unknown'"_s;
        QTest::newRow("unknown option") << QStringList{u"run"_s, u"--bogus"_s} << u"bogus"_s;
        QTest::newRow("missing value") << QStringList{u"run"_s, u"--plan"_s}
                                       << u"a value is required for '--plan <PLAN>'"_s;
        QTest::newRow("hyphen value not attached")
            << QStringList{u"run"_s, u"--stet-start-args"_s, u"--allow-dirty"_s}
            << u"a value is required for '--stet-start-args <ARGS>'"_s;
        QTest::newRow("option twice") << QStringList{u"run"_s, u"--plan"_s, u"a"_s, u"--plan=b"_s}
                                      << u"cannot be used multiple times"_s;
        QTest::newRow("switch twice") << QStringList{u"run"_s, u"--parallel"_s, u"--parallel"_s}
                                      << u"cannot be used multiple times"_s;
        QTest::newRow("bad number") << QStringList{u"run"_s, u"--max-parallel"_s, u"four"_s}
                                    << u"invalid digit found in string"_s;
        QTest::newRow("negative number") << QStringList{u"run"_s, u"--max-parallel=-1"_s}
                                         << u"invalid digit found in string"_s;
        QTest::newRow("u32 overflow") << QStringList{u"run"_s, u"--task"_s, u"4294967296"_s}
                                      << u"number too large to fit in target type"_s;
        QTest::newRow("bad bool") << QStringList{u"run"_s, u"--stet-disable-llm-triage"_s, u"yes"_s}
                                  << u"provided string was not `true` or `false`"_s;
        QTest::newRow("switch with value") << QStringList{u"run"_s, u"--parallel=true"_s}
                                           << u"parallel"_s;
        QTest::newRow("positional") << QStringList{u"run"_s, u"plan.md"_s}
                                    << u"unexpected argument 'plan.md' found"_s;
        QTest::newRow("version on subcommand") << QStringList{u"run"_s, u"--version"_s} << u"version"_s;
        QTest::newRow("unknown top-level option") << QStringList{u"--bogus"_s}
                                                  << u"unexpected argument '--bogus' found"_s;
        QTest::newRow("help for unknown") << QStringList{u"help"_s, u"nope"_s}
                                          << u"unrecognized subcommand 'nope'"_s;
        QTest::newRow("prompt positional") << QStringList{u"prompt"_s, u"x"_s} << u"unexpected argument"_s;
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, reason);
        const CommandLine c = parseCommandLine(args);
        QCOMPARE(c.action, Action::UsageError);
        QVERIFY2(c.output.contains(reason), qPrintable(c.output));
        QVERIFY(c.output.contains(u"error: "));
        QVERIFY(c.output.contains(u"--help"));
    }

    void attachedHyphenValuesAccepted()
    {
        const CommandLine c = parseCommandLine({u"run"_s, u"--model=-weird"_s, u"--sandbox"_s, u"-"_s});
        QCOMPARE(c.action, Action::Run);
        QCOMPARE(c.cliLayer.model, std::optional<QString>(u"-weird"_s));
        QCOMPARE(c.cliLayer.sandbox, std::optional<QString>(u"-"_s));
    }

    void emptyStringValuesKept()
    {
        const CommandLine c = parseCommandLine({u"run"_s, u"--model"_s, u""_s, u"--stet-start-args"_s, u""_s});
        QCOMPARE(c.action, Action::Run);
        QCOMPARE(c.cliLayer.model, std::optional<QString>(QString()));
        QCOMPARE(c.cliLayer.stetStartExtraArgs, std::optional<QStringList>(QStringList()));
    }

    void promptParses()
    {
        const CommandLine plain = parseCommandLine({u"prompt"_s});
        QCOMPARE(plain.action, Action::Prompt);
        QVERIFY(!plain.promptOutput);
        const CommandLine withOutput = parseCommandLine({u"prompt"_s, u"--output"_s, u"out.txt"_s});
        QCOMPARE(withOutput.action, Action::Prompt);
        QCOMPARE(withOutput.promptOutput, std::optional<QString>(u"out.txt"_s));
    }

    void helpAndVersion_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("action");
        QTest::addColumn<QString>("contains");
        QTest::newRow("-V") << QStringList{u"-V"_s} << int(Action::ShowVersion) << u"peal 0."_s;
        QTest::newRow("--version") << QStringList{u"--version"_s} << int(Action::ShowVersion) << u"peal "_s;
        QTest::newRow("-h") << QStringList{u"-h"_s} << int(Action::ShowHelp) << u"Commands:"_s;
        QTest::newRow("--help") << QStringList{u"--help"_s} << int(Action::ShowHelp) << u"PEAL — Plan-Execute-Address Loop."_s;
        QTest::newRow("help") << QStringList{u"help"_s} << int(Action::ShowHelp) << u"Commands:"_s;
        QTest::newRow("help run") << QStringList{u"help"_s, u"run"_s} << int(Action::ShowHelp) << u"--max-consecutive-task-failures <N>"_s;
        QTest::newRow("run --help") << QStringList{u"run"_s, u"--help"_s} << int(Action::ShowHelp) << u"--stet-start-args <ARGS>"_s;
        QTest::newRow("run -h") << QStringList{u"run"_s, u"-h"_s} << int(Action::ShowHelp) << u"Usage: peal run"_s;
        QTest::newRow("prompt --help") << QStringList{u"prompt"_s, u"--help"_s} << int(Action::ShowHelp) << u"--output <PATH>"_s;
    }
    void helpAndVersion()
    {
        QFETCH(QStringList, args);
        QFETCH(int, action);
        QFETCH(QString, contains);
        const CommandLine c = parseCommandLine(args);
        QCOMPARE(int(c.action), action);
        QVERIFY2(c.output.contains(contains), qPrintable(c.output));
    }

    void runHelpListsEveryFlag()
    {
        const QString help = runHelp();
        for (const ConfigKeyInfo &key : ConfigLoader::keys()) {
            if (!key.cliFlag.isEmpty())
                QVERIFY2(help.contains(key.cliFlag), qPrintable(key.cliFlag));
        }
        QVERIFY(help.contains(u"--config <PATH>"));
        QVERIFY(help.contains(u"--task <N>"));
        QVERIFY(help.contains(u"--from-task <N>"));
        QVERIFY(help.contains(u"[default: 5]")); // max_address_rounds, not the reference's "3"
    }
};

QTEST_APPLESS_MAIN(tst_CommandLine)
#include "tst_commandline.moc"
