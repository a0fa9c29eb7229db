// SPDX-License-Identifier: MIT
// The plan file: UTF-8 check, the one-pass parser and its notices, the text helpers on it, and
// the reference's QString entry points, which must agree with the byte parser.
#include <peal/plan.h>
#include <peal/plangraph.h>
#include <peal/textutil.h>

#include <QRegularExpression>
#include <QSet>
#include <QStringDecoder>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace {

// Spec §3.2 and §3.3 written the reference's way - regular expressions over the lines of the
// CRLF-normalised text - to check the hand-written one-pass parser against.
struct ReferenceParse
{
    bool canonical = false;
    QList<Peal::Task> tasks;
};

ReferenceParse referenceParse(const QString &content)
{
    // `\s` is Rust's White_Space: PCRE2 also counts U+180E (a space before Unicode 6.3), Rust
    // and QChar do not.
    static const QRegularExpression canonical(QStringLiteral("^## Task(?:(?!\\x{180E})\\s)+\\d+"),
                                              QRegularExpression::UseUnicodePropertiesOption);
    static const QRegularExpression heading(
        QStringLiteral("^## Task(?:(?!\\x{180E})\\s)+(\\d+)(?:(?!\\x{180E})\\s)*(\\(parallel\\))?(?:(?!\\x{180E})\\s)*$"),
        QRegularExpression::UseUnicodePropertiesOption);
    QString text = content;
    text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    ReferenceParse out;
    QStringList body;
    bool open = false;
    const auto flush = [&] {
        if (open)
            out.tasks.last().content = body.join(u'\n').trimmed();
        body.clear();
    };
    for (const QString &line : Peal::Text::lines(text)) {
        out.canonical = out.canonical || canonical.match(line).hasMatch();
        const QRegularExpressionMatch m = heading.match(line);
        bool ok = m.hasMatch();
        quint64 index = 0;
        for (QChar c : m.capturedView(1)) {
            ok = ok && c >= u'0' && c <= u'9';
            index = index * 10 + quint64(c.unicode() - u'0');
            ok = ok && index <= 4294967295ULL;
        }
        if (ok) {
            flush();
            out.tasks.append(Peal::Task{quint32(index), QString(), m.capturedLength(2) > 0});
            open = true;
        } else if (open) {
            body.append(line);
        }
    }
    flush();
    std::stable_sort(out.tasks.begin(), out.tasks.end(),
                     [](const Peal::Task &a, const Peal::Task &b) { return a.index < b.index; });
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    // peal's UTF-8 check must agree with Qt's strict decoder.
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString decoded = decoder(bytes); // the decoding happens in the conversion
    if (Peal::Text::isValidUtf8(bytes) == decoder.hasError())
        std::abort();
    if (!Peal::Text::isValidUtf8(bytes))
        return 0;
    const Peal::PlanDocument doc = Peal::PlanParser::parseDocument(bytes);
    for (const Peal::PlanNotice &notice : doc.notices) {
        if (notice.line < 1 || notice.text.isEmpty())
            std::abort();
        (void)Peal::PlanParser::noticeLine(QStringLiteral("plan.md"), notice);
    }
    const QString text = Peal::Text::decodeUtf8(bytes);
    if (Peal::PlanGraph::isGraph(doc.plan)) {
        // A graph plan (`after`, beyond the reference): every valid graph orders all its tasks.
        for (const Peal::PlanNotice &error : doc.graphErrors) {
            if (error.line < 1 || error.text.isEmpty())
                std::abort();
        }
        const QList<quint32> order = Peal::PlanGraph::order(doc.plan);
        QSet<quint32> unique;
        for (const Peal::Task &t : doc.plan.tasks)
            unique.insert(t.index);
        if (doc.graphErrors.isEmpty() && order.size() != unique.size())
            std::abort();
        (void)Peal::PlanGraph::waves(doc.plan);
        (void)Peal::PlanGraph::criticalPath(doc.plan);
        return 0;
    }
    // The byte parser must read the plan exactly as the reference's regular expressions do.
    const ReferenceParse expected = referenceParse(text);
    if (expected.canonical != doc.canonical || expected.tasks != doc.plan.tasks)
        std::abort();
    if (Peal::PlanParser::parse(text).tasks != doc.plan.tasks)
        std::abort();
    (void)Peal::PlanParser::parseOrFailWithSnippet(text);
    (void)Peal::Text::lines(text);
    (void)Peal::Text::firstLine(text);
    (void)Peal::Text::truncateUtf8(text, 77);
    if (!doc.plan.tasks.isEmpty()) {
        const quint32 first = doc.plan.tasks.first().index;
        (void)Peal::PlanParser::filterSingleTask(doc.plan, first);
        (void)Peal::PlanParser::filterFromTask(doc.plan, first);
    }
    return 0;
}
