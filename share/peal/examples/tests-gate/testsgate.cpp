// SPDX-License-Identifier: MIT
/*
 * tests-gate: an example custom phase for peal.
 *
 * After a task's change it runs the project's test command in the task's workspace. When the
 * tests fail it gives their output to the agent, asks for a fix, commits the fix (when
 * commit_after_phase2 is on) and runs the tests again - up to `max_rounds` fixes. The task
 * fails if the tests still fail after that.
 *
 * Configuration, in the [plugins.tests-gate] table of peal.toml:
 *   command     = ["make", "check"]  # required: program and arguments, no shell
 *   max_rounds  = 3                  # fixes to try; 0 only checks
 *   timeout_sec = 600                # per test run; default: phase_timeout_sec
 *   output_tail = 4000               # bytes of test output shown to the agent
 *
 * Like every plugin it never starts a process itself: it describes commands and asks the core
 * (PhaseServices) to run them, so timeouts, cancellation, logging and limits apply.
 */
#include <peal/sdk/agent.h>
#include <peal/sdk/phase.h>
#include <peal/sdk/servicesteps.h>

#include <QDir>
#include <QJsonArray>

namespace {

using namespace Peal;

struct GateOptions
{
    QStringList command;
    quint32 maxRounds = 3;
    std::chrono::milliseconds timeout{0};
    qsizetype outputTail = 4000;
};

// peal puts "[plugins.tests-gate]" and the file in front of the message.
Error optionError(const QString &what)
{
    return Error(Error::Kind::Config, what);
}

// A non-negative integer option, or `fallback` when absent.
Result<qint64> integerOption(const QJsonObject &table, const QString &key, qint64 fallback)
{
    const QJsonValue value = table.value(key);
    if (value.isUndefined())
        return fallback;
    if (!value.isDouble() || value.toDouble() < 0 || value.toDouble() != double(value.toInteger()))
        return optionError(QStringLiteral("%1 must be a non-negative integer").arg(key));
    return value.toInteger();
}

Result<GateOptions> readOptions(const QJsonObject &table, std::chrono::seconds phaseTimeout)
{
    static const QStringList known{QStringLiteral("command"), QStringLiteral("max_rounds"),
                                   QStringLiteral("timeout_sec"), QStringLiteral("output_tail")};
    for (auto it = table.begin(); it != table.end(); ++it) {
        if (!known.contains(it.key()))
            return optionError(QStringLiteral("has an unknown key '%1' (known: %2)")
                                   .arg(it.key(), known.join(QStringLiteral(", "))));
    }
    GateOptions options;
    for (const QJsonValue &part : table.value(QStringLiteral("command")).toArray()) {
        if (!part.isString())
            return optionError(QStringLiteral("command must be an array of strings"));
        options.command.append(part.toString());
    }
    if (options.command.isEmpty() || options.command.first().isEmpty())
        return optionError(QStringLiteral("command is required, e.g. command = [\"make\", \"check\"]"));
    auto rounds = integerOption(table, QStringLiteral("max_rounds"), 3);
    auto timeout = integerOption(table, QStringLiteral("timeout_sec"), qint64(phaseTimeout.count()));
    auto tail = integerOption(table, QStringLiteral("output_tail"), 4000);
    for (const auto *r : {&rounds, &timeout, &tail}) {
        if (!*r)
            return r->error();
    }
    options.maxRounds = quint32(std::min<qint64>(*rounds, 100));
    options.timeout = std::chrono::seconds(std::min<qint64>(*timeout, 24 * 3600));
    options.outputTail = qsizetype(*tail);
    return options;
}

// The last `bytes` of the test output, where failures are usually reported.
QString tail(const QString &text, qsizetype bytes)
{
    const QByteArray utf8 = text.toUtf8();
    if (utf8.size() <= bytes)
        return text;
    return QStringLiteral("[...]\n") + QString::fromUtf8(utf8.right(bytes));
}

// What the steps of one gate share while it runs (a Storage: made when the gate starts).
struct GateState
{
    quint32 round = 0;     // fixes asked for so far
    bool passed = false;
    ProcessResult failure; // the last failing test run
};

/*
 * The gate as steps: test; then, while the tests fail and rounds remain, fix, commit, test. The
 * core runs them (PhaseServices::run), so a cancel, a timeout or a throw ends them cleanly.
 */
class TestsGateRun final : public PhaseRun
{
public:
    explicit TestsGateRun(GateOptions options) : m_options(std::move(options)) {}

    void start(PhaseServices &services, std::function<void(Result<void>)> done) override
    {
        m_services = &services;
        services.run(storageStep(QStringLiteral("tests-gate"), m_state, sequenceStep(QStringLiteral("gate"), {
            testStep(),
            loopStep(QStringLiteral("fix rounds"), deferredStep(QStringLiteral("fix round"), [this] {
                return m_state->passed ? emptyStep(QStringLiteral("tests pass")) : fixRound();
            }), [this] { return !m_state->passed; }),
        })), std::move(done));
    }

private:
    QString commandText() const { return m_options.command.join(u' '); }

    void log(LogLevel level, const QString &message, LogFields fields = {})
    {
        fields.prepend({QStringLiteral("task_index"), m_services->task().index});
        m_services->log(level, QStringLiteral("tests-gate: ") + message, fields);
    }

    Step testStep()
    {
        return processStep(*m_services, QStringLiteral("test"), [this] { return testSpec(); },
                           [this](const ProcessResult &result) { return onTests(result); });
    }

    // Fix, commit, test again; built when the round starts, so it names the round.
    Step fixRound()
    {
        AgentCallOptions call;
        call.phaseName = QStringLiteral("tests-gate fix round %1").arg(m_state->round);
        call.logName = QStringLiteral("tests-gate fix");
        call.attempts = 1;
        const QString message = commitMessage(m_services->task().index, QStringLiteral("tests-gate fix round %1").arg(m_state->round));
        return sequenceStep(QStringLiteral("fix round %1").arg(m_state->round), {
            agentStep(*m_services, QStringLiteral("fix"), AgentMode::Address, [this] { return fixPrompt(m_state->failure); }, call),
            commitStep(*m_services, QStringLiteral("commit"), [message] { return message; }),
            testStep(),
        });
    }

    ProcessSpec testSpec()
    {
        ProcessSpec spec;
        spec.program = m_options.command.first();
        // A relative path is the project's own script: resolve it in the task's workspace.
        if (spec.program.contains(u'/') && QDir::isRelativePath(spec.program))
            spec.program = QDir(m_services->workspace()).absoluteFilePath(spec.program);
        spec.arguments = m_options.command.mid(1);
        spec.workingDirectory = m_services->workspace();
        spec.timeout = m_options.timeout;
        spec.label = QStringLiteral("tests-gate: %1").arg(commandText());
        log(LogLevel::Info, QStringLiteral("running the tests"),
            {{QStringLiteral("command"), commandText()}, {QStringLiteral("round"), m_state->round}});
        return spec;
    }

    static QString describe(const ProcessResult &r)
    {
        switch (r.ending) {
        case ProcessEnding::Exited:
            return QStringLiteral("exited with code %1").arg(r.exitCode);
        case ProcessEnding::FailedToStart:
            return QStringLiteral("failed to start (%1)").arg(r.errorString);
        case ProcessEnding::Crashed:
            return QStringLiteral("crashed");
        case ProcessEnding::TimedOut:
            return QStringLiteral("timed out");
        case ProcessEnding::Cancelled:
            return QStringLiteral("was cancelled");
        }
        return QString();
    }

    // The verdict of a test run: passed, a fix round to come, or the error that fails the task.
    Result<void> onTests(const ProcessResult &result)
    {
        GateState &state = *m_state;
        if (result.ending == ProcessEnding::Cancelled)
            return Error(Error::Kind::Interrupted, QStringLiteral("tests-gate was cancelled"));
        if (result.failedToStart())
            return Error(Error::Kind::Phase, QStringLiteral("the test command '%1' %2").arg(commandText(), describe(result)));
        if (result.success()) {
            log(LogLevel::Info, QStringLiteral("tests pass"), {{QStringLiteral("fix_rounds"), state.round}});
            state.passed = true;
            return {};
        }
        if (state.round >= m_options.maxRounds)
            return Error(Error::Kind::Phase, QStringLiteral("'%1' still fails after %2 fix round(s): it %3")
                                                 .arg(commandText())
                                                 .arg(state.round)
                                                 .arg(describe(result)));
        ++state.round;
        state.failure = result;
        log(LogLevel::Warn, QStringLiteral("tests fail; asking the agent to fix them"),
            {{QStringLiteral("round"), state.round}, {QStringLiteral("max_rounds"), m_options.maxRounds}});
        return {};
    }

    QString fixPrompt(const ProcessResult &result) const
    {
        const TaskInfo &task = m_services->task();
        return QStringLiteral("The project's tests fail after this task:\n\n%1\n\n"
                              "Test command: %2 (it %3)\n\nTest output:\n%4\n\n"
                              "Fix the code so that the tests pass. Do not weaken or delete tests.")
            .arg(task.body.trimmed(), commandText(), describe(result),
                 tail(result.stdoutText + result.stderrText, m_options.outputTail));
    }

    PhaseServices *m_services = nullptr;
    GateOptions m_options;
    Storage<GateState> m_state;
};

class TestsGatePlugin final : public PhasePlugin
{
public:
    // Read at load time: a typo in an option stops the run before any agent time is spent.
    Result<void> configure(const PluginConfig &config) override
    {
        auto options = readOptions(config.options, config.phaseTimeout);
        if (!options)
            return options.error();
        m_options = std::move(options).value();
        return {};
    }

    std::unique_ptr<PhaseRun> createRun() const override { return std::make_unique<TestsGateRun>(m_options); }

    // For peal run --dry-run.
    QStringList describe(const PhaseOutlineContext &context) const override
    {
        return {QStringLiteral("%1; when it fails, up to %2 fix round(s) of:")
                    .arg(m_options.command.join(u' '))
                    .arg(m_options.maxRounds),
                QStringLiteral("fix      %1").arg(context.agentCommand(AgentMode::Address)),
                QStringLiteral("test     %1").arg(m_options.command.join(u' '))};
    }

private:
    GateOptions m_options;
};

} // namespace

PEAL_REGISTER_PLUGIN(TestsGatePlugin)
