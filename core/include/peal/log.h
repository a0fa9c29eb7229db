// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/log.h>
#include <peal/sdk/result.h>

#include <QList>
#include <QString>
#include <QVariant>

#include <functional>
#include <memory>

namespace Peal {

/*
 * Which events reach stderr: tracing-style directives, comma separated, each a level
 * ("debug") or "target=level" ("peal=trace"). The most specific target wins; a bare level is
 * the default for everything else ("error" when none is given).
 */
class PEAL_EXPORT LogFilter
{
public:
    LogFilter(); // "info"

    // Parses `directives`. Invalid items are dropped; `*allValid` tells whether any was.
    static LogFilter parse(QStringView directives, bool *allValid = nullptr);

    // Spec §11.1: PEAL_LOG when set and valid, else `configLevel`, else "info".
    static LogFilter effective(const std::optional<QString> &pealLogEnv,
                               const std::optional<QString> &configLevel);

    // Checks `directives` strictly: every item is a level (error, warn, info, debug, trace, off),
    // a module of knownTargets(), or "<module>=<level>". The error names the item and `origin`
    // (the flag, variable or file that set it) and lists what is allowed.
    static Result<void> validate(QStringView directives, const QString &origin);

    // The modules peal logs under ("peal", "peal::main", ...), the targets a filter may name.
    static const QStringList &knownTargets();

    bool enabled(QStringView target, LogLevel level) const;
    QString toString() const;

private:
    struct Directive
    {
        QString target; // empty: the default
        int maxLevel;   // events with level >= this pass; 5 = off
    };
    QList<Directive> m_directives;
};

/*
 * The run's event log: a readable line per enabled event on stderr (coloured on a terminal
 * unless NO_COLOR is set) and, when a log file is open, one JSON object per line for every
 * event at every level. Prompts never reach it: callers log argv through
 * Prompts::redactForLog.
 */
class PEAL_EXPORT Logger
{
public:
    Logger();
    ~Logger();
    Logger(const Logger &) = delete;
    Logger &operator=(const Logger &) = delete;

    void setFilter(const LogFilter &filter);
    void setColor(bool enabled);
    void setStderrEnabled(bool enabled);

    // Appends to `path`, creating missing parent directories.
    Result<void> openFile(const QString &path);

    void log(LogLevel level, QStringView target, const QString &message,
             const LogFields &fields = {});

    void trace(QStringView t, const QString &m, const LogFields &f = {}) { log(LogLevel::Trace, t, m, f); }
    void debug(QStringView t, const QString &m, const LogFields &f = {}) { log(LogLevel::Debug, t, m, f); }
    void info(QStringView t, const QString &m, const LogFields &f = {}) { log(LogLevel::Info, t, m, f); }
    void warn(QStringView t, const QString &m, const LogFields &f = {}) { log(LogLevel::Warn, t, m, f); }
    void error(QStringView t, const QString &m, const LogFields &f = {}) { log(LogLevel::Error, t, m, f); }

    // The error that ends a run: "error: <message>" on stderr whatever the filter (one line a
    // script can rely on), and an ERROR event in the log file.
    void fatal(QStringView target, const QString &message);

    // A warning a person must see: "warning: <message>" on stderr whatever the filter (also
    // with --quiet), and a WARN event with `fields` in the log file.
    void warning(QStringView target, const QString &message, const LogFields &fields = {});

    // Where stderr lines go (default: written to stderr at once). The command line uses it to
    // keep a live progress line below the log lines.
    using LineWriter = std::function<void(const QByteArray &line)>;
    void setLineWriter(LineWriter writer);

    // Whether colour should be used on stderr right now (a terminal, NO_COLOR unset).
    static bool colorWanted();

private:
    void announce(LogLevel level, QStringView target, const QString &message, const LogFields &fields = {});

    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Peal
