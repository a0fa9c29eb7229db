// SPDX-License-Identifier: MIT
#include "run/dryrun.h"

#include <peal/plangraph.h>

#include "schedule/scheduler.h"

#include <peal/sdk/result.h>

#include "git/commit.h"

#include <peal/state.h>
#include <peal/summary.h>
#include <peal/textutil.h>

namespace Peal::Internal {

namespace {

const QString kPrompt = QStringLiteral("<prompt>");

// The agent's command for `mode`, with the prompt shown as <prompt>.
QString agentCommand(RunContext &run, AgentMode mode)
{
    auto spec = run.agentFor(mode).command(mode, kPrompt);
    if (!spec)
        return QStringLiteral("(the agent plugin cannot build it: %1)").arg(spec.error().message());
    QStringList args = spec->arguments;
    if (spec->stdinMode == ProcessSpec::Stdin::Data)
        return Text::commandLine(spec->program, args) + QStringLiteral(" < ") + kPrompt;
    if (spec->lastArgumentIsPrompt && !args.isEmpty())
        args.removeLast();
    return Text::commandLine(spec->program, args) + u' ' + kPrompt;
}

QString title(const Task &task)
{
    for (const QString &line : Text::lines(task.content)) {
        if (!line.trimmed().isEmpty()) {
            const QString text = line.trimmed();
            return Text::utf8Length(text) > 60 ? Text::truncateUtf8(text, 60) + QStringLiteral("...") : text;
        }
    }
    return QStringLiteral("(empty task)");
}

// A timeout as it is used: one above the longest a process can have is clamped to it.
QString timeoutText(quint64 seconds)
{
    const quint64 longest = quint64(kLongestTimeout.count() / 1000);
    if (seconds <= longest)
        return QStringLiteral("%1 s").arg(seconds);
    return QStringLiteral("%1 s (%2 s is clamped to the longest timeout, about 24.8 days)").arg(longest).arg(seconds);
}

QString plural(qsizetype n, const QString &noun)
{
    return QStringLiteral("%1 %2%3").arg(n).arg(noun, n == 1 ? QString() : QStringLiteral("s"));
}

class Describer
{
public:
    Describer(RunContext &run, const Pipeline &pipeline, const ReviewOutline *review)
        : m_run(run), m_pipeline(pipeline), m_review(review), m_config(run.config())
    {
    }

    void line(const QString &text = {}, int indent = 0)
    {
        m_out += QString(indent * 2, u' ') + text + u'\n';
    }

    void field(const QString &name, const QString &value)
    {
        line(QStringLiteral("%1 %2").arg(name, -8).arg(value));
    }

    void settings(const QString &reviewNote)
    {
        const Config &c = m_config;
        const Plan &plan = m_run.plan();
        line(QStringLiteral("Dry run: nothing is started. This is what 'peal run' would do."));
        line();
        field(QStringLiteral("plan"), QStringLiteral("%1: %2 in %3")
                                          .arg(c.planPath, plural(plan.tasks.size(), QStringLiteral("task")),
                                               plural(plan.segments.size(), QStringLiteral("segment"))));
        field(QStringLiteral("repo"), c.repoPath);
        const QList<quint32> &done = m_run.state().completedTaskIndices();
        field(QStringLiteral("state"), done.isEmpty()
                                           ? QStringLiteral("%1: no task completed yet")
                                                 .arg(StateStore::stateFilePath(c.stateDir))
                                           : QStringLiteral("%1: resuming; completed %2")
                                                 .arg(StateStore::stateFilePath(c.stateDir), Text::debugList(done)));
        field(QStringLiteral("agent"), QStringLiteral("%1 (plugin %2)")
                                           .arg(m_run.agent().settings.program, m_run.agent().pluginId));
        for (const auto &[mode, role] : {std::pair{AgentMode::Plan, QStringLiteral("plan")},
                                         std::pair{AgentMode::Execute, QStringLiteral("execute")},
                                         std::pair{AgentMode::Address, QStringLiteral("review")}}) {
            const AgentHandle &own = m_run.agentFor(mode);
            if (&own != &m_run.agent())
                field(role + QStringLiteral(" agent"), QStringLiteral("%1 (plugin %2%3)")
                                                          .arg(own.settings.program, own.pluginId,
                                                               own.settings.model ? QStringLiteral(", model ") + *own.settings.model
                                                                                  : QString()));
        }
        // agent_fallback: where each phase's calls would move, with each back-end's model.
        QStringList chains;
        for (const auto &[role, name] : {std::pair{RunContext::AgentRole::Plan, QStringLiteral("plan")},
                                         std::pair{RunContext::AgentRole::Execute, QStringLiteral("execute")},
                                         std::pair{RunContext::AgentRole::Review, QStringLiteral("review")}}) {
            QStringList chain;
            for (const AgentHandle &fallback : m_run.fallbacks(role))
                chain << fallback.pluginId + (fallback.settings.model ? QStringLiteral(" (model %1)").arg(*fallback.settings.model) : QString());
            chains << name + QStringLiteral(": ") + (chain.isEmpty() ? QStringLiteral("none") : chain.join(QStringLiteral(", ")));
        }
        if (chains.filter(QStringLiteral(": none")).size() < chains.size()) {
            // One chain for every phase is said once.
            const QString first = chains.first().section(QStringLiteral(": "), 1);
            const bool same = std::all_of(chains.cbegin(), chains.cend(),
                                          [&](const QString &x) { return x.section(QStringLiteral(": "), 1) == first; });
            field(QStringLiteral("fallback"),
                  (same ? first : chains.join(QStringLiteral("; ")))
                      + QStringLiteral(" (after a limit past %1 s, an auth or billing refusal, or %2 overloads in a row)")
                            .arg(c.rateLimitMaxWaitSec)
                            .arg(c.fallbackAfterOverloads));
        }
        field(QStringLiteral("review"), m_review ? QStringLiteral("%1 (%2)").arg(m_review->perReview, m_review->mode)
                                                 : reviewNote);
        field(QStringLiteral("phases"), phaseNames().join(QStringLiteral(", ")));
        if (!m_run.executorId().isEmpty())
            field(QStringLiteral("executor"), QStringLiteral("%1: the agent calls of tasks run through it (docs/distributed.md)")
                                                  .arg(m_run.executorId()));
        field(QStringLiteral("limits"),
              QStringLiteral("timeout %1 per process; %2 of phases 1-2; %3")
                  .arg(timeoutText(c.phaseTimeoutSec))
                  .arg(c.phaseRetryCount == 1 ? QStringLiteral("1 retry")
                                              : QStringLiteral("%1 retries").arg(c.phaseRetryCount))
                  .arg(c.parallel ? QStringLiteral("parallel blocks run up to %1 tasks at once%2")
                                        .arg(c.maxParallel)
                                        .arg(c.isolation == u"worktree" ? QStringLiteral(", each in its own worktree")
                                                                        : QString())
                                  : QStringLiteral("parallel mode off: every task runs in turn")));
        if (c.maxConsecutiveTaskFailures)
            field(QStringLiteral("cap"), QStringLiteral("stop after %1 consecutive failed tasks (exit 3)")
                                             .arg(*c.maxConsecutiveTaskFailures));
        line();
    }

    // Each phase's commands once; the segments below name the phases.
    void phaseCommands()
    {
        const Config &c = m_config;
        line(QStringLiteral("Commands of each phase (prompts are shown as <prompt>):"));
        for (const PhaseDef &def : m_pipeline) {
            const QString &name = def.name;
            const auto phase = [&](const QString &text, int indent = 1) {
                line(QStringLiteral("%1 %2").arg(name, -8).arg(text), indent);
            };
            if (name == u"plan") {
                phase(agentCommand(m_run, AgentMode::Plan));
            } else if (name == u"execute") {
                phase(agentCommand(m_run, AgentMode::Execute));
                if (c.commitAfterPhase2)
                    line(QStringLiteral("commit   git add -A; git commit -m 'peal: task <N> - <first line of "
                                        "its plan>'"),
                         1);
            } else {
                describePlugin(def, phase);
            }
        }
        line();
    }

    // A plugin phase describes itself; its first line is the phase's, the rest its steps.
    template<typename PhaseLine>
    void describePlugin(const PhaseDef &def, const PhaseLine &phase)
    {
        PhaseOutlineContext context;
        context.agentCommand = [this](AgentMode mode) { return agentCommand(m_run, mode); };
        context.hasReview = m_review != nullptr;
        if (m_review) {
            context.reviewCommand = m_review->perReview;
            context.dismissCommand = m_review->dismiss;
        }
        QStringList lines;
        if (def.plugin) {
            if (auto described = callGuarded(QStringLiteral("phase plugin '%1' (describe)").arg(def.name),
                                             [&] { lines = def.plugin->describe(context); });
                !described)
                lines = QStringList{described.error().message()};
        }
        if (lines.isEmpty())
            return phase(QStringLiteral("(phase plugin '%1')").arg(def.name), 1);
        phase(lines.first(), 1);
        for (qsizetype i = 1; i < lines.size(); ++i)
            line(lines[i], 3);
    }

    void beforeFirstTask()
    {
        if (!m_review || m_review->atStart.isEmpty())
            return;
        line(QStringLiteral("Before the first task:"));
        for (const QString &command : m_review->atStart)
            line(command, 1);
        line();
    }

    void segments()
    {
        if (m_run.isGraph())
            return graph();
        const Plan &plan = m_run.plan();
        for (qsizetype i = 0; i < plan.segments.size(); ++i) {
            const Segment &segment = plan.segments[i];
            if (segment.isParallel())
                block(int(i + 1), segment);
            else
                sequential(int(i + 1), segment.indices.first());
        }
        line();
    }

    // A graph plan: each task with what it waits for, the order or waves it runs in, and the
    // critical path.
    void graph()
    {
        const Config &c = m_config;
        QList<quint32> tasks;
        for (const Task &t : m_run.plan().tasks) {
            if (!tasks.contains(t.index))
                tasks.append(t.index);
        }
        const QHash<quint32, QList<quint32>> &waits = m_run.graph();
        line(QStringLiteral("Graph plan: a task starts when every task it waits for is done."));
        for (quint32 index : std::as_const(tasks)) {
            if (completed(index)) {
                line(QStringLiteral("%1 - completed, skipped").arg(task(index)), 1);
                continue;
            }
            const QList<quint32> w = waits.value(index);
            line(QStringLiteral("%1: %2%3")
                     .arg(task(index),
                          w.isEmpty() ? QString() : QStringLiteral("waits for %1; ").arg(Text::joinIndices(w)),
                          remainingPhases(index)),
                 1);
        }
        QStringList waves;
        for (const QList<quint32> &wave : PlanGraph::waves(tasks, waits))
            waves << Text::joinIndices(wave);
        if (!c.parallel || c.maxParallel <= 1)
            line(QStringLiteral("Order, one task at a time (parallel mode is off): %1")
                     .arg(Text::joinIndices(PlanGraph::order(tasks, waits))));
        else if (c.isolation == u"worktree" && c.commitAfterPhase2)
            line(QStringLiteral("Each task starts as soon as the tasks it waits for are done, up to %1 at once, each in its "
                                "own git worktree made from the state that holds the tasks it waits for; then, one at a "
                                "time, its merge, its own commit and its review. Levels: %2")
                     .arg(c.maxParallel)
                     .arg(waves.join(QStringLiteral(" | "))));
        else if (c.isolation == u"worktree")
            line(QStringLiteral("Waves, up to %1 tasks at once, each in its own git worktree made from the state that holds "
                                "the tasks it waits for (without commit_after_phase2 a wave's tasks are merged together): %2")
                     .arg(c.maxParallel)
                     .arg(waves.join(QStringLiteral(" | "))));
        else
            line(QStringLiteral("Waves, up to %1 tasks at once: %2. Without worktrees the ready tasks run as a parallel "
                                "block does (phases 1-2 side by side, then commits and reviews one at a time), because a "
                                "shared checkout cannot keep one task's edits out of another's commit "
                                "(isolation = \"worktree\" gives each task its own)")
                     .arg(c.maxParallel)
                     .arg(waves.join(QStringLiteral(" | "))));
        const QList<quint32> critical = PlanGraph::criticalPath(tasks, waits);
        QStringList path;
        for (quint32 t : critical)
            path << QString::number(t);
        line(QStringLiteral("Critical path (the longest chain of waits): %1 (%2 task%3)")
                 .arg(path.join(QStringLiteral(" -> ")))
                 .arg(critical.size())
                 .arg(critical.size() == 1 ? QString() : QStringLiteral("s")));
        line();
    }

    void afterLastTask()
    {
        const Config &c = m_config;
        line(QStringLiteral("After the last task:"));
        if (m_review)
            for (const QString &command : m_review->atFinish)
                line(command, 1);
        for (const QString &command : c.postRunCommands)
            line(QStringLiteral("%1 (post-run command, timeout %2; only when the run succeeds)")
                     .arg(command, timeoutText(c.postRunTimeoutSec.value_or(c.phaseTimeoutSec))),
                 1);
        line(QStringLiteral("write %1").arg(SummaryFile::path(c)), 1);
    }

    QString take() { return std::move(m_out); }

private:
    QStringList phaseNames(qsizetype from = 0, qsizetype to = -1, bool commit = true) const
    {
        QStringList names;
        for (qsizetype i = from; i < (to < 0 ? m_pipeline.size() : to); ++i) {
            names << m_pipeline[i].name;
            if (commit && m_pipeline[i].name == u"execute" && m_config.commitAfterPhase2)
                names << QStringLiteral("commit");
        }
        return names;
    }

    bool completed(quint32 index) const { return m_run.outcomes().isDone(index); }

    // The phases an earlier run did for the task (task ledger): how many, and how to say so.
    qsizetype resumedPhases(quint32 index) const
    {
        const Task *t = m_run.plan().taskByIndex(index);
        return t ? m_run.outcomes().ledger().resumeAt(index, phaseNames(0, -1, false), t->content) : 0;
    }
    QString remainingPhases(quint32 index, qsizetype from = 0, qsizetype to = -1, bool commit = true) const
    {
        const qsizetype done = resumedPhases(index);
        const qsizetype start = std::max(from, done);
        QString text = phaseNames(start, to, commit).join(QStringLiteral(", "));
        if (done > 0)
            text += QStringLiteral(" (resumed: %1 done in an earlier run)")
                        .arg(phaseNames(0, done, false).join(QStringLiteral(", ")));
        return text;
    }

    QString task(quint32 index) const
    {
        const Task *t = m_run.plan().taskByIndex(index);
        return QStringLiteral("task %1 (%2)").arg(index).arg(t ? title(*t) : QString());
    }

    void sequential(int number, quint32 index)
    {
        if (completed(index))
            return line(QStringLiteral("Segment %1: task %2 - completed, skipped").arg(number).arg(index));
        line(QStringLiteral("Segment %1: %2: %3").arg(number).arg(task(index), remainingPhases(index)));
    }

    void block(int number, const Segment &segment)
    {
        const Config &c = m_config;
        QList<quint32> pending;
        QStringList all;
        QStringList skipped;
        for (quint32 index : segment.indices) {
            all << QString::number(index);
            if (completed(index))
                skipped << QString::number(index);
            else if (!pending.contains(index))
                pending.append(index);
        }
        const QString header = QStringLiteral("Segment %1: parallel block of tasks %2")
                                   .arg(number)
                                   .arg(all.join(QStringLiteral(", ")));
        if (pending.isEmpty())
            return line(header + QStringLiteral(" - completed, skipped"));
        const bool concurrent = blockRunsConcurrently(c, pending.size());
        if (!concurrent) {
            line(header + QStringLiteral(" - one task at a time (%1)")
                              .arg(c.parallel ? QStringLiteral("only one task is pending")
                                              : QStringLiteral("parallel mode is off")));
        } else {
            line(header + QStringLiteral(" - up to %1 tasks at once%2")
                              .arg(c.maxParallel)
                              .arg(c.isolation == u"worktree" ? QStringLiteral(", each in its own git worktree")
                                                              : QString()));
        }
        if (!skipped.isEmpty())
            line(QStringLiteral("completed, skipped: task %1").arg(skipped.join(QStringLiteral(", "))), 1);
        if (!concurrent) {
            for (quint32 index : pending)
                line(QStringLiteral("%1: %2").arg(task(index), remainingPhases(index)), 1);
            return;
        }
        const qsizetype split = concurrentPhaseCount(m_pipeline);
        for (quint32 index : pending) {
            if (resumedPhases(index) < split)
                line(QStringLiteral("%1: %2").arg(task(index), remainingPhases(index, 0, split, false)), 1);
        }
        if (c.commitAfterPhase2) {
            QStringList tasks;
            for (quint32 index : pending)
                tasks << QString::number(index);
            line(QStringLiteral("then one commit: git commit -m '%1'")
                     .arg(commitMessage(pending.first(), QStringLiteral("tasks ") + tasks.join(QStringLiteral(", ")))),
                 1);
        }
        if (split < m_pipeline.size()) {
            QStringList tails;
            for (quint32 index : pending)
                tails << QStringLiteral("task %1: %2").arg(index).arg(remainingPhases(index, split));
            line(QStringLiteral("then one task at a time in plan order: %1").arg(tails.join(QStringLiteral("; "))), 1);
        }
    }

    RunContext &m_run;
    const Pipeline &m_pipeline;
    const ReviewOutline *m_review;
    const Config &m_config;
    QString m_out;
};

} // namespace

QString describeRun(RunContext &run, const Pipeline &pipeline, const ReviewOutline *review, const QString &reviewNote)
{
    Describer d(run, pipeline, review);
    d.settings(reviewNote);
    d.phaseCommands();
    d.beforeFirstTask();
    d.segments();
    d.afterLastTask();
    return d.take();
}

QString describeNormalization(RunContext &run)
{
    const Config &c = run.config();
    return QStringLiteral("Dry run: nothing is started.\n\n"
                          "The plan %1 has no '## Task N' headings, so 'peal run' would first ask the agent "
                          "to normalise it:\n  %2\n(up to %3 attempts); its tasks are not known until then.\n")
        .arg(c.planPath, agentCommand(run, AgentMode::Normalize))
        .arg(1 + c.normalizeRetryCount);
}

} // namespace Peal::Internal
