// SPDX-License-Identifier: MIT
#include <peal/plan.h>
#include <peal/textutil.h>

#include <QFile>
#include <QRegularExpression>

#include <algorithm>
#include <limits>

namespace Peal {

QString Segment::toString() const
{
    if (kind == Kind::Sequential)
        return QStringLiteral("Seq%1").arg(indices.value(0));
    QStringList parts;
    for (quint32 i : indices)
        parts.append(QString::number(i));
    return QStringLiteral("Par[%1]").arg(parts.join(u','));
}

const Task *Plan::taskByIndex(quint32 index) const
{
    for (const Task &task : tasks) {
        if (task.index == index)
            return &task;
    }
    return nullptr;
}

QList<quint32> Plan::indices() const
{
    QList<quint32> out;
    out.reserve(tasks.size());
    for (const Task &task : tasks)
        out.append(task.index);
    return out;
}

namespace PlanParser {

namespace {

// \s and \d are Unicode-aware, as in the reference's regex engine.
const QRegularExpression &canonicalLine()
{
    static const QRegularExpression re(QStringLiteral("^## Task\\s+\\d+"),
                                       QRegularExpression::UseUnicodePropertiesOption);
    return re;
}

const QRegularExpression &headingLine()
{
    static const QRegularExpression re(QStringLiteral("^## Task\\s+(\\d+)\\s*(\\(parallel\\))?\\s*$"),
                                       QRegularExpression::UseUnicodePropertiesOption);
    return re;
}

QString normalizeNewlines(QStringView content)
{
    QString text = content.toString();
    text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    return text;
}

// The heading's index as a u32. Non-ASCII digits or an out-of-range value make the line a body
// line instead of a heading (the reference panics here; spec §14.3).
std::optional<quint32> parseIndex(QStringView digits)
{
    quint64 value = 0;
    for (QChar c : digits) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        value = value * 10 + quint64(c.unicode() - u'0');
        if (value > std::numeric_limits<quint32>::max())
            return std::nullopt;
    }
    return quint32(value);
}

Plan withSegments(QList<Task> tasks)
{
    Plan plan;
    plan.segments = computeSegments(tasks);
    plan.tasks = std::move(tasks);
    return plan;
}

} // namespace

bool isCanonical(QStringView content)
{
    const QString text = normalizeNewlines(content);
    for (const QString &line : Text::lines(text)) {
        if (canonicalLine().match(line).hasMatch())
            return true;
    }
    return false;
}

Plan parse(QStringView content)
{
    const QString text = normalizeNewlines(content);
    QList<Task> tasks;
    QStringList body;
    std::optional<Task> current;
    const auto flush = [&] {
        if (current) {
            current->content = body.join(u'\n').trimmed();
            tasks.append(*current);
        }
        body.clear();
    };
    for (const QString &line : Text::lines(text)) {
        const QRegularExpressionMatch m = headingLine().match(line);
        const std::optional<quint32> index = m.hasMatch() ? parseIndex(m.capturedView(1))
                                                          : std::nullopt;
        if (index) {
            flush();
            current = Task{*index, QString(), m.capturedLength(2) > 0};
        } else if (current) {
            body.append(line);
        }
    }
    flush();
    std::stable_sort(tasks.begin(), tasks.end(),
                     [](const Task &a, const Task &b) { return a.index < b.index; });
    return withSegments(std::move(tasks));
}

QList<Segment> computeSegments(const QList<Task> &tasks)
{
    QList<Segment> segments;
    QList<quint32> block;
    const auto closeBlock = [&] {
        if (block.size() == 1)
            segments.append(Segment::sequential(block.first()));
        else if (block.size() > 1)
            segments.append(Segment::parallelBlock(block));
        block.clear();
    };
    for (const Task &task : tasks) {
        if (task.parallel) {
            block.append(task.index);
        } else {
            closeBlock();
            segments.append(Segment::sequential(task.index));
        }
    }
    closeBlock();
    return segments;
}

Error invalidPlanFile(const QString &hint)
{
    return Error(Error::Kind::PlanFile, QStringLiteral("Invalid or missing plan file."), hint);
}

Result<QString> readFile(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return invalidPlanFile(path + QStringLiteral(": no such file"));
    if (!file.open(QIODevice::ReadOnly))
        return invalidPlanFile(path + QStringLiteral(": ") + file.errorString());
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return invalidPlanFile(path + QStringLiteral(": ") + file.errorString());
    std::optional<QString> text = Text::decodeUtf8Document(bytes);
    if (!text)
        return invalidPlanFile(path + QStringLiteral(": not valid UTF-8"));
    return *text;
}

Result<Plan> parseFile(const QString &path)
{
    auto text = readFile(path);
    if (!text)
        return text.error();
    return parse(*text);
}

Error taskNotFound(quint32 index, const Plan &plan)
{
    return Error(Error::Kind::TaskNotFound,
                 QStringLiteral("Task %1 not found in plan (available: %2)")
                     .arg(index)
                     .arg(Text::debugList(plan.indices())));
}

Result<Plan> filterSingleTask(const Plan &plan, quint32 index)
{
    QList<Task> kept;
    for (const Task &task : plan.tasks) {
        if (task.index == index)
            kept.append(task);
    }
    if (kept.isEmpty())
        return taskNotFound(index, plan);
    return withSegments(std::move(kept));
}

Result<Plan> filterFromTask(const Plan &plan, quint32 index)
{
    const auto it = std::find_if(plan.tasks.cbegin(), plan.tasks.cend(),
                                 [&](const Task &t) { return t.index == index; });
    if (it == plan.tasks.cend())
        return taskNotFound(index, plan);
    return withSegments(QList<Task>(it, plan.tasks.cend()));
}

QString snippetForParseFailure(QStringView output)
{
    constexpr qsizetype maxLines = 20;
    constexpr qsizetype maxBytes = 500;
    const QString suffix = QStringLiteral("... (truncated)");
    const QStringList all = Text::lines(output);
    const QString head = all.mid(0, maxLines).join(u'\n');
    if (Text::utf8Length(head) <= maxBytes)
        return all.size() > maxLines ? head + u'\n' + suffix : head;
    // Cut at the first character boundary at or after byte 485, as the reference does.
    const qsizetype cut = maxBytes - Text::utf8Length(suffix);
    QString prefix = Text::truncateUtf8(head, cut);
    if (Text::utf8Length(prefix) < cut && prefix.size() < head.size())
        prefix = head.left(prefix.size() + (head[prefix.size()].isHighSurrogate() ? 2 : 1));
    return prefix + suffix;
}

Result<Plan> parseOrFailWithSnippet(QStringView output)
{
    Plan plan = parse(output);
    if (!isCanonical(output) || plan.tasks.isEmpty())
        return Error(Error::Kind::Normalization,
                     QStringLiteral("Normalized plan output could not be parsed (no canonical "
                                    "tasks found). Snippet:\n")
                         + snippetForParseFailure(output));
    return plan;
}

} // namespace PlanParser

} // namespace Peal
