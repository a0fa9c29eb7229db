// SPDX-License-Identifier: MIT
#include "realcli.h"

#include "testsupport.h"

#include <QTest>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <csignal>

namespace PealTest {

QString agentCliBinDir()
{
    return QStringLiteral(PEAL_BUILD_DIR) + QStringLiteral("/agent-clis/node_modules/.bin");
}

QString agentCli(const QString &name)
{
    const QString path = agentCliBinDir() + u'/' + name;
    return QFile::exists(path) ? path : QString();
}

ModelServer::ModelServer(const QStringList &arguments) : m_dir(std::make_unique<QTemporaryDir>())
{
    const QString portFile = m_dir->filePath(QStringLiteral("port"));
    m_process.setProgram(modelServerProgram());
    m_process.setArguments(QStringList{QStringLiteral("--port-file"), portFile, QStringLiteral("--log"),
                                       m_dir->filePath(QStringLiteral("requests.jsonl")), QStringLiteral("--client-home"),
                                       m_dir->filePath(QStringLiteral("home"))}
                           + arguments);
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start();
    if (!m_process.waitForStarted(10000))
        return;
    // Bounded: the server writes its port within milliseconds; the client set-up right after.
    (void)QTest::qWaitFor([&] {
        if (m_process.state() != QProcess::Running)
            return true;
        const QByteArray port = readFile(portFile).trimmed();
        if (port.isEmpty() || !QFile::exists(m_dir->filePath(QStringLiteral("home/env"))))
            return false;
        m_port = port.toInt();
        return true;
    }, 10000);
}

ModelServer::~ModelServer()
{
    if (m_process.state() != QProcess::NotRunning) {
        ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
}

QString ModelServer::url() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

QList<QJsonObject> ModelServer::requests() const
{
    QList<QJsonObject> out;
    for (const QByteArray &line : readFile(m_dir->filePath(QStringLiteral("requests.jsonl"))).split('\n')) {
        if (!line.trimmed().isEmpty())
            out << QJsonDocument::fromJson(line).object();
    }
    return out;
}

QHash<QString, QString> ModelServer::environment() const
{
    // What the server wrote for the CLIs (peal-model-server --client-home), and the CLIs on PATH.
    QHash<QString, QString> env{{QStringLiteral("PATH"), agentCliBinDir() + u':' + qEnvironmentVariable("PATH")}};
    for (const QByteArray &line : readFile(m_dir->filePath(QStringLiteral("home/env"))).split('\n')) {
        const qsizetype eq = line.indexOf('=');
        if (eq > 0)
            env.insert(QString::fromUtf8(line.left(eq)), QString::fromUtf8(line.mid(eq + 1)));
    }
    return env;
}

QString modelServerProgram()
{
    return QStringLiteral(PEAL_BUILD_DIR) + QStringLiteral("/lib/peal/peal-model-server");
}

} // namespace PealTest
