// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <memory>

class QTemporaryDir;

namespace PealTest {

// Where scripts/test.sh installs the pinned agent CLIs (<build>/agent-clis/node_modules/.bin).
QString agentCliBinDir();
// The installed CLI `name` ("claude"), or empty when it is not there.
QString agentCli(const QString &name);
// The scripted model server of the build (peal-model-server).
QString modelServerProgram();

/*
 * The scripted model server (tests/modelserver) on 127.0.0.1 and a free port, started for one
 * test and stopped by pid when it goes away. `arguments` are its options (--fail 2 ...).
 */
class ModelServer
{
public:
    explicit ModelServer(const QStringList &arguments = {});
    ~ModelServer();

    bool isRunning() const { return m_port > 0; }
    int port() const { return m_port; }
    QString url() const;
    // The requests it answered, one JSON object each.
    QList<QJsonObject> requests() const;

    // The environment that points the real CLIs (claude, codex, gemini, opencode, copilot, qwen) at
    // this server, with a throwaway HOME of their own, and puts the installed CLIs first on PATH.
    QHash<QString, QString> environment() const;

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QProcess m_process;
    int m_port = 0;
};

} // namespace PealTest
