// SPDX-License-Identifier: MIT
#include "enginerun.h"

#include "runcommand.h"
#include "testsupport.h"

#include <peal/engine.h>
#include <peal/log.h>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSignalSpy>

using namespace Peal;
using namespace Qt::StringLiterals;

namespace PealTest {

namespace {

const QString kHead = u"1111111111111111111111111111111111111111"_s;

// The agent's calls by what their prompt asks (the cursor plugin puts it last).
QString agentCallName(const ProcessSpec &spec)
{
    const QString prompt = spec.arguments.value(spec.arguments.size() - 1);
    static const QRegularExpression task(u"T(\\d+):"_s);
    const auto numbered = [&](const QString &mode) {
        const auto m = task.match(prompt);
        return m.hasMatch() ? mode + u' ' + m.captured(1) : mode;
    };
    if (prompt.contains(u"---TASK---"))
        return numbered(u"plan"_s);
    if (prompt.contains(u"---PLAN---"))
        return numbered(u"execute"_s);
    if (prompt.contains(u"Anything to address from this review?"))
        return u"triage"_s;
    if (prompt.contains(u"---STET---"))
        return u"address"_s;
    return u"agent"_s;
}

} // namespace

EngineRun::EngineRun(const QByteArray &plan)
{
    QDir().mkpath(repo());
    writeFile(planPath(), plan);
}

ScriptedAnswer EngineRun::answer(const QString &name, const ProcessSpec &spec)
{
    if (auto scripted = m_script.find(name); scripted != m_script.end() && !scripted->isEmpty()) {
        const int n = m_asked[name]++;
        return scripted->value(std::min<qsizetype>(n, scripted->size() - 1));
    }
    // A clean repository whose HEAD never moves.
    if (name == u"git rev-parse --is-inside-work-tree")
        return {1, 0, u"true\n"_s};
    if (name == u"git rev-parse --show-toplevel")
        return {1, 0, repo() + u'\n'};
    if (name == u"git rev-parse --show-toplevel --git-path info/exclude")
        return {1, 0, repo() + u"\n.git/info/exclude\n"_s};
    if (name.startsWith(u"git rev-parse") && name.contains(u"HEAD"))
        return {1, 0, kHead + u'\n'};
    if (name.startsWith(u"git "))
        return {1, 0};
    // The agent plans and executes; triage dismisses nothing; a fix succeeds.
    if (name.startsWith(u"plan "))
        return {1, 0, u"Steps for T"_s + name.section(u' ', 1) + u": do it."_s};
    if (name.startsWith(u"execute ") || name == u"address")
        return {1, 0, u"done"_s};
    if (name == u"stet run")
        return {1, 0, stetFindings({})};
    Q_UNUSED(spec);
    return {1, 0};
}

int EngineRun::run(const QStringList &flags)
{
    m_asked.clear();
    m_err.clear();
    const QString agent = PealTest::demoAgent();
    const QString stet = PealTest::demoStet();
    launcher = std::make_shared<ScriptedLauncher>([agent, stet](const ProcessSpec &spec) -> QString {
        if (spec.program == u"git")
            return gitCallName(spec);
        if (spec.program == agent)
            return agentCallName(spec);
        if (spec.program == stet)
            return u"stet "_s + spec.arguments.value(0);
        return QFileInfo(spec.program).fileName() + u' ' + spec.arguments.join(u' ');
    });
    launcher->script = [this](const QString &name, const ProcessSpec &spec) { return answer(name, spec); };

    const QStringList arguments = QStringList{u"run"_s, u"--plan"_s, planPath(), u"--repo"_s, repo(), u"--state-dir"_s,
                                              stateDir(), u"--agent-cmd"_s, agent, u"--stet-path"_s, stet}
                                  + flags;
    const Cli::CommandLine line = Cli::parseCommandLine(arguments);
    if (line.action != Cli::CommandLine::Action::Run) {
        m_err = line.output;
        return -1;
    }
    auto config = ConfigLoader::load(line.configFile, line.cliLayer, [](const QString &) { return std::nullopt; });
    if (!config) {
        m_err = config.error().toDisplayString();
        return -1;
    }
    RunRequest request = Cli::runRequest(line, std::move(config).value());
    request.pealLog = u"info"_s;
    request.pathVariable = qEnvironmentVariable("PATH");
    request.launcher = launcher;
    Engine engine(std::move(request));
    engine.logger().setLineWriter([this](const QByteArray &text) { m_err += QString::fromUtf8(text); });
    QSignalSpy finished(&engine, &Engine::finished);
    engine.start();
    if (finished.isEmpty() && !finished.wait(20000))
        return -2;
    return finished.first().first().toInt();
}

QStringList EngineRun::calls(const QString &prefix) const
{
    QStringList out;
    if (!launcher)
        return out;
    for (const QString &entry : launcher->log) {
        if (entry.startsWith(u"start ") && entry.mid(6).startsWith(prefix))
            out << entry.mid(6);
    }
    return out;
}

QStringList EngineRun::agentCalls() const
{
    QStringList out;
    for (const QString &call : calls()) {
        if (!call.startsWith(u"git ") && !call.startsWith(u"stet "))
            out << call;
    }
    return out;
}

QList<int> EngineRun::completed() const
{
    const QJsonObject state = json(readFile(stateDir() + u"/state.json"_s));
    return ints(state.value(u"completed_task_indices"_s));
}

QJsonObject EngineRun::summary() const
{
    return json(readFile(stateDir() + u"/run_summary.json"_s));
}

QJsonObject EngineRun::review(int task) const
{
    return json(readFile(stateDir() + u"/tasks/%1/review.json"_s.arg(task)));
}

QString stetFindings(const QStringList &ids)
{
    QJsonArray findings;
    for (const QString &id : ids)
        findings.append(QJsonObject{{u"id"_s, id}, {u"file"_s, u"src/x.c"_s}, {u"line"_s, 3},
                                    {u"severity"_s, u"warning"_s}, {u"category"_s, u"correctness"_s},
                                    {u"confidence"_s, 0.9}, {u"message"_s, QString(u"finding "_s + id)},
                                    {u"suggestion"_s, QString(u"fix "_s + id)}});
    return QString::fromUtf8(QJsonDocument(findings).toJson(QJsonDocument::Compact));
}

} // namespace PealTest
