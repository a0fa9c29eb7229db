// SPDX-License-Identifier: MIT
#include "statuscommand.h"

#include "console.h"

#include <peal/config.h>
#include <peal/exitcode.h>
#include <peal/plan.h>
#include <peal/state.h>
#include <peal/summary.h>
#include <peal/textutil.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

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
    std::optional<LastRun> lastRun;
    QString lastRunNote;  // why last_run.json is not used
    std::optional<RunSummary> summary;
    QString summaryPath;
    QString summaryNote;
    std::optional<qint64> activePid;
};

QString count(qsizetype n, const QString &noun)
{
    return QStringLiteral("%1 %2%3").arg(n).arg(noun, n == 1 ? QString() : QStringLiteral("s"));
}

QString indexList(const QList<quint32> &indices)
{
    QStringList parts;
    for (quint32 i : indices)
        parts << QString::number(i);
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", "));
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
    return StateStore::samePath(plan, c.planPath) && StateStore::samePath(repo, c.repoPath);
}

Result<Status> gather(const CommandLine &commandLine)
{
    Status st;
    auto config = ConfigLoader::load(commandLine.configFile, commandLine.cliLayer,
                                     ConfigLoader::systemEnvironment());
    if (!config)
        return config.error();
    st.config = *config;
    const Config &c = st.config;

    auto text = PlanParser::readFile(c.planPath);
    if (!text)
        return text.error();
    st.canonical = PlanParser::isCanonical(*text);
    st.plan = PlanParser::parse(*text);
    if (st.canonical ? st.plan.tasks.isEmpty() : !c.normalizePlan)
        return PlanParser::invalidPlanFile(c.planPath
                                           + QStringLiteral(": no task headings such as '## Task 1' found"));

    st.stateFile = StateStore::stateFilePath(c.stateDir);
    auto loaded = StateStore::load(c.stateDir);
    if (!loaded) {
        st.stateKind = QStringLiteral("invalid");
        st.stateNote = loaded.error().toDisplayString();
    } else if (!loaded->warning.isEmpty()) {
        st.stateKind = QStringLiteral("invalid");
        st.stateNote = loaded->warning + QStringLiteral("; a run would start fresh");
    } else if (!loaded->state) {
        st.stateKind = QStringLiteral("missing");
    } else if (!loaded->state->matchesContext(c.planPath, c.repoPath)) {
        st.stateKind = QStringLiteral("mismatch");
        st.stateNote = QStringLiteral("it belongs to plan %1 and repo %2; a run would start fresh")
                           .arg(loaded->state->planPath(), loaded->state->repoPath());
    } else {
        st.stateKind = QStringLiteral("present");
        st.state = *loaded->state;
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
    st.activePid = StateLock::activeHolder(c.stateDir);
    return st;
}

// done / findings / failed / pending for one task.
QString taskStatus(const Status &st, quint32 index)
{
    const bool done = st.state.isTaskCompleted(index);
    if (done && st.summary && st.summary->tasksWithRemainingFindings.contains(index))
        return QStringLiteral("done, findings left");
    if (done)
        return QStringLiteral("done");
    const bool failedLast = (st.lastRun && st.lastRun->failedTasks.contains(index))
                            || (st.summary && st.summary->tasksFailed.contains(index));
    return failedLast ? QStringLiteral("failed") : QStringLiteral("pending");
}

QList<quint32> pendingTasks(const Status &st)
{
    QList<quint32> pending;
    for (const Task &t : st.plan.tasks) {
        if (!st.state.isTaskCompleted(t.index) && !pending.contains(t.index))
            pending.append(t.index);
    }
    return pending;
}

QString segmentOf(const Status &st, quint32 index, int *number)
{
    for (qsizetype i = 0; i < st.plan.segments.size(); ++i) {
        const Segment &seg = st.plan.segments[i];
        if (!seg.indices.contains(index))
            continue;
        *number = int(i + 1);
        if (!seg.isParallel())
            return QString::number(i + 1);
        return QStringLiteral("%1 (parallel %2-%3)").arg(i + 1).arg(seg.indices.first()).arg(seg.indices.last());
    }
    *number = 0;
    return QStringLiteral("?");
}

QString nextStep(const Status &st, const QList<quint32> &pending)
{
    if (st.activePid)
        return QStringLiteral("a run is in progress (pid %1); 'peal run' would be refused until it ends")
            .arg(*st.activePid);
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
        .arg(st.plan.indices().size());
}

QString describeLastRun(const LastRun &r)
{
    QString text = QStringLiteral("%1, exit %2 (%3)").arg(r.finishedAt).arg(r.exitCode).arg(r.outcome);
    if (!r.error.isEmpty())
        text += QStringLiteral(": ") + r.error;
    return text;
}

QString textReport(const Status &st)
{
    const Config &c = st.config;
    const QList<quint32> pending = pendingTasks(st);
    QString t;
    const auto row = [&](const QString &label, const QString &value) {
        t += QStringLiteral("%1 %2\n").arg(label + u':', -10).arg(value);
    };
    row(QStringLiteral("plan"), QStringLiteral("%1 (%2, %3)")
                                    .arg(c.planPath, count(st.plan.tasks.size(), QStringLiteral("task")),
                                         count(st.plan.segments.size(), QStringLiteral("segment"))));
    row(QStringLiteral("repo"), c.repoPath);
    if (st.stateKind == u"present")
        row(QStringLiteral("state"), QStringLiteral("%1 (%2 of %3 tasks completed)")
                                         .arg(st.stateFile)
                                         .arg(st.state.completedTaskIndices().size())
                                         .arg(st.plan.indices().size()));
    else if (st.stateKind == u"missing")
        row(QStringLiteral("state"), QStringLiteral("%1 does not exist yet (no task completed)").arg(st.stateFile));
    else
        row(QStringLiteral("state"), QStringLiteral("%1: %2").arg(st.stateFile, st.stateNote));
    if (st.lastRun)
        row(QStringLiteral("last run"), describeLastRun(*st.lastRun));
    else
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

    if (st.canonical) {
        t += QStringLiteral("\n  %1  %2  %3\n").arg(QStringLiteral("task"), -6).arg(QStringLiteral("status"), -19)
                 .arg(QStringLiteral("segment"));
        QList<quint32> shown;
        for (const Task &task : st.plan.tasks) {
            if (shown.contains(task.index))
                continue;
            shown.append(task.index);
            int number = 0;
            t += QStringLiteral("  %1  %2  %3\n").arg(QString::number(task.index), -6)
                     .arg(taskStatus(st, task.index), -19)
                     .arg(segmentOf(st, task.index, &number));
        }
    }
    t += QStringLiteral("\nnext: %1\n").arg(nextStep(st, pending));
    return t;
}

QString jsonReport(const Status &st)
{
    const Config &c = st.config;
    const QList<quint32> pending = pendingTasks(st);
    QJsonObject o;
    o.insert(QStringLiteral("plan_path"), c.planPath);
    o.insert(QStringLiteral("repo_path"), c.repoPath);
    o.insert(QStringLiteral("canonical"), st.canonical);
    o.insert(QStringLiteral("state_file"), st.stateFile);
    o.insert(QStringLiteral("state"), st.stateKind);
    QJsonArray tasks;
    QList<quint32> shown;
    for (const Task &task : st.plan.tasks) {
        if (shown.contains(task.index))
            continue;
        shown.append(task.index);
        int segment = 0;
        segmentOf(st, task.index, &segment);
        QJsonObject item;
        item.insert(QStringLiteral("index"), qint64(task.index));
        item.insert(QStringLiteral("status"), taskStatus(st, task.index));
        item.insert(QStringLiteral("segment"), segment);
        item.insert(QStringLiteral("parallel"), task.parallel);
        tasks.append(item);
    }
    o.insert(QStringLiteral("tasks"), tasks);
    o.insert(QStringLiteral("completed"), jsonIndices(st.state.completedTaskIndices()));
    o.insert(QStringLiteral("pending"), jsonIndices(pending));
    o.insert(QStringLiteral("next_task"), pending.isEmpty() || !st.canonical ? QJsonValue() : QJsonValue(qint64(pending.first())));
    o.insert(QStringLiteral("running_pid"), st.activePid ? QJsonValue(*st.activePid) : QJsonValue());
    o.insert(QStringLiteral("last_run"), st.lastRun ? QJsonDocument::fromJson(st.lastRun->toJson()).object()
                                                    : QJsonValue());
    o.insert(QStringLiteral("summary"), st.summary ? QJsonDocument::fromJson(st.summary->toJson()).object()
                                                   : QJsonValue());
    o.insert(QStringLiteral("next"), nextStep(st, pending));
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented));
}

} // namespace

int runStatusCommand(const CommandLine &commandLine)
{
    auto status = gather(commandLine);
    if (!status) {
        printError(status.error().toDisplayString());
        return toInt(ExitCode::Failure);
    }
    printOut(commandLine.json ? jsonReport(*status) : textReport(*status));
    return toInt(ExitCode::Success);
}

} // namespace Peal::Cli
