// SPDX-License-Identifier: MIT
#include <peal/plan.h>
#include <peal/plangraph.h>
#include <peal/textutil.h>

#include <QFile>
#include <QHash>
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

// The code point at `i`, moving `i` past it (a surrogate pair is one code point).
char32_t nextCodePoint(QStringView text, qsizetype &i)
{
    const QChar c = text[i++];
    if (c.isHighSurrogate() && i < text.size() && text[i].isLowSurrogate())
        return QChar::surrogateToUcs4(c, text[i++]);
    return c.unicode();
}

// Moves `i` past the code points that `accept`; returns how many there were.
template<typename Accept>
qsizetype skipWhile(QStringView text, qsizetype &i, Accept accept)
{
    qsizetype count = 0;
    while (i < text.size()) {
        qsizetype next = i;
        if (!accept(nextCodePoint(text, next)))
            break;
        i = next;
        ++count;
    }
    return count;
}

// \s and \d of the reference's Unicode-aware regex engine: White_Space and Nd.
bool isSpace(char32_t c)
{
    return QChar::isSpace(c);
}

bool isDigit(char32_t c)
{
    return QChar::isDigit(c);
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

// One line against the canonical prefix `^## Task\s+\d+` (spec §3.2) and the heading pattern
// `^## Task\s+(\d+)\s*(\(parallel\))?\s*$` (spec §3.3), by hand: the classes are disjoint, so
// the greedy reading is the only one.
struct HeadingMatch
{
    bool canonical = false;
    bool pattern = false;           // the whole heading pattern matches
    QStringView digits;
    std::optional<quint32> index;   // the digits as a u32, when they are ASCII and fit
    bool parallel = false;
    bool hasAfter = false;          // `(after ...)` (beyond the reference: a graph plan)
    QList<quint32> after;
    QString afterError;             // why an `(after` group is not a list of task numbers

    bool isHeading() const { return pattern && index; }
};

// `(after 2, 4)` at `i`: task numbers separated by commas and any spaces. Moves `i` past it.
void matchAfter(QStringView line, qsizetype &i, HeadingMatch &m)
{
    constexpr QStringView open = u"(after";
    if (!line.sliced(i).startsWith(open))
        return;
    // "(after-party)" is no list: the heading is not one (as the reference reads it).
    const qsizetype next = i + open.size();
    if (next < line.size() && line[next] != u')' && !isSpace(line[next].unicode()))
        return;
    m.hasAfter = true;
    const qsizetype close = line.indexOf(u')', i);
    if (close < 0) {
        m.afterError = QStringLiteral("'(after' is not closed with ')'");
        i = line.size();
        return;
    }
    const QStringView list = line.sliced(i + open.size(), close - i - open.size());
    i = close + 1;
    const QList<QStringView> items = list.split(u',');
    for (QStringView item : items) {
        item = item.trimmed();
        const std::optional<quint32> n = item.isEmpty() ? std::nullopt : parseIndex(item);
        if (!n) {
            m.afterError = item.isEmpty() ? QStringLiteral("a task number is missing")
                                          : QStringLiteral("'%1' is not a task number").arg(item);
            return;
        }
        if (!m.after.contains(*n))
            m.after.append(*n);
    }
}

HeadingMatch matchHeading(QStringView line)
{
    HeadingMatch m;
    constexpr QStringView prefix = u"## Task";
    if (!line.startsWith(prefix))
        return m;
    qsizetype i = prefix.size();
    if (skipWhile(line, i, isSpace) == 0)
        return m;
    const qsizetype digitsStart = i;
    if (skipWhile(line, i, isDigit) == 0)
        return m;
    m.canonical = true;
    m.digits = line.sliced(digitsStart, i - digitsStart);
    skipWhile(line, i, isSpace);
    if (line.sliced(i).startsWith(u"(parallel)")) {
        m.parallel = true;
        i += 10;
    }
    skipWhile(line, i, isSpace);
    // Beyond the reference: `(after 2, 4)`, before or after `(parallel)`.
    matchAfter(line, i, m);
    if (m.hasAfter) {
        skipWhile(line, i, isSpace);
        if (!m.parallel && line.sliced(i).startsWith(u"(parallel)")) {
            m.parallel = true;
            i += 10;
            skipWhile(line, i, isSpace);
        }
    }
    m.pattern = i == line.size();
    m.index = parseIndex(m.digits);
    return m;
}

// A markdown heading that mentions a task number: "## task 2", "### Task 3", "## Task 2: x".
const QRegularExpression &nearHeading()
{
    static const QRegularExpression re(QStringLiteral("^\\s*(#+)\\s*task\\s*#?\\s*(\\d+)(.*)$"),
                                       QRegularExpression::CaseInsensitiveOption
                                           | QRegularExpression::UseUnicodePropertiesOption);
    return re;
}

// Whether a line may be a markdown heading at all (only those are looked at more closely).
bool mayBeHeading(QByteArrayView line)
{
    qsizetype i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
        ++i;
    return i < line.size() && line[i] == '#';
}

bool isFence(QByteArrayView line)
{
    qsizetype i = 0;
    while (i < line.size() && i < 3 && line[i] == ' ')
        ++i;
    const QByteArrayView rest = line.sliced(i);
    return rest.startsWith("```") || rest.startsWith("~~~");
}

QString quotedHeading(QStringView line)
{
    QString text = line.trimmed().toString();
    if (text.size() > 80)
        text = text.left(77) + QStringLiteral("...");
    return u'\'' + text + u'\'';
}

// What peal does with a line that is not a heading, in the words of a notice.
QString foldedInto(const std::optional<quint32> &task)
{
    return task ? QStringLiteral("folded into task %1's body").arg(*task)
                : QStringLiteral("ignored (it comes before the first task)");
}

bool isAsciiDigits(QStringView digits)
{
    return std::all_of(digits.cbegin(), digits.cend(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

// How to write a heading-like line so that it is a heading.
QString fixFor(QStringView digits, const QString &rest)
{
    const std::optional<quint32> index = parseIndex(digits);
    if (!index)
        return isAsciiDigits(digits) ? QStringLiteral("a task number is at most 4294967295")
                                     : QStringLiteral("write the task number in ASCII digits 0-9");
    const qsizetype parallel = rest.indexOf(u"(parallel)", 0, Qt::CaseInsensitive);
    QString title = rest;
    if (parallel >= 0)
        title.remove(parallel, 10);
    title = title.trimmed();
    while (!title.isEmpty() && QStringView(u":-.\u2013\u2014").contains(title.front()))
        title = title.mid(1).trimmed();
    return QStringLiteral("write '## Task %1%2'%3")
        .arg(*index)
        .arg(parallel >= 0 ? QStringLiteral(" (parallel)") : QString(),
             title.isEmpty() ? QString() : QStringLiteral(" and put the title on the next line"));
}

// The notice for a heading-like line that is not a heading, or nothing when it is not like one.
std::optional<QString> describeLookalike(QStringView line, const HeadingMatch &m, const std::optional<quint32> &task)
{
    QStringView digits = m.digits;
    QString rest;
    QRegularExpressionMatch near;
    if (!m.pattern) {
        near = nearHeading().match(line);
        if (!near.hasMatch())
            return std::nullopt;
        digits = near.capturedView(2);
        rest = near.captured(3).trimmed();
    }
    return QStringLiteral("%1 is not a task heading: %2 (%3)")
        .arg(quotedHeading(line), foldedInto(task), fixFor(digits, rest));
}

QString bodyText(QByteArrayView bytes)
{
    QString body = Text::decodeUtf8(bytes);
    // The reference replaces every CRLF by LF, then splits with Rust's `lines`, which drops one
    // more '\r' before each '\n': "x\r\r\n" is "x\n". Two passes do both (found by fuzzing).
    if (bytes.contains('\r')) {
        body.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
        body.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    }
    return std::move(body).trimmed(); // in place, no copy
}

Plan withSegments(QList<Task> tasks)
{
    Plan plan;
    plan.segments = computeSegments(tasks);
    plan.tasks = std::move(tasks);
    return plan;
}

} // namespace

namespace {

/*
 * The parser, fed one line at a time (without its '\n'), so that a plan file is read in
 * blocks and never held whole: only the tasks' bodies are kept. Lines are split on the file's
 * '\n': the '\r' of a CRLF ending is white space to both patterns, and each body turns CRLF
 * into LF (spec §3.3 step 1) on its own.
 */
class DocumentReader
{
public:
    void line(QByteArrayView line)
    {
        ++m_lineNumber;
        if (line.startsWith("## Task") || (!m_inFence && mayBeHeading(line))) {
            const QString decoded = Text::decodeUtf8(line);
            const HeadingMatch m = matchHeading(decoded);
            m_doc.canonical = m_doc.canonical || m.canonical;
            if (m.isHeading())
                return heading(decoded, m);
            if (!m_inFence) {
                if (auto notice = describeLookalike(decoded, m, m_current))
                    m_doc.notices.append({m_lineNumber, *notice});
            }
        } else if (isFence(line)) {
            m_inFence = !m_inFence;
        }
        if (m_current) {
            m_body += line;
            m_body += '\n';
        }
    }

    PlanDocument finish()
    {
        closeBody();
        const auto byIndex = [](const Task &a, const Task &b) { return a.index < b.index; };
        if (!std::is_sorted(m_tasks.cbegin(), m_tasks.cend(), byIndex)) // plans are mostly in order
            std::stable_sort(m_tasks.begin(), m_tasks.end(), byIndex);
        m_doc.plan = withSegments(std::move(m_tasks));
        if (PlanGraph::isGraph(m_doc.plan))
            m_doc.graphErrors += PlanGraph::validate(m_doc.plan, m_firstLine);
        return std::move(m_doc);
    }

private:
    void heading(const QString &decoded, const HeadingMatch &m)
    {
        closeBody();
        m_tasks.append(Task{*m.index, QString(), m.parallel, m.after, m.hasAfter});
        m_current = *m.index;
        if (!m.afterError.isEmpty())
            m_doc.graphErrors.append({m_lineNumber, QStringLiteral("%1: the list of tasks it waits for is malformed: %2 "
                                                                   "(write '## Task %3 (after 2, 4)')")
                                                        .arg(quotedHeading(decoded), m.afterError)
                                                        .arg(*m.index)});
        if (const int first = m_firstLine.value(*m.index); first > 0)
            m_doc.notices.append({m_lineNumber, QStringLiteral("%1 repeats task %2 of line %3: ignored duplicate, only "
                                                               "the first one runs (give it a number of its own)")
                                                    .arg(quotedHeading(decoded))
                                                    .arg(*m.index)
                                                    .arg(first)});
        else
            m_firstLine.insert(*m.index, m_lineNumber);
    }

    void closeBody()
    {
        if (m_current)
            m_tasks.last().content = bodyText(m_body);
        m_body.resize(0); // keeps its capacity for the next body
    }

    PlanDocument m_doc;
    QList<Task> m_tasks;
    std::optional<quint32> m_current; // the task whose body the lines belong to
    QByteArray m_body;
    QHash<quint32, int> m_firstLine;  // where each index was first seen, for duplicates
    bool m_inFence = false;
    int m_lineNumber = 0;
};

} // namespace

PlanDocument parseDocument(QByteArrayView text)
{
    DocumentReader reader;
    for (qsizetype pos = 0; pos < text.size();) {
        qsizetype end = text.indexOf('\n', pos);
        if (end < 0)
            end = text.size();
        reader.line(text.sliced(pos, end - pos));
        pos = end + 1;
    }
    return reader.finish();
}

Result<PlanDocument> readDocument(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return invalidPlanFile(path + QStringLiteral(": no such file"));
    if (!file.open(QIODevice::ReadOnly))
        return invalidPlanFile(path + QStringLiteral(": ") + file.errorString());
    // In blocks: a large plan is never in memory twice (as bytes and as its tasks' text).
    constexpr qsizetype kBlock = 256 * 1024;
    DocumentReader reader;
    QByteArray pending; // the start of a line the next block ends, then the block
    bool first = true;
    for (;;) {
        const qsizetype kept = pending.size();
        pending.resize(kept + kBlock);
        const qint64 got = file.read(pending.data() + kept, kBlock);
        if (got < 0 || file.error() != QFileDevice::NoError)
            return invalidPlanFile(path + QStringLiteral(": ") + file.errorString());
        pending.resize(kept + qsizetype(got));
        if (first && pending.startsWith("\xEF\xBB\xBF"))
            pending.remove(0, 3); // one leading byte order mark (docs/decisions.md 18)
        first = false;
        const bool last = got == 0;
        qsizetype pos = 0;
        for (;;) {
            qsizetype end = pending.indexOf('\n', pos);
            if (end < 0 && !(last && pos < pending.size()))
                break;
            if (end < 0)
                end = pending.size();
            // A '\n' is never inside a UTF-8 sequence: each line can be checked on its own.
            const QByteArrayView line = QByteArrayView(pending).sliced(pos, end - pos);
            if (!Text::isValidUtf8(line))
                return invalidPlanFile(path + QStringLiteral(": not valid UTF-8"));
            reader.line(line);
            pos = end + 1;
        }
        if (last)
            break;
        pending.remove(0, std::min(pos, pending.size()));
    }
    return reader.finish();
}

QString noticeLine(const QString &path, const PlanNotice &notice)
{
    return QStringLiteral("%1:%2: %3").arg(path).arg(notice.line).arg(notice.text);
}

bool isCanonical(QStringView content)
{
    return parseDocument(content.toUtf8()).canonical;
}

Plan parse(QStringView content)
{
    return parseDocument(content.toUtf8()).plan;
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

Result<QByteArray> readBytes(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return invalidPlanFile(path + QStringLiteral(": no such file"));
    if (!file.open(QIODevice::ReadOnly))
        return invalidPlanFile(path + QStringLiteral(": ") + file.errorString());
    // One buffer of the file's size: readAll() grows its buffer by doubling, which for a large
    // plan held twice its size at the peak. What a file gains while read is read on.
    QByteArray bytes(qsizetype(std::max<qint64>(0, file.size())), Qt::Uninitialized);
    const qint64 got = file.read(bytes.data(), bytes.size());
    if (got >= 0)
        bytes.truncate(qsizetype(got));
    if (got >= 0 && !file.atEnd())
        bytes += file.readAll();
    if (got < 0 || file.error() != QFileDevice::NoError)
        return invalidPlanFile(path + QStringLiteral(": ") + file.errorString());
    if (!Text::isValidUtf8(bytes))
        return invalidPlanFile(path + QStringLiteral(": not valid UTF-8"));
    // One leading byte order mark is dropped (docs/decisions.md 18).
    if (bytes.startsWith("\xEF\xBB\xBF"))
        bytes.remove(0, 3);
    return bytes;
}

Result<QString> readFile(const QString &path)
{
    auto bytes = readBytes(path);
    if (!bytes)
        return bytes.error();
    return Text::decodeUtf8(*bytes);
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
