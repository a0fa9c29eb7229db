// SPDX-License-Identifier: MIT
#include "commandagent.h"

#include "agentcommon.h"

namespace Peal::Command {

using namespace AgentCommon;

namespace {

const QList<std::pair<AgentMode, QString>> kModeKeys{
    {AgentMode::Plan, QStringLiteral("plan_argv")},          {AgentMode::Execute, QStringLiteral("execute_argv")},
    {AgentMode::Address, QStringLiteral("address_argv")},    {AgentMode::Triage, QStringLiteral("triage_argv")},
    {AgentMode::Normalize, QStringLiteral("normalize_argv")}};

} // namespace

Result<CommandOptions> readOptions(const QJsonObject &table)
{
    CommandOptions options;
    OptionReader read(table);
    read.strings(QStringLiteral("argv"), options.argv).boolean(QStringLiteral("prompt_on_stdin"), options.promptOnStdin);
    for (const auto &[mode, key] : kModeKeys) {
        QStringList own;
        read.strings(key, own);
        if (table.contains(key) && (own.isEmpty() || own.first().isEmpty()))
            return optionError(QStringLiteral("%1 must name a program first").arg(key));
        if (!own.isEmpty())
            options.perMode.insert(mode, own);
    }
    if (auto checked = read.finish(); !checked)
        return checked.error();
    if (options.argv.isEmpty() || options.argv.first().isEmpty())
        return optionError(QStringLiteral("argv is required: the program and its arguments, e.g. argv = [\"aider\", "
                                          "\"--yes-always\", \"--message\", \"{prompt}\"]"));
    const auto mentionsPrompt = [](const QStringList &args) {
        return std::any_of(args.cbegin(), args.cend(), [](const QString &a) { return a.contains(u"{prompt}"); });
    };
    if (!options.promptOnStdin && !mentionsPrompt(options.argv) && options.perMode.isEmpty())
        return optionError(QStringLiteral("argv has no {prompt} and prompt_on_stdin is false: the agent would "
                                          "never see the prompt"));
    return options;
}

const QStringList &templateFor(const CommandOptions &options, AgentMode mode)
{
    const auto it = options.perMode.constFind(mode);
    return it != options.perMode.cend() ? *it : options.argv;
}

QStringList expand(const QStringList &argvTemplate, const QString &prompt, const AgentSettings &settings)
{
    QStringList out;
    for (const QString &part : argvTemplate) {
        if (part.contains(u"{model}") && !settings.model) {
            if (part == u"{model}" && !out.isEmpty() && out.last().startsWith(u'-') && out.size() > 1)
                out.removeLast();
            continue;
        }
        QString value = part;
        value.replace(QStringLiteral("{workspace}"), settings.workspace);
        if (settings.model)
            value.replace(QStringLiteral("{model}"), *settings.model);
        value.replace(QStringLiteral("{prompt}"), prompt);
        out << value;
    }
    return out;
}

} // namespace Peal::Command
