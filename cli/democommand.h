// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

#include <optional>

namespace Peal::Cli {

/*
 * `peal demo`: makes a git repository and a plan in a fresh directory and runs the real engine
 * on them with peal-demo-agent, a deterministic stand-in for Cursor's agent that ships with
 * peal. Then it shows what changed and where everything is.
 */
class DemoCommand : public QObject
{
    Q_OBJECT

public:
    explicit DemoCommand(std::optional<QString> directory, QObject *parent = nullptr);
    void start();

    // The demo plan, also used by the tests.
    static QString planText();
    // Where the demo agent lives relative to the peal executable.
    static QString demoAgentPath();
    static QString demoReviewerPath();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void setUpRepository(int step);
    void runEngine();
    void showResult(int exitCode);
    void fail(const QString &message);

    std::optional<QString> m_requestedDir;
    QString m_dir;
    QString m_repo;
    QString m_plan;
    QString m_stateDir;
};

} // namespace Peal::Cli
