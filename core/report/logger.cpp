// SPDX-License-Identifier: MIT
#include <peal/log.h>

#include <peal/summary.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <chrono>
#include <cstdio>

#include <unistd.h>

namespace Peal {

namespace {

constexpr int kOff = 5;

const char *const kLevelNames[] = {"trace", "debug", "info", "warn", "error"};

std::optional<int> parseLevel(QStringView text)
{
    const QString lower = text.trimmed().toString().toLower();
    for (int i = 0; i < 5; ++i) {
        if (lower == QLatin1String(kLevelNames[i]))
            return i;
    }
    if (lower == u"off")
        return kOff;
    return std::nullopt;
}

QString levelName(int level)
{
    return level >= kOff ? QStringLiteral("off") : QString::fromLatin1(kLevelNames[level]);
}

// "peal" matches "peal" and "peal::engine", not "pealx".
bool targetMatches(QStringView directive, QStringView target)
{
    return target == directive
           || (target.startsWith(directive) && target.mid(directive.size()).startsWith(u"::"));
}

QJsonValue toJson(const QVariant &value)
{
    return QJsonValue::fromVariant(value);
}

QString toText(const QVariant &value)
{
    if (!value.isValid() || value.isNull())
        return QStringLiteral("none");
    if (value.typeId() == QMetaType::QStringList)
        return u'[' + value.toStringList().join(QStringLiteral(", ")) + u']';
    if (value.typeId() == QMetaType::Bool)
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.userType() == QMetaType::QVariantList) {
        QStringList parts;
        for (const QVariant &v : value.toList())
            parts.append(toText(v));
        return u'[' + parts.join(QStringLiteral(", ")) + u']';
    }
    QString text = value.toString();
    if (text.contains(u' ') || text.isEmpty())
        return u'"' + text + u'"';
    return text;
}

} // namespace

LogFilter::LogFilter()
{
    m_directives.append({QString(), int(LogLevel::Info)});
}

LogFilter LogFilter::parse(QStringView directives, bool *allValid)
{
    LogFilter filter;
    filter.m_directives.clear();
    bool valid = true;
    for (QStringView item : directives.split(u',')) {
        item = item.trimmed();
        if (item.isEmpty())
            continue;
        const qsizetype eq = item.indexOf(u'=');
        if (eq < 0) {
            if (const auto level = parseLevel(item)) {
                filter.m_directives.append({QString(), *level});
            } else if (!item.contains(u' ')) {
                filter.m_directives.append({item.toString(), int(LogLevel::Trace)});
            } else {
                valid = false;
            }
            continue;
        }
        const QStringView target = item.left(eq).trimmed();
        const auto level = parseLevel(item.mid(eq + 1));
        if (target.isEmpty() || !level || target.contains(u' ')) {
            valid = false;
            continue;
        }
        filter.m_directives.append({target.toString(), *level});
    }
    if (allValid)
        *allValid = valid;
    return filter;
}

LogFilter LogFilter::effective(const std::optional<QString> &pealLogEnv,
                               const std::optional<QString> &configLevel)
{
    if (pealLogEnv && !pealLogEnv->trimmed().isEmpty()) {
        bool valid = false;
        LogFilter filter = parse(*pealLogEnv, &valid);
        if (valid)
            return filter;
    }
    if (configLevel)
        return parse(*configLevel);
    return LogFilter();
}

const QStringList &LogFilter::knownTargets()
{
    static const QStringList targets{
        QStringLiteral("peal"),         QStringLiteral("peal::main"),   QStringLiteral("peal::plan"),
        QStringLiteral("peal::state"),  QStringLiteral("peal::runner"), QStringLiteral("peal::phase"),
        QStringLiteral("peal::exec"),   QStringLiteral("peal::git"),    QStringLiteral("peal::stet"),
        QStringLiteral("peal::worktree"), QStringLiteral("peal::agent"),
    };
    return targets;
}

Result<void> LogFilter::validate(QStringView directives, const QString &origin)
{
    const auto invalid = [&](QStringView item, const QString &why) {
        return Error(Error::Kind::Config,
                     QStringLiteral("invalid log filter '%1': %2").arg(item.toString(), why),
                     (origin.isEmpty() ? QString() : QStringLiteral("set by ") + origin + QStringLiteral("; "))
                         + QStringLiteral("expected a level (error, warn, info, debug, trace, off) or <module>=<level> "
                                          "with a module of: ")
                         + knownTargets().join(QStringLiteral(", ")));
    };
    bool any = false;
    for (QStringView item : directives.split(u',')) {
        item = item.trimmed();
        if (item.isEmpty())
            continue;
        any = true;
        const qsizetype eq = item.indexOf(u'=');
        const QStringView target = (eq < 0 ? item : item.left(eq)).trimmed();
        if (eq < 0 && parseLevel(item))
            continue;
        if (!knownTargets().contains(target.toString()))
            return invalid(item, eq < 0 ? QStringLiteral("not a level or a module")
                                        : QStringLiteral("'%1' is not a module of peal").arg(target.toString()));
        if (eq >= 0 && !parseLevel(item.mid(eq + 1)))
            return invalid(item, QStringLiteral("'%1' is not a level").arg(item.mid(eq + 1).trimmed().toString()));
    }
    if (!any)
        return invalid(directives, QStringLiteral("it names no level"));
    return {};
}

bool LogFilter::enabled(QStringView target, LogLevel level) const
{
    int threshold = int(LogLevel::Error);
    qsizetype bestLength = -1;
    for (const Directive &d : m_directives) {
        if (d.target.isEmpty()) {
            if (bestLength < 0) {
                threshold = d.maxLevel;
                bestLength = 0;
            }
            continue;
        }
        if (targetMatches(d.target, target) && d.target.size() + 1 > bestLength) {
            threshold = d.maxLevel;
            bestLength = d.target.size() + 1;
        }
    }
    return int(level) >= threshold;
}

QString LogFilter::toString() const
{
    QStringList parts;
    for (const Directive &d : m_directives)
        parts.append(d.target.isEmpty() ? levelName(d.maxLevel)
                                        : d.target + u'=' + levelName(d.maxLevel));
    return parts.join(u',');
}

class Logger::Private
{
public:
    LogFilter filter;
    bool color = false;
    bool stderrEnabled = true;
    std::unique_ptr<QFile> file;
    Logger::LineWriter writer;

    void write(const QString &text)
    {
        const QByteArray bytes = text.toUtf8();
        if (writer)
            return writer(bytes);
        std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stderr);
        std::fflush(stderr);
    }
};

Logger::Logger() : d(std::make_unique<Private>())
{
    d->color = colorWanted();
}

Logger::~Logger() = default;

void Logger::setFilter(const LogFilter &filter)
{
    d->filter = filter;
}

void Logger::setColor(bool enabled)
{
    d->color = enabled;
}

void Logger::setStderrEnabled(bool enabled)
{
    d->stderrEnabled = enabled;
}

bool Logger::colorWanted()
{
    return ::isatty(STDERR_FILENO) == 1 && qEnvironmentVariable("NO_COLOR").isEmpty() && qgetenv("TERM") != "dumb";
}

Result<void> Logger::openFile(const QString &path)
{
    const QString parent = QFileInfo(path).path();
    if (path.contains(u'/') && !parent.isEmpty() && !QDir().mkpath(parent))
        return Error(Error::Kind::Io,
                     QStringLiteral("failed to create log file directory %1: cannot create "
                                    "directory")
                         .arg(parent));
    auto file = std::make_unique<QFile>(path);
    if (!file->open(QIODevice::WriteOnly | QIODevice::Append))
        return Error(Error::Kind::Io,
                     QStringLiteral("failed to open log file %1: %2").arg(path, file->errorString()));
    d->file = std::move(file);
    return {};
}

void Logger::announce(LogLevel level, QStringView target, const QString &message, const LogFields &fields)
{
    // The event goes to the log file only; stderr gets the one line a person must see.
    const bool wasEnabled = d->stderrEnabled;
    d->stderrEnabled = false;
    log(level, target, message, fields);
    d->stderrEnabled = wasEnabled;
    const bool error = level == LogLevel::Error;
    const QString label = error ? QStringLiteral("error:") : QStringLiteral("warning:");
    const QString color = error ? QStringLiteral("\x1b[31m") : QStringLiteral("\x1b[33m");
    const QString prefix = d->color ? QString(color + label + QStringLiteral("\x1b[0m ")) : QString(label + u' ');
    // One line, whatever the message holds: scripts read these lines one by one.
    d->write(prefix + QString(message).replace(u'\n', u' ') + u'\n');
}

void Logger::fatal(QStringView target, const QString &message)
{
    announce(LogLevel::Error, target, message);
}

void Logger::warning(QStringView target, const QString &message, const LogFields &fields)
{
    announce(LogLevel::Warn, target, message, fields);
}

void Logger::setLineWriter(LineWriter writer)
{
    d->writer = std::move(writer);
}

void Logger::log(LogLevel level, QStringView target, const QString &message,
                 const LogFields &fields)
{
    static const char *const upper[] = {"TRACE", "DEBUG", " INFO", " WARN", "ERROR"};
    static const char *const colors[] = {"\x1b[35m", "\x1b[34m", "\x1b[32m", "\x1b[33m", "\x1b[31m"};
    const bool toStderr = d->stderrEnabled && d->filter.enabled(target, level);
    if (!d->file && !toStderr)
        return; // the common case of a run without a log file: nothing to format
    if (d->file) {
        const QString timestamp = SummaryFile::rfc3339(
            std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
        QJsonObject fieldObject;
        fieldObject.insert(QStringLiteral("message"), message);
        for (const LogField &f : fields)
            fieldObject.insert(f.key, toJson(f.value));
        QJsonObject line;
        line.insert(QStringLiteral("timestamp"), timestamp);
        line.insert(QStringLiteral("level"), QString::fromLatin1(upper[int(level)]).trimmed());
        line.insert(QStringLiteral("target"), target.toString());
        line.insert(QStringLiteral("fields"), fieldObject);
        d->file->write(QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n');
        d->file->flush();
    }

    if (!toStderr)
        return;
    QString text = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) + u' ';
    if (d->color)
        text += QLatin1String(colors[int(level)]) + QLatin1String(upper[int(level)])
                + QStringLiteral("\x1b[0m");
    else
        text += QLatin1String(upper[int(level)]);
    text += u' ' + message;
    for (const LogField &f : fields) {
        if (d->color)
            text += QStringLiteral(" \x1b[2m%1=\x1b[0m%2").arg(f.key, toText(f.value));
        else
            text += QStringLiteral(" %1=%2").arg(f.key, toText(f.value));
    }
    text += u'\n';
    d->write(text);
}

} // namespace Peal
