// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/result.h>

#include <QList>
#include <QString>

namespace Peal {

struct PEAL_EXPORT Task
{
    quint32 index = 0;
    QString content;   // body between this heading and the next, trimmed
    bool parallel = false;
    // `## Task 5 (after 2, 4)`: the tasks this one waits for (a graph plan, beyond the
    // reference); empty without `after`.
    QList<quint32> after = {};
    bool hasAfter = false;
    friend bool operator==(const Task &, const Task &) = default;
};

// One step of the schedule: a single task, or a block of two or more consecutive
// (parallel) tasks whose phases 1-2 may run concurrently.
struct PEAL_EXPORT Segment
{
    enum class Kind { Sequential, Parallel };
    Kind kind = Kind::Sequential;
    QList<quint32> indices;

    static Segment sequential(quint32 index) { return {Kind::Sequential, {index}}; }
    static Segment parallelBlock(QList<quint32> indices) { return {Kind::Parallel, indices}; }
    bool isParallel() const { return kind == Kind::Parallel; }
    QString toString() const; // "Seq1" / "Par[2,3]", for logs and tests
    friend bool operator==(const Segment &, const Segment &) = default;
};

struct PEAL_EXPORT Plan
{
    QList<Task> tasks;       // stably sorted by index; duplicates kept in file order
    QList<Segment> segments; // the execution schedule

    // The first task with that index, or nullptr.
    const Task *taskByIndex(quint32 index) const;
    QList<quint32> indices() const;
};

// A line of a plan that looks like a task heading but is not one (or repeats an index): what
// peal did with it and how to write it. The reference parses these lines silently.
struct PEAL_EXPORT PlanNotice
{
    int line = 0;     // 1-based line number in the file
    QString text;     // "'## Task 2: title' is not a task heading: ..."
    friend bool operator==(const PlanNotice &, const PlanNotice &) = default;
};

// A plan document as read: the parsed plan, whether it is canonical (spec §3.2) and notices.
struct PEAL_EXPORT PlanDocument
{
    Plan plan;
    bool canonical = false;
    QList<PlanNotice> notices;
    // A graph plan's errors (a malformed `after` list, an unknown task, a task waiting for
    // itself, a cycle): the plan cannot run.
    QList<PlanNotice> graphErrors;
};

namespace PlanParser {

// One pass over UTF-8 text (a BOM already dropped): the plan, canonical detection and the
// notices. `parse` and `isCanonical` are this function's parts.
PEAL_EXPORT PlanDocument parseDocument(QByteArrayView utf8);
// Reads and parses a plan file; errors as readFile().
PEAL_EXPORT Result<PlanDocument> readDocument(const QString &path);
// "<path>:<line>: <text>", the warning line of a notice.
PEAL_EXPORT QString noticeLine(const QString &path, const PlanNotice &notice);

// Spec §3.2: some line starts with "## Task", whitespace and a digit (CRLF tolerated).
PEAL_EXPORT bool isCanonical(QStringView content);

// Spec §3.3: never fails; a document without headings yields an empty plan.
PEAL_EXPORT Plan parse(QStringView content);

PEAL_EXPORT QList<Segment> computeSegments(const QList<Task> &tasks);

// Reads a plan file as UTF-8 (spec §3.1). Every failure is "Invalid or missing plan file.",
// with the reason in the hint.
PEAL_EXPORT Result<QString> readFile(const QString &path);
// The file's bytes, checked to be UTF-8, a leading byte order mark dropped.
PEAL_EXPORT Result<QByteArray> readBytes(const QString &path);
PEAL_EXPORT Result<Plan> parseFile(const QString &path);

// Spec §3.5: --task and --from-task.
PEAL_EXPORT Result<Plan> filterSingleTask(const Plan &plan, quint32 index);
PEAL_EXPORT Result<Plan> filterFromTask(const Plan &plan, quint32 index);

// Spec §3.7: parse agent output, failing with a bounded snippet when it has no tasks.
PEAL_EXPORT Result<Plan> parseOrFailWithSnippet(QStringView output);
PEAL_EXPORT QString snippetForParseFailure(QStringView output);

PEAL_EXPORT Error taskNotFound(quint32 index, const Plan &plan);
PEAL_EXPORT Error invalidPlanFile(const QString &hint);

} // namespace PlanParser

} // namespace Peal
