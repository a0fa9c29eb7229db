// SPDX-License-Identifier: MIT
#include <peal/sdk/servicesteps.h>

namespace Peal {

namespace {

// `read` applied to an answer, or by default: an error ends the step.
template<typename T>
Result<void> readWith(const ReadAnswer<T> &read, const Result<T> &answer)
{
    if (read)
        return read(answer);
    if (!answer)
        return answer.error();
    return {};
}

} // namespace

Step agentStep(PhaseServices &services, QString name, AgentMode mode, std::function<QString()> prompt,
               AgentCallOptions options, ReadAnswer<AgentOutput> read)
{
    return leafStep(name, [&services, name, mode, prompt = std::move(prompt), options = std::move(options),
                           read = std::move(read)](const StepHandle &step) {
        services.runAgent(mode, prompt(), options, step.guard(name, AgentCallback([step, read](const Result<AgentOutput> &answer) {
                                                                  step.done(readWith(read, answer));
                                                              })));
    });
}

namespace {

template<typename Services>
Step processStepOf(Services &services, QString name, std::function<ProcessSpec()> spec,
                   std::function<Result<void>(const ProcessResult &)> read)
{
    return leafStep(name, [&services, name, spec = std::move(spec), read = std::move(read)](const StepHandle &step) {
        services.runProcess(spec(), step.guard(name, ProcessCallback([step, read](const ProcessResult &result) {
                                                   step.done(read ? read(result) : Result<void>());
                                               })));
    });
}

} // namespace

Step processStep(PhaseServices &services, QString name, std::function<ProcessSpec()> spec,
                 std::function<Result<void>(const ProcessResult &)> read)
{
    return processStepOf(services, std::move(name), std::move(spec), std::move(read));
}

Step processStep(ReviewServices &services, QString name, std::function<ProcessSpec()> spec,
                 std::function<Result<void>(const ProcessResult &)> read)
{
    return processStepOf(services, std::move(name), std::move(spec), std::move(read));
}

Step commitStep(PhaseServices &services, QString name, std::function<QString()> message)
{
    return leafStep(name, [&services, name, message = std::move(message)](const StepHandle &step) {
        services.commitChanges(message(), step.guard(name, std::function<void(Result<void>)>([step](Result<void> committed) {
                                                         step.done(committed);
                                                     })));
    });
}

Step reviewStep(Reviewer &reviewer, QString name, ReadAnswer<ReviewResult> read)
{
    return leafStep(name, [&reviewer, name, read = std::move(read)](const StepHandle &step) {
        reviewer.review(step.guard(name, std::function<void(Result<ReviewResult>)>([step, read](Result<ReviewResult> review) {
                                       step.done(readWith(read, review));
                                   })));
    });
}

Step dismissStep(Reviewer &reviewer, QString name, std::function<QList<std::pair<QString, QString>>()> dismissals)
{
    return deferredStep(name, [&reviewer, name, dismissals = std::move(dismissals)] {
        QList<Step> each;
        for (const std::pair<QString, QString> &dismissal : dismissals()) {
            const QString id = dismissal.first;
            const QString reason = dismissal.second;
            each << leafStep(name + QStringLiteral(" ") + id, [&reviewer, id, reason](const StepHandle &step) {
                reviewer.dismiss(id, reason, step.guard(step.name(), std::function<void()>([step] { step.done(); })));
            });
        }
        return sequenceStep(name, each);
    });
}

} // namespace Peal
