// SPDX-License-Identifier: MIT
#include "run/planloader.h"

#include <peal/plangraph.h>
#include <peal/prompt.h>
#include <peal/textutil.h>

#include "recipe/processstep.h"

#include <memory>

namespace Peal::Internal {

namespace {

Error normalizationFailed(const QString &detail)
{
    return Error(Error::Kind::Normalization, QStringLiteral("Plan normalization failed: ") + detail);
}

/*
 * The normalisation of a plan that is not canonical (spec §3.6): the storage of its subtree.
 * Each attempt runs the agent in normalise mode and reads its answer; one that does not parse
 * is asked for again, up to 1 + normalize_retry_count times.
 */
struct Normalization
{
    Normalization(RunContext &r, QString doc)
        : run(r), document(std::move(doc)), attempts(1 + quint64(r.config().normalizeRetryCount))
    {
    }

    // The process of an attempt, or why there is none.
    Result<ProcessSpec> spec() const
    {
        auto prompt = Prompts::buildNormalize(document, run.config().normalizePromptPath, run.config().normalizeGraph);
        if (!prompt)
            return prompt.error();
        return run.agentFor(AgentMode::Normalize).command(AgentMode::Normalize, *prompt);
    }

    // Reads an attempt's answer: the plan, another attempt (`again`), or the error that ends it.
    Result<void> read(const ProcessResult &result)
    {
        const AgentOutput out = run.agentFor(AgentMode::Normalize).interpret(AgentMode::Normalize, result);
        switch (out.status) {
        case AgentOutput::Status::FailedToStart:
            return normalizationFailed(QStringLiteral("spawn failed: ") + out.errorString);
        case AgentOutput::Status::TimedOut:
            return normalizationFailed(QStringLiteral("normalization timed out after %1s").arg(run.config().phaseTimeoutSec));
        case AgentOutput::Status::Cancelled:
            return Error(Error::Kind::Interrupted, QStringLiteral("normalization cancelled"));
        case AgentOutput::Status::Failed: {
            QString detail = QStringLiteral("agent exited with code %1").arg(exitStatusText(out.exitCode, out.signal));
            const QString snippet = stderrSnippet(out.stderrText);
            if (!snippet.isEmpty())
                detail += QStringLiteral(": ") + snippet;
            return normalizationFailed(detail);
        }
        case AgentOutput::Status::Succeeded:
            break;
        }
        ++attempt;
        auto parsed = PlanParser::parseOrFailWithSnippet(out.text);
        if (parsed) {
            const PlanDocument doc = PlanParser::parseDocument(out.text.toUtf8());
            if (auto reported = reportNotices(run, run.config().planPath + QStringLiteral(" as normalised by the agent"),
                                              doc.notices);
                !reported)
                return reported.error();
            graphErrors = doc.graphErrors;
            plan = std::move(parsed).value();
            return {};
        }
        if (attempt < attempts) {
            run.logger().warn(u"peal::plan",
                              QStringLiteral("normalized output did not parse, retrying normalization"),
                              {{QStringLiteral("attempt"), attempt},
                               {QStringLiteral("retries_left"), attempts - attempt}});
            again = true;
            return {};
        }
        // The reference's message carries a 20-line snippet; the error line stays one line and
        // the snippet goes to the log.
        run.logger().warn(u"peal::plan", QStringLiteral("normalized output that did not parse"),
                          {{QStringLiteral("snippet"), PlanParser::snippetForParseFailure(out.text)}});
        const QString begins = Text::firstLine(out.text, 80);
        return Error(parsed.error().kind(),
                     QStringLiteral("Normalized plan output could not be parsed (no canonical tasks found)"),
                     begins.isEmpty() ? QStringLiteral("the agent's answer is empty")
                                      : QStringLiteral("the agent's answer begins '%1'; more in the log").arg(begins));
    }

    RunContext &run;
    QString document;
    quint64 attempts;
    quint64 attempt = 0;
    bool again = false;
    std::optional<Plan> plan;
    QList<PlanNotice> graphErrors; // of the normalised plan, when it is a graph
};

// A graph plan that cannot run: its first error names the heading's line; the others are counted.
Error graphError(const QString &where, const QList<PlanNotice> &errors)
{
    QStringList more;
    for (qsizetype i = 1; i < errors.size(); ++i)
        more << QStringLiteral("line %1").arg(errors[i].line);
    return Error(Error::Kind::PlanFile, PlanParser::noticeLine(where, errors.first()),
                 more.isEmpty() ? QStringLiteral("nothing was run")
                                : QStringLiteral("nothing was run; also at %1").arg(more.join(QStringLiteral(", "))));
}

// The graph's errors, then --task / --from-task, then at least one task; the plan goes to
// `into`, and what each task waits for (a graph plan, before any filter) to the run.
Result<void> filterPlan(RunContext &run, Plan plan, const QList<PlanNotice> &graphErrors,
                        const std::optional<quint32> &task, const std::optional<quint32> &fromTask, Plan &into)
{
    if (!graphErrors.isEmpty())
        return graphError(run.config().planPath, graphErrors);
    if (PlanGraph::isGraph(plan))
        run.setGraph(PlanGraph::waitsFor(plan));
    run.setOnlyTask(task);
    if (task) {
        run.logger().info(u"peal::plan", QStringLiteral("filtering plan to single task"),
                          {{QStringLiteral("task_index"), *task}});
        auto filtered = PlanParser::filterSingleTask(plan, *task);
        if (!filtered)
            return filtered.error();
        plan = std::move(filtered).value();
    } else if (fromTask) {
        run.logger().info(u"peal::plan", QStringLiteral("filtering plan from task onward"),
                          {{QStringLiteral("from_task"), *fromTask}});
        auto filtered = PlanParser::filterFromTask(plan, *fromTask);
        if (!filtered)
            return filtered.error();
        plan = std::move(filtered).value();
    }
    if (plan.tasks.isEmpty())
        return PlanParser::invalidPlanFile(run.config().planPath + QStringLiteral(": no task headings such as '## Task 1' found"));
    run.logger().info(u"peal::plan", QStringLiteral("plan parsed"),
                      {{QStringLiteral("task_count"), plan.tasks.size()},
                       {QStringLiteral("segment_count"), plan.segments.size()}});
    into = std::move(plan);
    return {};
}

} // namespace

QString stderrSnippet(const QString &stderrText)
{
    return Text::lines(stderrText).mid(0, 5).join(u' ').trimmed();
}

Result<void> reportNotices(RunContext &run, const QString &where, const QList<PlanNotice> &notices)
{
    for (const PlanNotice &notice : notices)
        run.logger().warning(u"peal::plan", PlanParser::noticeLine(where, notice));
    run.setPlanNotices(where, notices); // said again at the end, where a person looks
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

Step readPlanStep(RunContext &run, QObject *context, const std::optional<quint32> &task,
                  const std::optional<quint32> &fromTask, std::optional<PlanDocument> document)
{
    return deferredStep(QStringLiteral("read plan"), [&run, context, task, fromTask, document]() mutable {
        const QString path = run.config().planPath;
        if (!document) {
            auto read = PlanParser::readDocument(path);
            if (!read)
                return syncStep(QStringLiteral("read plan"), [error = read.error()] { return Result<void>(error); });
            document = std::move(read).value();
        }
        if (document->canonical || !run.config().normalizePlan)
            return syncStep(QStringLiteral("filter plan"),
                            [&run, plan = document->plan, errors = document->graphErrors, task, fromTask] {
                                return filterPlan(run, plan, errors, task, fromTask, run.plan());
                            });
        auto text = PlanParser::readFile(path);
        if (!text)
            return syncStep(QStringLiteral("read plan"), [error = text.error()] { return Result<void>(error); });
        run.logger().info(u"peal::plan", QStringLiteral("plan format not canonical, normalizing via agent"));
        Storage<Normalization> normalization;
        const Step attempt = processStep(
            run, context, QStringLiteral("normalize"),
            [normalization] {
                normalization->again = false;
                auto spec = normalization->spec();
                // A prompt or command that cannot be made fails like a program that cannot start.
                return spec ? *spec : ProcessSpec();
            },
            [normalization](const ProcessResult &result) { return normalization->read(result); });
        const Step checked = sequenceStep(QStringLiteral("normalize"), {
            syncStep(QStringLiteral("prompt"), [normalization] {
                auto spec = normalization->spec();
                return spec ? Result<void>() : Result<void>(spec.error());
            }),
            attempt,
        });
        return storageStep<Normalization>(
            QStringLiteral("normalization"), normalization,
            sequenceStep(QStringLiteral("normalize and filter"), {
                loopStep(QStringLiteral("attempts"), checked, [normalization] { return normalization->again; }),
                syncStep(QStringLiteral("filter plan"), [&run, normalization, task, fromTask] {
                    return filterPlan(run, *normalization->plan, normalization->graphErrors, task, fromTask, run.plan());
                }),
            }),
            [&run, document = *text] { return std::make_unique<Normalization>(run, document); });
    });
}

} // namespace Peal::Internal
