// SPDX-License-Identifier: MIT
#include "run/planloader.h"

#include <peal/prompt.h>
#include <peal/textutil.h>

#include <memory>

namespace Peal::Internal {

namespace {

Error normalizationFailed(const QString &detail)
{
    return Error(Error::Kind::Normalization, QStringLiteral("Plan normalization failed: ") + detail);
}

struct Normalization : std::enable_shared_from_this<Normalization>
{
    RunContext &run;
    QPointer<QObject> context;
    QString document;
    quint64 attempts;
    quint64 attempt = 0;
    std::function<void(Result<Plan>)> done;

    Normalization(RunContext &r, QObject *c, QString doc, std::function<void(Result<Plan>)> d)
        : run(r), context(c), document(std::move(doc)),
          attempts(1 + quint64(r.config().normalizeRetryCount)), done(std::move(d)) {}

    void start()
    {
        auto prompt = Prompts::buildNormalize(document, run.config().normalizePromptPath);
        if (!prompt)
            return done(prompt.error());
        auto spec = run.agentFor(AgentMode::Normalize).command(AgentMode::Normalize, *prompt);
        if (!spec)
            return done(spec.error());
        auto self = shared_from_this();
        run.runProcess(*spec, context, [self](const ProcessResult &result) { self->onResult(result); });
    }

    void onResult(const ProcessResult &result)
    {
        const AgentOutput out = run.agentFor(AgentMode::Normalize).interpret(AgentMode::Normalize, result);
        switch (out.status) {
        case AgentOutput::Status::FailedToStart:
            return done(normalizationFailed(QStringLiteral("spawn failed: ") + out.errorString));
        case AgentOutput::Status::TimedOut:
            return done(normalizationFailed(QStringLiteral("normalization timed out after %1s")
                                                .arg(run.config().phaseTimeoutSec)));
        case AgentOutput::Status::Cancelled:
            return done(Error(Error::Kind::Interrupted, QStringLiteral("normalization cancelled")));
        case AgentOutput::Status::Failed: {
            QString detail = QStringLiteral("agent exited with code %1").arg(exitStatusText(out.exitCode, out.signal));
            const QString snippet = stderrSnippet(out.stderrText);
            if (!snippet.isEmpty())
                detail += QStringLiteral(": ") + snippet;
            return done(normalizationFailed(detail));
        }
        case AgentOutput::Status::Succeeded:
            break;
        }
        ++attempt;
        auto plan = PlanParser::parseOrFailWithSnippet(out.text);
        if (plan) {
            const QList<PlanNotice> notices = PlanParser::parseDocument(out.text.toUtf8()).notices;
            if (auto reported = reportNotices(run, run.config().planPath + QStringLiteral(" as normalised by the agent"),
                                              notices);
                !reported)
                return done(reported.error());
            return done(plan);
        }
        if (attempt < attempts) {
            run.logger().warn(u"peal::plan",
                              QStringLiteral("normalized output did not parse, retrying normalization"),
                              {{QStringLiteral("attempt"), attempt},
                               {QStringLiteral("retries_left"), attempts - attempt}});
            return start();
        }
        // The reference's message carries a 20-line snippet; the error line stays one line and
        // the snippet goes to the log.
        run.logger().warn(u"peal::plan", QStringLiteral("normalized output that did not parse"),
                          {{QStringLiteral("snippet"), PlanParser::snippetForParseFailure(out.text)}});
        const QString begins = Text::firstLine(out.text, 80);
        done(Error(plan.error().kind(),
                   QStringLiteral("Normalized plan output could not be parsed (no canonical tasks found)"),
                   begins.isEmpty() ? QStringLiteral("the agent's answer is empty")
                                    : QStringLiteral("the agent's answer begins '%1'; more in the log").arg(begins)));
    }
};

} // namespace

QString stderrSnippet(const QString &stderrText)
{
    return Text::lines(stderrText).mid(0, 5).join(u' ').trimmed();
}

Result<void> reportNotices(RunContext &run, const QString &where, const QList<PlanNotice> &notices)
{
    for (const PlanNotice &notice : notices)
        run.logger().warning(u"peal::plan", PlanParser::noticeLine(where, notice));
    const Config &c = run.config();
    if (notices.isEmpty() || !c.strictPlan)
        return {};
    return Error(Error::Kind::PlanFile,
                 QStringLiteral("%1 has %2 line(s) that look like task headings but are not (the first is line %3)")
                     .arg(where)
                     .arg(notices.size())
                     .arg(notices.first().line),
                 ConfigLoader::withOrigin(c, QStringLiteral("strict_plan"),
                                          QStringLiteral("see the warnings above; fix the lines or turn strict_plan off")));
}

void loadPlan(RunContext &run, QObject *context, const std::optional<quint32> &task,
              const std::optional<quint32> &fromTask, std::optional<PlanDocument> document,
              std::function<void(Result<Plan>)> done)
{
    const QString path = run.config().planPath;
    if (!document) {
        auto read = PlanParser::readDocument(path);
        if (!read)
            return done(read.error());
        document = std::move(read).value();
    }

    auto filter = [&run, path, task, fromTask, done](Result<Plan> parsed) {
        if (!parsed)
            return done(parsed);
        Plan plan = std::move(parsed).value();
        if (task) {
            run.logger().info(u"peal::plan", QStringLiteral("filtering plan to single task"),
                              {{QStringLiteral("task_index"), *task}});
            auto filtered = PlanParser::filterSingleTask(plan, *task);
            if (!filtered)
                return done(filtered);
            plan = std::move(filtered).value();
        } else if (fromTask) {
            run.logger().info(u"peal::plan", QStringLiteral("filtering plan from task onward"),
                              {{QStringLiteral("from_task"), *fromTask}});
            auto filtered = PlanParser::filterFromTask(plan, *fromTask);
            if (!filtered)
                return done(filtered);
            plan = std::move(filtered).value();
        }
        if (plan.tasks.isEmpty())
            return done(PlanParser::invalidPlanFile(
                path + QStringLiteral(": no task headings such as '## Task 1' found")));
        run.logger().info(u"peal::plan", QStringLiteral("plan parsed"),
                          {{QStringLiteral("task_count"), plan.tasks.size()},
                           {QStringLiteral("segment_count"), plan.segments.size()}});
        done(plan);
    };

    if (document->canonical || !run.config().normalizePlan)
        return filter(std::move(document->plan));
    auto text = PlanParser::readFile(path);
    if (!text)
        return done(text.error());
    run.logger().info(u"peal::plan", QStringLiteral("plan format not canonical, normalizing via agent"));
    auto normalization = std::make_shared<Normalization>(run, context, *text, filter);
    normalization->start();
}

} // namespace Peal::Internal
