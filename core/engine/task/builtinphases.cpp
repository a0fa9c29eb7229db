// SPDX-License-Identifier: MIT
#include "task/builtinphases.h"

#include <peal/prompt.h>
#include <peal/sdk/servicesteps.h>
#include <peal/textutil.h>

#include <QElapsedTimer>

namespace Peal::Internal {

namespace {

LogFields taskFields(const TaskInfo &task)
{
    return {{QStringLiteral("task_index"), task.index},
            {QStringLiteral("position"), task.position},
            {QStringLiteral("task_count"), task.taskCount}};
}

AgentCallOptions callOptions(int phase, const Config &config)
{
    AgentCallOptions options;
    options.phaseNumber = phase;
    options.attempts = 1 + quint64(config.phaseRetryCount); // 64-bit: no overflow at u32 max
    return options;
}

// Phase 1: the plan, asked for again once when its text does not pass validation.
class PlanPhase final : public PhaseRun
{
public:
    explicit PlanPhase(const Config &config) : m_config(config) {}

    void start(PhaseServices &services, std::function<void(Result<void>)> done) override
    {
        m_services = &services;
        const TaskInfo &task = services.task();
        services.log(LogLevel::Info,
                     QStringLiteral("phase 1: task %1/%2").arg(task.position).arg(task.taskCount),
                     taskFields(task));
        m_clock.start();
        const Step attempt = agentStep(services, QStringLiteral("plan"), AgentMode::Plan,
                                       [this] { return Prompts::plan(m_services->task().body); }, callOptions(1, m_config),
                                       [this](const Result<AgentOutput> &out) { return onAnswer(out); });
        services.run(loopStep(QStringLiteral("phase 1"), attempt, [this] { return std::exchange(m_askAgain, false); }),
                     std::move(done));
    }

private:
    Result<void> onAnswer(const Result<AgentOutput> &out)
    {
        const quint32 index = m_services->task().index;
        if (!out) {
            m_services->log(LogLevel::Error, QStringLiteral("phase 1 failed"),
                            {{QStringLiteral("task_index"), index}, {QStringLiteral("err"), out.error().toDisplayString()}});
            return out.error();
        }
        const QString &text = out->text;
        if (!m_retried) {
            m_services->log(LogLevel::Info, QStringLiteral("phase 1 complete"),
                            {{QStringLiteral("task_index"), index},
                             {QStringLiteral("duration_ms"), m_clock.elapsed()},
                             {QStringLiteral("plan_text_len"), Text::utf8Length(text)}});
        }
        const Result<void> valid = validatePlanText(m_config, index, text);
        if (!valid) {
            if (!m_retried) {
                m_services->log(LogLevel::Warn, QStringLiteral("plan text validation failed, retrying phase 1 once"),
                                {{QStringLiteral("task_index"), index}, {QStringLiteral("detail"), valid.error().message()}});
                m_retried = m_askAgain = true;
                return {};
            }
            m_services->log(LogLevel::Error, QStringLiteral("plan text still invalid after retry"),
                            {{QStringLiteral("task_index"), index}});
            return valid.error();
        }
        m_services->data().planText = text;
        return {};
    }

    const Config &m_config;
    PhaseServices *m_services = nullptr;
    QElapsedTimer m_clock;
    bool m_retried = false;  // the one retry for an invalid plan text is spent
    bool m_askAgain = false; // ... and the agent is asked again
};

// Phase 2: the agent carries out the plan.
class ExecutePhase final : public PhaseRun
{
public:
    explicit ExecutePhase(const Config &config) : m_config(config) {}

    void start(PhaseServices &services, std::function<void(Result<void>)> done) override
    {
        m_services = &services;
        const TaskInfo &task = services.task();
        services.log(LogLevel::Info,
                     QStringLiteral("phase 2: task %1/%2").arg(task.position).arg(task.taskCount),
                     taskFields(task));
        m_clock.start();
        services.run(agentStep(services, QStringLiteral("execute"), AgentMode::Execute,
                               [this] { return Prompts::execute(m_services->data().planText); }, callOptions(2, m_config),
                               [this](const Result<AgentOutput> &out) { return onAnswer(out); }),
                     std::move(done));
    }

private:
    Result<void> onAnswer(const Result<AgentOutput> &out)
    {
        const quint32 index = m_services->task().index;
        if (!out) {
            m_services->log(LogLevel::Error, QStringLiteral("phase 2 failed"),
                            {{QStringLiteral("task_index"), index}, {QStringLiteral("err"), out.error().toDisplayString()}});
            return out.error();
        }
        m_services->log(LogLevel::Info, QStringLiteral("phase 2 complete"),
                        {{QStringLiteral("task_index"), index},
                         {QStringLiteral("duration_ms"), m_clock.elapsed()},
                         {QStringLiteral("stdout_len"), Text::utf8Length(out->text)}});
        m_services->data().executeOutput = out->text;
        return {};
    }

    const Config &m_config;
    PhaseServices *m_services = nullptr;
    QElapsedTimer m_clock;
};

} // namespace

std::unique_ptr<PhaseRun> createPlanPhase(const Config &config)
{
    return std::make_unique<PlanPhase>(config);
}

std::unique_ptr<PhaseRun> createExecutePhase(const Config &config)
{
    return std::make_unique<ExecutePhase>(config);
}

Result<void> validatePlanText(const Config &config, quint32 taskIndex, const QString &text)
{
    if (!config.validatePlanText)
        return {};
    const auto invalid = [&](const QString &detail) {
        Q_UNUSED(taskIndex); // the failing task names itself
        return Error(Error::Kind::PlanTextInvalid,
                     QStringLiteral("the agent returned an empty or invalid plan: %1").arg(detail));
    };
    if (text.isEmpty())
        return invalid(QStringLiteral("plan text is empty"));
    const qsizetype length = Text::utf8Length(text);
    if (config.minPlanTextLen && quint64(length) < *config.minPlanTextLen)
        return invalid(QStringLiteral("plan text length %1 below minimum %2")
                           .arg(length)
                           .arg(*config.minPlanTextLen));
    return {};
}

} // namespace Peal::Internal
