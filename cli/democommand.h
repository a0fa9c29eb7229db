// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>

#include <optional>

namespace Peal::Cli {

/*
 * `peal demo`: makes a git repository and a plan in a fresh directory and runs the real engine
 * on them with peal-demo-agent, a deterministic stand-in for Cursor's agent that ships with
 * peal - or, with `--agent claude|codex|gemini|opencode|copilot|qwen`, with that real CLI against peal-model-server, a
 * scripted model on 127.0.0.1 that asks the CLI to write the files. Then it shows what changed
 * and where everything is.
 */
class DemoCommand : public QObject
{
    Q_OBJECT

public:
    DemoCommand(std::optional<QString> directory, QString agent, QObject *parent = nullptr);
    ~DemoCommand() override;
    void start();

    // The demo plans, also used by the tests: for the demo agent, and for a real CLI.
    static QString planText();
    static QString realAgentPlanText();
    // Where the demo agent lives relative to the peal executable.
    static QString demoAgentPath();
    static QString demoReviewerPath();
    static QString modelServerPath();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void startModelServer();
    void waitForModelServer(int attempt);
    void setUpRepository(int step);
    void runEngine();
    void showResult(int exitCode);
    void fail(const QString &message);

    std::optional<QString> m_requestedDir;
    QString m_agent;       // "demo", or the real CLI's plugin id
    QString m_agentPath;   // the real CLI, found on PATH
    QProcess *m_modelServer = nullptr;
    QString m_dir;
    QString m_repo;
    QString m_plan;
    QString m_stateDir;
};

} // namespace Peal::Cli
