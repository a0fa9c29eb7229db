// SPDX-License-Identifier: MIT
#include "checksplugin.h"

#include <peal/sdk/agent.h>
#include <peal/sdk/options.h>
#include <peal/sdk/process.h>
#include <peal/sdk/text.h>

#include <QJsonArray>

namespace Peal::Checks {

namespace {

Result<ChecksOptions> readOptions(const QJsonObject &table)
{
    static const QStringList known{QStringLiteral("argv"), QStringLiteral("timeout_sec"), QStringLiteral("format")};
    if (auto keys = onlyKnownKeys(table, known); !keys)
        return keys.error();
    ChecksOptions options;
    const QJsonValue argv = table.value(QStringLiteral("argv"));
    for (const QJsonValue &part : argv.toArray()) {
        if (!part.isString())
            return optionError(QStringLiteral("argv must be an array of strings"));
        options.argv << part.toString();
    }
    if (!argv.isArray() || options.argv.isEmpty() || options.argv.first().isEmpty())
        return optionError(QStringLiteral("argv is required: the program and its arguments, e.g. argv = [\"ruff\", "
                                          "\"check\", \"--output-format=json\"]"));
    const QJsonValue timeout = table.value(QStringLiteral("timeout_sec"));
    if (!timeout.isUndefined()) {
        if (!timeout.isDouble() || timeout.toDouble() < 1 || timeout.toDouble() != double(timeout.toInteger()))
            return optionError(QStringLiteral("timeout_sec must be a positive integer"));
        options.timeout = std::chrono::seconds(std::min<qint64>(timeout.toInteger(), 24 * 3600 * 24));
    }
    const QJsonValue format = table.value(QStringLiteral("format"));
    if (format == QJsonValue(QStringLiteral("lines")))
        options.format = Format::Lines;
    else if (!format.isUndefined() && format != QJsonValue(QStringLiteral("json")))
        return optionError(QStringLiteral("format must be \"json\" or \"lines\""));
    return options;
}

class ChecksSession final : public ReviewSession
{
public:
    ChecksSession(ChecksSettings settings, ChecksOptions options)
        : m_settings(std::move(settings)), m_options(std::move(options))
    {
    }

    void start(ReviewServices &, std::function<void(Result<bool>)> done) override { done(true); }

    void review(ReviewServices &services, std::function<void(Result<ReviewResult>)> done) override
    {
        services.runProcess(spec(), [this, done](const ProcessResult &r) { done(interpret(r)); });
    }

    bool canDismiss() const override { return true; }

    void dismiss(ReviewServices &services, const QString &id, const QString &reason, std::function<void()> done) override
    {
        m_dismissed.insert(id);
        services.log(LogLevel::Info, QStringLiteral("checks: finding dismissed for the rest of the run"),
                     {{QStringLiteral("id"), id}, {QStringLiteral("reason"), reason}});
        done();
    }

    bool needsFinish() const override { return false; }
    void finish(ReviewServices &, std::function<void(Result<void>)> done) override { done(Result<void>()); }
    QString reviewName() const override { return QStringLiteral("checks run"); }

    ReviewOutline outline() const override
    {
        ReviewOutline o;
        o.mode = QStringLiteral("checks (%1 findings)").arg(m_options.format == Format::Lines ? u"line" : u"JSON");
        o.perReview = QStringList(QStringList{m_settings.program} + m_options.argv.mid(1)).join(u' ');
        o.dismiss = QStringLiteral("remembered for the rest of the run");
        return o;
    }

private:
    ProcessSpec spec() const
    {
        ProcessSpec s;
        s.program = m_settings.program;
        s.arguments = m_options.argv.mid(1);
        s.workingDirectory = m_settings.repo;
        s.stdinMode = ProcessSpec::Stdin::Null;
        s.timeout = m_options.timeout ? std::chrono::duration_cast<std::chrono::milliseconds>(*m_options.timeout)
                                      : m_settings.timeout;
        s.label = QStringLiteral("checks run");
        return s;
    }

    Result<ReviewResult> interpret(const ProcessResult &r) const
    {
        const QString what = QStringLiteral("checks command '%1'").arg(m_options.argv.first());
        const QString hint = Text::firstLine(r.stderrText).isEmpty() ? QString()
                                                                    : QStringLiteral("stderr: ") + Text::firstLine(r.stderrText);
        if (r.ending != ProcessEnding::Exited && r.ending != ProcessEnding::Crashed)
            return Error(r.ending == ProcessEnding::Cancelled ? Error::Kind::Interrupted : Error::Kind::Generic,
                         what + u' ' + describeEnding(r), hint);
        if (r.ending == ProcessEnding::Crashed)
            return Error(Error::Kind::Generic, what + u' ' + describeEnding(r), hint);
        auto parsed = parseOutput(r.stdoutText, m_options.format);
        if (!parsed)
            return Error(Error::Kind::Generic, what + QStringLiteral(": ") + parsed.error().message(), hint);
        QList<CheckFinding> open;
        for (const CheckFinding &f : *parsed) {
            if (!m_dismissed.contains(f.id))
                open << f;
        }
        if (r.exitCode != 0 && parsed->isEmpty())
            return Error(Error::Kind::Generic,
                         what + QStringLiteral(" exited with code %1 and reported no findings").arg(r.exitCode), hint);
        ReviewResult result;
        result.stdoutText = normalised(open);
        result.stderrText = r.stderrText;
        result.exitCode = r.exitCode;
        result.hasFindings = !open.isEmpty();
        return result;
    }

    ChecksSettings m_settings;
    ChecksOptions m_options;
    QSet<QString> m_dismissed;
};

} // namespace

Result<void> ChecksPlugin::configure(const PluginConfig &config)
{
    auto options = readOptions(config.options);
    if (!options)
        return options.error();
    m_options = std::move(options).value();
    m_settings = ChecksSettings();
    m_settings.repo = config.repoPath;
    m_settings.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.phaseTimeout);
    m_warning.clear();
    const ProgramLookup found = lookUpProgram(m_options.argv.first(), config.pathVariable);
    if (found.outcome == ProgramLookup::Outcome::Found)
        m_settings.program = found.path;
    else
        m_warning = programNotUsable(found, m_options.argv.first(), QStringLiteral("checks"),
                                     QStringLiteral("Set [plugins.checks] argv to a program that exists"))
                        .toDisplayString();
    return {};
}

ReviewerReadiness ChecksPlugin::readiness() const
{
    ReviewerReadiness r;
    r.ready = !m_settings.program.isEmpty();
    r.program = m_settings.program;
    r.warning = m_warning;
    return r;
}

std::unique_ptr<ReviewSession> ChecksPlugin::createSession() const
{
    return std::make_unique<ChecksSession>(m_settings, m_options);
}

bool ChecksPlugin::detectFindings(std::optional<int>, const QString &output) const
{
    const auto findings = readNormalised(output);
    return findings && !findings->isEmpty();
}

std::optional<QList<Finding>> ChecksPlugin::parseFindings(const QString &output) const
{
    const auto findings = readNormalised(output);
    if (!findings)
        return std::nullopt;
    QList<Finding> out;
    for (const CheckFinding &f : *findings) {
        Finding finding;
        finding.id = f.id;
        finding.message = f.line > 0 && !f.path.isEmpty() ? QStringLiteral("%1:%2: %3").arg(f.path).arg(f.line).arg(f.message)
                                                           : f.message;
        if (!f.suggestion.isEmpty())
            finding.suggestion = f.suggestion;
        if (!f.path.isEmpty())
            finding.path = f.path;
        out << finding;
    }
    return out;
}

std::optional<QString> ChecksPlugin::extractSuggestions(const QString &output) const
{
    QStringList lines;
    for (const CheckFinding &f : readNormalised(output).value_or(QList<CheckFinding>())) {
        if (!f.suggestion.isEmpty())
            lines << QStringLiteral("%1: %2").arg(f.id, f.suggestion);
    }
    if (lines.isEmpty())
        return std::nullopt;
    return lines.join(u'\n');
}

int ChecksPlugin::countFindings(const QString &output) const
{
    return int(readNormalised(output).value_or(QList<CheckFinding>()).size());
}

} // namespace Peal::Checks

PEAL_REGISTER_PLUGIN(Peal::Checks::ChecksPlugin)
