// SPDX-License-Identifier: MIT
#include <peal/prompt.h>

#include <peal/textutil.h>

#include <QFile>

namespace Peal::Prompts {

namespace {

// "<instruction>\n\n<MARK>\n<content>\n<MARK>"
QString fenced(QStringView instruction, QStringView mark, QStringView content)
{
    return instruction + QStringLiteral("\n\n") + mark + u'\n' + content + u'\n' + mark;
}

const QString taskMark = QStringLiteral("---TASK---");
const QString planMark = QStringLiteral("---PLAN---");
const QString stetMark = QStringLiteral("---STET---");
const QString suggestionsMark = QStringLiteral("---SUGGESTIONS---");
const QString docMark = QStringLiteral("---DOC---");

} // namespace

QString plan(QStringView taskBody)
{
    return fenced(u"Create a plan for implementing this task:", taskMark, taskBody);
}

QString execute(QStringView planText)
{
    return fenced(u"Execute the following plan. Do not re-plan; only implement and test.",
                  planMark, planText);
}

QString resume(QStringView why)
{
    // The answer of a plan or triage call is read as the whole answer: ask for all of it.
    return QStringLiteral("Your previous turn on this task was interrupted before it finished (%1). Continue the "
                          "same work where you stopped, following the instructions at the start of this "
                          "conversation. The files may not be exactly as you left them: check what is already done "
                          "before you change anything. When you have finished, give your complete final answer as "
                          "those instructions ask for it - all of it, not only what changed since the interruption.")
        .arg(why);
}

QString address(QStringView reviewOutput, const std::optional<QString> &suggestions)
{
    QString prompt = fenced(
        u"Address the following stet review findings. Apply fixes and run tests.", stetMark,
        reviewOutput);
    if (suggestions)
        prompt += QStringLiteral("\n\n")
                  + fenced(u"Suggested fixes from stet:", suggestionsMark, *suggestions);
    return prompt;
}

QString triage(QStringView reviewOutput)
{
    return stetMark + u'\n' + reviewOutput + u'\n' + stetMark
           + QStringLiteral("\n\nAnything to address from this review?");
}

QString normalize(QStringView document)
{
    return fenced(
        QStringLiteral(
            "Rewrite the document below as a PEAL plan in canonical format, keeping its tasks "
            "and their details.\n"
            "\n"
            "Output rules:\n"
            "- Start every task with a heading of exactly this form, one per task, numbered in "
            "order: ## Task 1, ## Task 2, ## Task 3, ...\n"
            "- A task that can run at the same time as its neighbours may add the suffix "
            "\" (parallel)\" after its number, for example: ## Task 2 (parallel)\n"
            "- A task's body is every line from the line after its heading up to the next "
            "## Task N heading or the end of the file.\n"
            "- Output only the plan markdown: no preamble, no explanation."),
        docMark, document);
}

QString fromTemplate(QStringView templateText, QStringView document)
{
    QString prompt = templateText.toString();
    prompt.replace(QStringLiteral("{{DOC}}"), document.toString());
    return prompt;
}

Result<QString> buildNormalize(QStringView document, const std::optional<QString> &templatePath, bool graph)
{
    if (!templatePath)
        return graph ? normalizeGraph(document) : normalize(document);
    const auto fail = [&](const QString &detail) {
        return Error(Error::Kind::Normalization,
                     QStringLiteral("Normalization prompt file %1: %2").arg(*templatePath, detail));
    };
    QFile file(*templatePath);
    if (!file.open(QIODevice::ReadOnly))
        return fail(file.errorString());
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return fail(file.errorString());
    const std::optional<QString> text = Text::decodeUtf8Document(bytes);
    if (!text)
        return fail(QStringLiteral("stream did not contain valid UTF-8"));
    return fromTemplate(*text, document);
}

QString planFormatGuide()
{
    return QStringLiteral(
        "You are helping write an implementation plan that PEAL (Plan-Execute-Address Loop) "
        "will carry out task by task: for each task a coding agent first writes a plan (plan "
        "mode), then implements it (execute mode), and a reviewer may then check the change. "
        "Write the plan as one markdown file in the format below so that PEAL can parse it.\n"
        "\n"
        "## Required format\n"
        "\n"
        "- Start each task with a heading of exactly this form: `## Task 1`, `## Task 2`, ... "
        "(decimal digits; no other heading style marks a task).\n"
        "- Add ` (parallel)` after the number, as in `## Task 2 (parallel)`, to mark a task "
        "that may run at the same time as the parallel tasks next to it. Consecutive parallel "
        "tasks may run concurrently; every other task runs alone, in order.\n"
        "- A task's body is everything after its heading up to the next `## Task N` line or "
        "the end of the file. Use UTF-8.\n"
        "- Text before `## Task 1` (a title, the goal) is allowed and ignored.\n"
        "- Make each body self-contained and testable: the agent sees one task at a time.\n"
        "\n"
        "## Example\n"
        "\n"
        "```markdown\n"
        "# Phase 2 — Search\n"
        "\n"
        "Source: docs/search-spec.md. Goal: full-text search over notes.\n"
        "\n"
        "## Task 1\n"
        "\n"
        "Add the search index described in docs/search-spec.md section 2, with unit tests.\n"
        "\n"
        "## Task 2 (parallel)\n"
        "\n"
        "Sub-phase 2a: the `search` CLI command that queries the index; tests for empty and "
        "multi-word queries.\n"
        "\n"
        "## Task 3 (parallel)\n"
        "\n"
        "Sub-phase 2b: rebuild the index when a note changes; test that edits are found.\n"
        "```\n"
        "\n"
        "## Guidance\n"
        "\n"
        "- Keep tasks small and testable: one sub-phase or one pull-request-sized change each.\n"
        "- Bodies may point to other documents (specs, designs) for detail.\n"
        "- Number tasks in ascending order; gaps are allowed.\n"
        "- Mark tasks `(parallel)` only when they are independent and safe to run at the same "
        "time (they touch different files).\n"
        "\n"
        "Output only the plan markdown. The user will save it to a file and run "
        "`peal run --plan <path> --repo <path>`.");
}

QStringList redactForLog(const QStringList &arguments)
{
    QStringList out = arguments;
    if (!out.isEmpty())
        out.last() = QStringLiteral("<prompt len=%1>").arg(Text::utf8Length(out.last()));
    return out;
}

} // namespace Peal::Prompts
