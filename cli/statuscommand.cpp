// SPDX-License-Identifier: MIT
#include "statuscommand.h"
#include "runprogress.h"
#include "statuswatch.h"
#include "workplace.h"

#include "console.h"

#include <peal/config.h>
#include <peal/exitcode.h>
#include <peal/journal.h>
#include <peal/log.h>
#include <peal/plan.h>
#include <peal/plangraph.h>
#include <peal/state.h>
#include <peal/summary.h>
#include <peal/taskledger.h>
#include <peal/textutil.h>
#include <peal/validation.h>

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

#include <unistd.h>

namespace Peal::Cli {

namespace {

// Everything status knows, gathered from files only.
struct Status
{
    Config config;
    Plan plan;
    bool canonical = true;
    QString stateFile;
    QString stateKind;    // "missing", "present", "mismatch", "invalid"
    QString stateNote;
    State state;
    TaskLedger ledger;    // how far each task got, when it speaks of this plan and repo
    QHash<quint32, QList<quint32>> waits; // a graph plan: what each task waits for
    std::optional<LastRun> lastRun;
    QString lastRunNote;  // why last_run.json is not used
    std::optional<RunSummary> summary;
    QString summaryPath;
    QString summaryNote;
    std::optional<qint64> activePid;
    QString runningNow; // the run in progress: "task 3 in execute" (its journal)
    QJsonArray waiting;       // the running peal's rate-limit waits (<state_dir>/waiting.json)
    QJsonObject spend;        // what this state's agent calls spent (spend.jsonl)
    QStringList planWarnings; // the "warning:" lines of a run about the plan's headings
    QStringList runWouldFail; // why `peal run` would stop before it starts, if it would

    // One row per task index (a duplicated index counts once, as the run does it once).
    struct Row
    {
        quint32 index = 0;
        bool parallel = false;
        QString status;      // done, done with findings left, failed, pending
        int segment = 0;     // 1-based
        QString segmentText; // "2 (parallel 2-3)"
    };
    QList<Row> rows;
    QList<quint32> pending;
};

QString count(qsizetype n, const QString &noun)
{
    return QStringLiteral("%1 %2%3").arg(n).arg(noun, n == 1 ? QString() : QStringLiteral("s"));
}

QString indexList(const QList<quint32> &indices)
{
    return indices.isEmpty() ? QStringLiteral("none") : Text::joinIndices(indices);
}

QJsonArray jsonIndices(const QList<quint32> &indices)
{
    QJsonArray out;
    for (quint32 i : indices)
        out.append(qint64(i));
    return out;
}

bool sameContext(const Config &c, const QString &plan, const QString &repo)
{
    return StateStore::samePlace(plan, c.planPath) && StateStore::samePlace(repo, c.repoPath);
}

// A task done by state.json's mark that owes no phase (a parallel block marks its tasks before
// their reviews).
bool isDone(const Status &st, quint32 index)
{
    return st.ledger.isDone(index, st.state.isTaskCompleted(index));
}

// The phase a run resumes the task at (task ledger); empty: from its first phase.
QString resumesAt(const Status &st, const Task &task)
{
    const std::optional<TaskLedger::Entry> e = st.ledger.entry(task.index);
    if (!e || e->done == 0 || e->taskDigest != TaskLedger::digest(task.content))
        return {};
    if (e->done < e->phases.size())
        return e->phases[e->done];
    return e->commitPending ? QStringLiteral("commit") : QString();
}

// done / findings / failed / pending for one task, and where a run resumes it.
QString taskStatus(const Status &st, const Task &task)
{
    const quint32 index = task.index;
    const bool done = isDone(st, index);
    if (done && st.summary && st.summary->tasksWithRemainingFindings.contains(index))
        return QStringLiteral("done, findings left");
    if (done)
        return QStringLiteral("done");
    const auto failedLast = [&st](quint32 t) {
        return (st.lastRun && st.lastRun->failedTasks.contains(t)) || (st.summary && st.summary->tasksFailed.contains(t));
    };
    QString status = failedLast(index) ? QStringLiteral("failed") : QStringLiteral("pending");
    if (!st.waits.isEmpty() && !failedLast(index)) {
        // A graph plan: whether it can start.
        QList<quint32> waiting;
        for (quint32 w : st.waits.value(index)) {
            if (failedLast(w))
                return QStringLiteral("blocked by task %1, which failed").arg(w);
            if (!isDone(st, w))
                waiting.append(w);
        }
        status = waiting.isEmpty() ? QStringLiteral("ready") : QStringLiteral("waiting for %1").arg(Text::joinIndices(waiting));
    }
    if (const QString next = resumesAt(st, task); !next.isEmpty())
        status += QStringLiteral(", resumes at %1").arg(next);
    return status;
}

void buildRows(Status &st)
{
    for (const Task &task : st.plan.tasks) {
        if (std::any_of(st.rows.cbegin(), st.rows.cend(), [&](const Status::Row &r) { return r.index == task.index; }))
            continue;
        Status::Row row{task.index, task.parallel, taskStatus(st, task), 0, QStringLiteral("?")};
        for (qsizetype i = 0; i < st.plan.segments.size(); ++i) {
            const Segment &seg = st.plan.segments[i];
            if (!seg.indices.contains(task.index))
                continue;
            row.segment = int(i + 1);
            row.segmentText = seg.isParallel() ? QStringLiteral("%1 (parallel %2-%3)")
                                                     .arg(i + 1)
                                                     .arg(seg.indices.first())
                                                     .arg(seg.indices.last())
                                               : QString::number(i + 1);
            break;
        }
        if (!isDone(st, task.index))
            st.pending.append(task.index);
        st.rows.append(row);
    }
}

Result<Status> gather(const Config &config)
{
    Status st;
    st.config = config;
    const Config &c = st.config;

    auto document = PlanParser::readDocument(c.planPath);
    if (!document)
        return document.error();
    st.canonical = document->canonical;
    st.plan = std::move(document->plan);
    if (PlanGraph::isGraph(st.plan))
        st.waits = PlanGraph::waitsFor(st.plan);
    for (const PlanNotice &error : std::as_const(document->graphErrors))
        st.runWouldFail << PlanParser::noticeLine(c.planPath, error);
    if (st.canonical) {
        for (const PlanNotice &notice : std::as_const(document->notices))
            st.planWarnings.append(PlanParser::noticeLine(c.planPath, notice));
        if (!st.planWarnings.isEmpty() && c.strictPlan)
            st.runWouldFail << QStringLiteral("%1 has %2 line(s) that look like task headings but are not "
                                              "(strict_plan is on)")
                                   .arg(c.planPath)
                                   .arg(st.planWarnings.size());
    }
    if (st.canonical ? st.plan.tasks.isEmpty() : !c.normalizePlan) {
        // As a run does: the warnings first (often they say why no heading was found).
        for (const QString &warning : std::as_const(st.planWarnings))
            printWarning(warning);
        return PlanParser::invalidPlanFile(c.planPath
                                           + QStringLiteral(": no task headings such as '## Task 1' found"));
    }
    if (auto writable = SummaryFile::checkWritable(SummaryFile::path(c)); !writable)
        st.runWouldFail << writable.error().toDisplayString();
    if (qEnvironmentVariableIsSet("PEAL_LOG") && !qEnvironmentVariable("PEAL_LOG").trimmed().isEmpty()) {
        if (auto valid = LogFilter::validate(qEnvironmentVariable("PEAL_LOG"), QStringLiteral("PEAL_LOG")); !valid)
            st.runWouldFail << valid.error().toDisplayString();
    }

    st.stateFile = StateStore::stateFilePath(c.stateDir);
    auto loaded = StateStore::load(c.stateDir);
    if (!loaded) {
        st.stateKind = QStringLiteral("unreadable");
        st.stateNote = loaded.error().toDisplayString();
        st.runWouldFail << st.stateNote;
    } else if (loaded->isInvalid()) {
        st.stateKind = QStringLiteral("invalid");
        st.stateNote = loaded->invalidWarning(c.stateDir)
                       + QStringLiteral("; a run would move it aside and start fresh");
    } else if (!loaded->state) {
        st.stateKind = QStringLiteral("missing");
    } else if (!loaded->state->matchesContext(c.planPath, c.repoPath)) {
        st.stateKind = QStringLiteral("mismatch");
        st.stateNote = QStringLiteral("it belongs to plan %1 and repo %2; a run would move it aside and start fresh")
                           .arg(loaded->state->planPath(), loaded->state->repoPath());
    } else {
        st.stateKind = QStringLiteral("present");
        st.state = *loaded->state;
    }
    if (st.stateKind == u"present" || st.stateKind == u"missing") {
        auto ledger = TaskLedger::load(c.stateDir);
        if (!ledger)
            st.runWouldFail << ledger.error().toDisplayString();
        else if (ledger->planPath().isEmpty() || sameContext(c, ledger->planPath(), ledger->repoPath()))
            st.ledger = std::move(*ledger);
    }

    if (auto last = LastRunFile::read(c.stateDir); !last) {
        st.lastRunNote = last.error().toDisplayString();
    } else if (*last && !sameContext(c, (*last)->planPath, (*last)->repoPath)) {
        st.lastRunNote = QStringLiteral("the last run used another plan or repo");
    } else {
        st.lastRun = *last;
    }

    st.summaryPath = SummaryFile::path(c);
    QFile summaryFile(st.summaryPath);
    if (summaryFile.open(QIODevice::ReadOnly)) {
        auto summary = RunSummary::fromJson(summaryFile.read(1 << 20));
        if (!summary)
            st.summaryNote = QStringLiteral("unreadable: ") + summary.error().message();
        else if (!sameContext(c, summary->planPath, summary->repoPath))
            st.summaryNote = QStringLiteral("written for another plan or repo");
        else
            st.summary = *summary;
    }
    st.spend = StateStore::readSpend(c.stateDir);
    st.activePid = StateLock::activeHolder(c.stateDir);
    if (st.activePid) {
        // Written by the run that holds the lock; one of another pid is left over.
        QFile file(StateStore::pathIn(c.stateDir, QStringLiteral("waiting.json")));
        const QJsonObject waiting =
            file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.read(1 << 20)).object() : QJsonObject();
        if (waiting.value(u"pid").toInteger(-1) == *st.activePid)
            st.waiting = waiting.value(u"waiting").toArray();
    }
    if (st.activePid) {
        RunProgress run;
        const QString journal = RunProgress::newestJournal(c.stateDir);
        if (auto events = journal.isEmpty() ? Result<QList<QJsonObject>>(QList<QJsonObject>()) : RunJournal::read(journal); events) {
            for (const QJsonObject &e : std::as_const(*events))
                (void)run.apply(e);
        }
        st.runningNow = run.running();
    }
    if (st.activePid)
        st.runWouldFail << QStringLiteral("a run is in progress (pid %1) and holds %2; 'peal run' would be refused "
                                          "until it ends")
                               .arg(*st.activePid)
                               .arg(StateLock::lockFilePath(c.stateDir));
    buildRows(st);
    return st;
}

QString nextStep(const Status &st)
{
    const QList<quint32> &pending = st.pending;
    if (st.activePid) {
        // What the run is doing, from its journal.
        QString now;
        if (!st.runningNow.isEmpty())
            now = QStringLiteral(": ") + st.runningNow;
        return QStringLiteral("a run is in progress (pid %1)%2; 'peal run' would be refused until it ends "
                              "('peal status --watch' follows it)")
            .arg(*st.activePid)
            .arg(now);
    }
    if (!st.runWouldFail.isEmpty())
        return QStringLiteral("'peal run' would stop before it starts: ") + st.runWouldFail.first();
    if (!st.canonical)
        return QStringLiteral("the plan is not in canonical form: 'peal run' would first normalise it "
                              "through the agent, then run every task");
    if (pending.isEmpty())
        return st.config.postRunCommands.isEmpty()
                   ? QStringLiteral("every task is done; 'peal run' has nothing to do")
                   : QStringLiteral("every task is done; 'peal run' would only run the post-run commands");
    const bool fresh = st.stateKind != u"present";
    return QStringLiteral("'peal run' would %1 at task %2 (%3 of %4 tasks left)")
        .arg(fresh ? QStringLiteral("start fresh") : QStringLiteral("resume"))
        .arg(pending.first())
        .arg(pending.size())
        .arg(st.rows.size());
}

QString describeLastRun(const LastRun &r)
{
    QString text = QStringLiteral("%1, exit %2 (%3)").arg(r.finishedAt).arg(r.exitCode).arg(r.outcome);
    if (!r.error.isEmpty())
        text += QStringLiteral(": ") + r.error;
    return text;
}

// "4 agent calls in 8.6 s, 800 tokens in, 160 out, $0.0040, 4 turns; failures: rate_limit 1".
QString describeUsage(const QJsonObject &usage)
{
    if (usage.isEmpty())
        return QString();
    QString text = QStringLiteral("%1 agent call(s) in %2 s, %3 tokens in, %4 out")
                       .arg(usage.value(u"agent_calls").toInteger())
                       .arg(usage.value(u"duration_ms").toDouble() / 1000.0, 0, 'f', 1)
                       .arg(usage.value(u"input_tokens").toInteger())
                       .arg(usage.value(u"output_tokens").toInteger());
    if (usage.contains(u"cost_usd"))
        text += QStringLiteral(", $%1").arg(usage.value(u"cost_usd").toDouble(), 0, 'f', 4);
    if (usage.value(u"turns").toInteger() > 0)
        text += QStringLiteral(", %1 turn(s)").arg(usage.value(u"turns").toInteger());
    const QJsonObject failures = usage.value(u"failures").toObject();
    QStringList classes;
    for (auto it = failures.begin(); it != failures.end(); ++it)
        classes << QStringLiteral("%1 %2").arg(it.key()).arg(it.value().toInteger());
    if (!classes.isEmpty())
        text += QStringLiteral("; failures: ") + classes.join(QStringLiteral(", "));
    return text;
}

QString textReport(const Status &st)
{
    const Config &c = st.config;
    QString t;
    const auto row = [&](const QString &label, const QString &value) {
        t += QStringLiteral("%1 %2\n").arg(label + u':', -10).arg(value);
    };
    row(QStringLiteral("plan"), QStringLiteral("%1 (%2, %3)")
                                    .arg(c.planPath, count(st.plan.tasks.size(), QStringLiteral("task")),
                                         count(st.plan.segments.size(), QStringLiteral("segment"))));
    row(QStringLiteral("repo"), c.repoPath);
    if (st.stateKind == u"present")
        row(QStringLiteral("state"), QStringLiteral("%1 (%2 of %3 tasks done)")
                                         .arg(st.stateFile)
                                         .arg(st.rows.size() - st.pending.size())
                                         .arg(st.rows.size()));
    else if (st.stateKind == u"missing")
        row(QStringLiteral("state"), QStringLiteral("%1 does not exist yet (no task completed)").arg(st.stateFile));
    else
        row(QStringLiteral("state"), QStringLiteral("%1: %2").arg(st.stateFile, st.stateNote));
    if (st.lastRun) {
        row(QStringLiteral("last run"), describeLastRun(*st.lastRun));
        if (const QString usage = describeUsage(st.lastRun->usage); !usage.isEmpty())
            row(QStringLiteral("usage"), usage);
    } else
        row(QStringLiteral("last run"), st.lastRunNote.isEmpty() ? QStringLiteral("none recorded") : st.lastRunNote);
    if (st.summary)
        row(QStringLiteral("summary"), QStringLiteral("%1: exit %2 at %3; completed %4; failed %5; findings left %6")
                                           .arg(st.summaryPath)
                                           .arg(st.summary->exitCode)
                                           .arg(st.summary->completedAt, indexList(st.summary->tasksCompleted),
                                                indexList(st.summary->tasksFailed),
                                                indexList(st.summary->tasksWithRemainingFindings)));
    else if (!st.summaryNote.isEmpty())
        row(QStringLiteral("summary"), QStringLiteral("%1: %2").arg(st.summaryPath, st.summaryNote));
    row(QStringLiteral("phases"), c.phases.join(QStringLiteral(", ")));
    if (st.spend.value(u"tokens").isDouble()) {
        // Budgets count this (docs/unattended.md); the per-task limits are checked per task.
        const double cost = st.spend.value(u"cost_usd").toDouble();
        const qint64 tokens = st.spend.value(u"tokens").toInteger();
        QString line = QStringLiteral("$%1, %2 tokens by the agent calls of this state").arg(cost, 0, 'f', 4).arg(tokens);
        QStringList reached;
        if (c.maxCostUsd && cost >= *c.maxCostUsd)
            reached << QStringLiteral("max_cost_usd = %1").arg(*c.maxCostUsd);
        if (c.maxTokens && quint64(tokens) >= *c.maxTokens)
            reached << QStringLiteral("max_tokens = %1").arg(*c.maxTokens);
        if (!reached.isEmpty())
            line += QStringLiteral(" (budget reached: %1)").arg(reached.join(QStringLiteral(", ")));
        row(QStringLiteral("spent"), line);
    }
    for (const QJsonValue &value : st.waiting) {
        const QJsonObject w = value.toObject();
        const QDateTime until = QDateTime::fromString(w.value(u"until").toString(), Qt::ISODate);
        QString line = QStringLiteral("for rate limit (%1), resumes %2")
                           .arg(w.value(u"back_end").toString(), Text::clockTime(until, QDateTime::currentDateTimeUtc()));
        if (const qint64 task = w.value(u"task").toInteger(); task > 0)
            line += QStringLiteral(" (task %1, %2)").arg(task).arg(w.value(u"phase").toString());
        row(QStringLiteral("waiting"), line);
    }

    if (st.canonical) {
        t += QStringLiteral("\n  %1  %2  %3\n").arg(QStringLiteral("task"), -6).arg(QStringLiteral("status"), -19)
                 .arg(QStringLiteral("segment"));
        for (const Status::Row &task : st.rows)
            t += QStringLiteral("  %1  %2  %3\n").arg(QString::number(task.index), -6)
                     .arg(task.status, -19)
                     .arg(task.segmentText);
    }
    t += QStringLiteral("\nnext: %1\n").arg(nextStep(st));
    return t;
}

QString jsonReport(const Status &st)
{
    const Config &c = st.config;
    const QList<quint32> &pending = st.pending;
    QJsonObject o;
    o.insert(QStringLiteral("plan_path"), c.planPath);
    o.insert(QStringLiteral("repo_path"), c.repoPath);
    o.insert(QStringLiteral("canonical"), st.canonical);
    o.insert(QStringLiteral("state_file"), st.stateFile);
    o.insert(QStringLiteral("state"), st.stateKind);
    QJsonArray tasks;
    for (const Status::Row &row : st.rows) {
        QJsonObject item;
        item.insert(QStringLiteral("index"), qint64(row.index));
        item.insert(QStringLiteral("status"), row.status);
        item.insert(QStringLiteral("segment"), row.segment);
        item.insert(QStringLiteral("parallel"), row.parallel);
        tasks.append(item);
    }
    o.insert(QStringLiteral("tasks"), tasks);
    o.insert(QStringLiteral("completed"), jsonIndices(st.state.completedTaskIndices()));
    o.insert(QStringLiteral("pending"), jsonIndices(pending));
    o.insert(QStringLiteral("next_task"), pending.isEmpty() || !st.canonical || !st.runWouldFail.isEmpty()
                                              ? QJsonValue()
                                              : QJsonValue(qint64(pending.first())));
    o.insert(QStringLiteral("running_pid"), st.activePid ? QJsonValue(*st.activePid) : QJsonValue());
    if (!st.runningNow.isEmpty())
        o.insert(QStringLiteral("running_now"), st.runningNow);
    o.insert(QStringLiteral("waiting"), st.waiting);
    o.insert(QStringLiteral("spend"), st.spend.isEmpty() ? QJsonValue() : QJsonValue(st.spend));
    o.insert(QStringLiteral("last_run"), st.lastRun ? QJsonDocument::fromJson(st.lastRun->toJson()).object()
                                                    : QJsonValue());
    o.insert(QStringLiteral("summary"), st.summary ? QJsonDocument::fromJson(st.summary->toJson()).object()
                                                   : QJsonValue());
    o.insert(QStringLiteral("plan_warnings"), QJsonArray::fromStringList(st.planWarnings));
    o.insert(QStringLiteral("run_would_fail"), QJsonArray::fromStringList(st.runWouldFail));
    o.insert(QStringLiteral("next"), nextStep(st));
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented));
}

} // namespace

StatusCommand::StatusCommand(CommandLine commandLine, QObject *parent)
    : QObject(parent), m_commandLine(std::move(commandLine))
{
}

void StatusCommand::start()
{
    auto config = loadConfigHere(m_commandLine);
    if (!config) {
        printError(config.error().toDisplayString());
        return Q_EMIT finished(toInt(ExitCode::Failure));
    }
    if (m_commandLine.watch) {
        StatusWatch watch(config->stateDir, ::isatty(STDOUT_FILENO) == 1);
        return Q_EMIT finished(watch.run());
    }
    // What `peal run` checks first: a run that would fail here gets no report of what it
    // would do.
    validateConfig(*config, this, [this, config = *config](Result<void> valid) {
        if (!valid) {
            printError(valid.error().toDisplayString());
            return Q_EMIT finished(toInt(ExitCode::Failure));
        }
        report(config);
    });
}

void StatusCommand::report(const Config &config)
{
    auto status = gather(config);
    if (!status) {
        printError(status.error().toDisplayString());
        return Q_EMIT finished(toInt(ExitCode::Failure));
    }
    // The same warnings as a run, on stderr, so the report on stdout stays what it was.
    for (const QString &warning : std::as_const(status->planWarnings))
        printWarning(warning);
    printOut(m_commandLine.json ? jsonReport(*status) : textReport(*status));
    if (!status->runWouldFail.isEmpty()) {
        for (const QString &why : std::as_const(status->runWouldFail))
            printError(QStringLiteral("'peal run' would stop: ") + why);
        return Q_EMIT finished(toInt(ExitCode::Failure));
    }
    Q_EMIT finished(toInt(ExitCode::Success));
}

} // namespace Peal::Cli
