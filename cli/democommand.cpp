// SPDX-License-Identifier: MIT
#include "democommand.h"

#include "console.h"
#include "progressview.h"

#include <peal/engine.h>
#include <peal/exec.h>
#include <peal/sdk/agent.h>
#include <peal/state.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

namespace Peal::Cli {

DemoCommand::DemoCommand(std::optional<QString> directory, QString agent, QObject *parent)
    : QObject(parent), m_requestedDir(std::move(directory)), m_agent(std::move(agent))
{
}

DemoCommand::~DemoCommand()
{
    // The model server is ours: stopped by pid, waited for (bounded).
    if (m_modelServer && m_modelServer->state() != QProcess::NotRunning) {
        m_modelServer->terminate();
        if (!m_modelServer->waitForFinished(3000)) {
            m_modelServer->kill();
            m_modelServer->waitForFinished(3000);
        }
    }
}

QString DemoCommand::realAgentPlanText()
{
    return QStringLiteral(
        "# peal demo: a tiny greeting project, edited by a real agent CLI\n"
        "\n"
        "The scripted model behind the CLI follows the `@write <file> <text>` lines: it asks the\n"
        "CLI's own file-writing tool to write them. In plan mode the CLI refuses; in phase 2 it writes.\n"
        "\n"
        "## Task 1\n"
        "Create the greeting file.\n"
        "@write greeting.txt Hello from peal and a real agent!\n"
        "\n"
        "## Task 2 (parallel)\n"
        "Start a changelog.\n"
        "@write CHANGELOG.md - Added greeting.txt.\n"
        "\n"
        "## Task 3 (parallel)\n"
        "Leave a note.\n"
        "@write NOTES.md Written by the agent CLI, committed by peal.\n");
}

QString DemoCommand::modelServerPath()
{
    return QDir::cleanPath(QDir(QCoreApplication::applicationDirPath())
                               .absoluteFilePath(QStringLiteral("../lib/peal/peal-model-server")));
}

QString DemoCommand::planText()
{
    return QStringLiteral(
        "# peal demo: a tiny greeting project\n"
        "\n"
        "Each task says what to change; the demo agent plans it, then applies the lines that\n"
        "start with `write` or `append`.\n"
        "\n"
        "## Task 1\n"
        "Create the greeting file.\n"
        "write greeting.txt: Hello from peal!\n"
        "\n"
        "## Task 2 (parallel)\n"
        "Describe the greeting in the README.\n"
        "append README.md: ## Greeting\n"
        "append README.md: The greeting lives in greeting.txt.\n"
        "\n"
        "## Task 3 (parallel)\n"
        "Start a changelog.\n"
        "write CHANGELOG.md: - Added greeting.txt and described it in the README.\n"
        "\n"
        "## Task 4\n"
        "Sign the greeting.\n"
        "append greeting.txt: -- the peal demo\n");
}

QString DemoCommand::demoAgentPath()
{
    return QDir::cleanPath(QDir(QCoreApplication::applicationDirPath())
                               .absoluteFilePath(QStringLiteral("../lib/peal/peal-demo-agent")));
}

QString DemoCommand::demoReviewerPath()
{
    return QDir::cleanPath(QDir(QCoreApplication::applicationDirPath())
                               .absoluteFilePath(QStringLiteral("../lib/peal/peal-demo-stet")));
}

void DemoCommand::fail(const QString &message)
{
    printError(message);
    Q_EMIT finished(toInt(ExitCode::Failure));
}

void DemoCommand::start()
{
    const bool real = m_agent != u"demo";
    for (const QString &tool : real ? QStringList{modelServerPath()} : QStringList{demoAgentPath(), demoReviewerPath()}) {
        if (!QFile::exists(tool))
            return fail(QStringLiteral("%1 is missing (is peal installed completely?)").arg(tool));
    }
    if (real) {
        static const QHash<QString, std::pair<QString, QString>> clis{
            {QStringLiteral("claude"), {QStringLiteral("Claude Code"), QStringLiteral("npm install -g @anthropic-ai/claude-code")}},
            {QStringLiteral("codex"), {QStringLiteral("Codex CLI"), QStringLiteral("npm install -g @openai/codex")}},
            {QStringLiteral("gemini"), {QStringLiteral("Gemini CLI"), QStringLiteral("npm install -g @google/gemini-cli")}},
            {QStringLiteral("opencode"), {QStringLiteral("OpenCode"), QStringLiteral("npm install -g opencode-ai")}},
            {QStringLiteral("copilot"), {QStringLiteral("Copilot CLI"), QStringLiteral("npm install -g @github/copilot")}},
            {QStringLiteral("qwen"), {QStringLiteral("Qwen Code"), QStringLiteral("npm install -g @qwen-code/qwen-code")}}};
        const auto found = findExecutable(m_agent, qEnvironmentVariable("PATH"));
        if (!found)
            return fail(QStringLiteral("peal demo --agent %1 runs the real %2, and '%1' is not on PATH: install it with "
                                       "'%3' (Node.js 18 or newer); the demo needs no account, it talks to a scripted "
                                       "model on 127.0.0.1")
                            .arg(m_agent, clis.value(m_agent).first, clis.value(m_agent).second));
        m_agentPath = *found;
    }
    if (m_requestedDir) {
        const QDir dir(*m_requestedDir);
        if (dir.exists() && !dir.isEmpty())
            return fail(QStringLiteral("--dir %1 is not empty; choose a new or empty directory")
                            .arg(*m_requestedDir));
        if (!QDir().mkpath(*m_requestedDir))
            return fail(QStringLiteral("cannot create --dir %1").arg(*m_requestedDir));
        m_dir = QDir(*m_requestedDir).absolutePath();
    } else {
        QTemporaryDir temp(QDir::tempPath() + QStringLiteral("/peal-demo-XXXXXX"));
        if (!temp.isValid())
            return fail(QStringLiteral("cannot create a temporary directory: %1").arg(temp.errorString()));
        temp.setAutoRemove(false); // the user looks at it afterwards
        m_dir = temp.path();
    }
    m_repo = m_dir + QStringLiteral("/repo");
    m_plan = m_dir + QStringLiteral("/plan.md");
    m_stateDir = m_dir + QStringLiteral("/.peal");

    QFile plan(m_plan);
    if (!QDir().mkpath(m_repo) || !plan.open(QIODevice::WriteOnly)
        || plan.write((real ? realAgentPlanText() : planText()).toUtf8()) < 0)
        return fail(QStringLiteral("cannot write the demo files in %1").arg(m_dir));
    plan.close();
    QFile readme(m_repo + QStringLiteral("/README.md"));
    if (!readme.open(QIODevice::WriteOnly) || readme.write("# Demo project\n") < 0)
        return fail(QStringLiteral("cannot write %1").arg(readme.fileName()));
    readme.close();

    if (!real) {
        printOut(QStringLiteral("peal demo in %1: a 4-task plan, run with peal-demo-agent and peal-demo-stet "
                                "(stand-ins for Cursor's agent and stet; no network)\n")
                     .arg(m_dir));
        return setUpRepository(0);
    }
    printOut(QStringLiteral("peal demo in %1: a 3-task plan, run with the real %2 (%3) against a scripted model on "
                            "127.0.0.1 (no network, no account)\n")
                 .arg(m_dir, m_agent, m_agentPath));
    startModelServer();
}

void DemoCommand::startModelServer()
{
    m_modelServer = new QProcess(this);
    m_modelServer->setProgram(modelServerPath());
    m_modelServer->setArguments({QStringLiteral("--port-file"), m_dir + QStringLiteral("/model-server.port"),
                                 QStringLiteral("--client-home"), m_dir + QStringLiteral("/home"),
                                 QStringLiteral("--log"), m_dir + QStringLiteral("/model-requests.jsonl")});
    m_modelServer->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_modelServer->setStandardInputFile(QProcess::nullDevice());
    m_modelServer->start();
    waitForModelServer(0);
}

void DemoCommand::waitForModelServer(int attempt)
{
    // It listens and writes its files within milliseconds; 10 s is the bound.
    const QString env = m_dir + QStringLiteral("/home/env");
    if (QFile::exists(env)) {
        QFile file(env);
        if (!file.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("cannot read %1").arg(env));
        // The CLIs inherit these: a HOME of the demo's own and the scripted model's address.
        for (const QByteArray &line : file.readAll().split('\n')) {
            const qsizetype eq = line.indexOf('=');
            if (eq > 0)
                qputenv(line.left(eq).constData(), line.mid(eq + 1));
        }
        return setUpRepository(0);
    }
    if (m_modelServer->state() == QProcess::NotRunning || attempt >= 200)
        return fail(QStringLiteral("the scripted model server (%1) did not start").arg(modelServerPath()));
    QTimer::singleShot(50, this, [this, attempt] { waitForModelServer(attempt + 1); });
}

void DemoCommand::setUpRepository(int step)
{
    static const char *const steps[][4] = {
        {"init", "-q", "-b", "main"},
        {"config", "user.name", "peal demo", nullptr},
        {"config", "user.email", "demo@peal.invalid", nullptr},
        {"config", "commit.gpgsign", "false", nullptr},
        {"add", "-A", nullptr, nullptr},
        {"commit", "-q", "-m", "initial commit"},
    };
    if (step == int(std::size(steps)))
        return runEngine();
    QStringList args;
    for (const char *arg : steps[step]) {
        if (arg)
            args.append(QString::fromUtf8(arg));
    }
    runProcess(gitSpec(m_repo, args), this, [this, step, args](const ProcessResult &r) {
        if (!r.success())
            return fail(QStringLiteral("git %1 failed in %2: %3")
                            .arg(args.join(u' '), m_repo,
                                 r.failedToStart() ? r.errorString : r.stderrText.trimmed()));
        setUpRepository(step + 1);
    });
}

void DemoCommand::runEngine()
{
    RunRequest request;
    Config &c = request.config;
    c.planPath = m_plan;
    c.repoPath = m_repo;
    if (m_agent == u"demo") {
        c.agentCmd = demoAgentPath();
        c.stetPath = demoReviewerPath();
        // The demo reviewer flags greeting.txt until it says it was reviewed (see peal-demo-stet).
        qputenv("PEAL_FAKE_STET_MODE", "demo");
    } else {
        c.agentPlugin = m_agent;
        c.agentCmd = m_agentPath;
        c.phases = {QStringLiteral("plan"), QStringLiteral("execute")}; // the scripted model does not review
        if (m_agent == u"gemini")
            c.model = QStringLiteral("gemini-2.5-pro"); // no model-router call
    }
    c.stateDir = m_stateDir;
    c.commitAfterPhase2 = true;
    c.parallel = true;
    c.maxParallel = 2;
    c.phaseTimeoutSec = 120;
    if (qEnvironmentVariableIsSet("PEAL_LOG"))
        request.pealLog = qEnvironmentVariable("PEAL_LOG");
    request.pathVariable = qEnvironmentVariable("PATH");
    const ProgressView::Options view = ProgressView::optionsFor(request, false);
    auto *engine = new Engine(std::move(request), this);
    ProgressView *shown = ProgressView::attach(engine, view, this);
    connect(engine, &Engine::finished, this, [this, shown](int code) {
        if (shown)
            shown->close();
        showResult(code);
    });
    engine->start();
}

void DemoCommand::showResult(int exitCode)
{
    runProcess(gitSpec(m_repo, {QStringLiteral("log"), QStringLiteral("--format=  %h %s")}), this,
               [this, exitCode](const ProcessResult &log) {
        QString text = QStringLiteral("Result: exit code %1 (%2); peal's commits in %3:\n")
                           .arg(exitCode)
                           .arg(exitCode == 0 ? QStringLiteral("every task done") : QStringLiteral("see above"),
                                m_repo);
        for (const QString &line : log.stdoutText.split(u'\n', Qt::SkipEmptyParts)) {
            if (line.contains(QStringLiteral(" peal: ")))
                text += line + u'\n';
        }
        text += QStringLiteral("State: %1; summary: %2\n")
                    .arg(StateStore::stateFilePath(m_stateDir),
                         QDir(m_stateDir).filePath(QStringLiteral("run_summary.json")));
        if (m_agent == u"demo")
            text += QStringLiteral("Run it again (it resumes; nothing is left to do): peal run --plan %1 --repo %2 "
                                   "--agent-cmd %3 --stet-path %4 --state-dir %5\n")
                        .arg(m_plan, m_repo, demoAgentPath(), demoReviewerPath(), m_stateDir);
        else
            text += QStringLiteral("What the agent said and did: peal logs 1 --state-dir %1\n").arg(m_stateDir);
        printOut(text);
        Q_EMIT finished(exitCode);
    });
}

} // namespace Peal::Cli
