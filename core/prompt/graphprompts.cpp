// SPDX-License-Identifier: MIT
// The prompts of graph plans (`## Task 5 (after 2, 4)`), beyond the reference: `peal prompt
// --graph` and the normalisation that asks for a graph (normalize_graph). The reference's own
// texts (prompts.cpp) are untouched.
#include <peal/prompt.h>

namespace Peal::Prompts {

namespace {

const QString kAfterRules = QStringLiteral(
    "- A task may name the tasks it waits for after its number: `## Task 5 (after 2, 4)` starts task 5 only "
    "when tasks 2 and 4 are done. Use task numbers; list every task whose result this one needs. Tasks "
    "whose waits are done run at the same time, each in its own copy of the repository, so two tasks that "
    "do not wait for each other must not edit the same lines.\n"
    "- A task without `(after ...)` waits for the task before it (or for every task of the `(parallel)` "
    "group before it), as in a plan without `after`.\n"
    "- No task may wait for itself, and waits may not form a cycle.\n");

} // namespace

QString graphPlanFormatGuide()
{
    return QStringLiteral(
               "You are helping write an implementation plan that PEAL (Plan-Execute-Address Loop) will carry "
               "out: for each task a coding agent first writes a plan (plan mode), then implements it (execute "
               "mode), and a reviewer may then check the change. Write the plan as one markdown file in the "
               "format below, as a graph: each task names the tasks it needs, so that independent tasks run at "
               "the same time.\n"
               "\n"
               "## Required format\n"
               "\n"
               "- Start each task with a heading of exactly this form: `## Task 1`, `## Task 2`, ... (decimal "
               "digits; no other heading style marks a task).\n")
           + kAfterRules
           + QStringLiteral(
               "- A task's body is everything after its heading up to the next `## Task N` line or the end of "
               "the file. Use UTF-8. Text before `## Task 1` (a title, the goal) is allowed and ignored.\n"
               "- Make each body self-contained and testable: the agent sees one task at a time.\n"
               "\n"
               "## Example\n"
               "\n"
               "```markdown\n"
               "# Notes search\n"
               "\n"
               "## Task 1\n"
               "\n"
               "Add the data model for notes and its storage, with unit tests.\n"
               "\n"
               "## Task 2 (after 1)\n"
               "\n"
               "The `notes search` CLI command over the model; tests for empty and multi-word queries.\n"
               "\n"
               "## Task 3 (after 1)\n"
               "\n"
               "The HTTP endpoint GET /search over the model; tests for its status codes.\n"
               "\n"
               "## Task 4 (after 2, 3)\n"
               "\n"
               "Document the CLI command and the endpoint in docs/search.md.\n"
               "```\n"
               "\n"
               "Tasks 2 and 3 both need the model of task 1 and run at the same time once it is done; task 4 "
               "waits for both.\n");
}

QString normalizeGraph(QStringView document)
{
    return QStringLiteral(
               "Rewrite the following document into an implementation plan of small tasks that a coding agent "
               "carries out one at a time, as a graph: each task names the tasks it needs.\n"
               "\n"
               "---DOC---\n")
           + document.toString()
           + QStringLiteral(
               "\n---DOC---\n"
               "\n"
               "Output rules:\n"
               "- Start every task with a heading of exactly this form, one per task, numbered in order: "
               "## Task 1, ## Task 2, ## Task 3, ...\n")
           + kAfterRules
           + QStringLiteral(
               "- A task's body is every line from the line after its heading up to the next ## Task N heading "
               "or the end of the file.\n"
               "- Output only the plan markdown: no preamble, no explanation.");
}

} // namespace Peal::Prompts
