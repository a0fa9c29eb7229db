// SPDX-License-Identifier: MIT
// The environment and command-line values: PEAL_* variables (one "NAME=value" per line of the
// input), the list splitters, integers, booleans and log filters.
#include <peal/config.h>
#include <peal/log.h>

#include <QHash>

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    QHash<QString, QString> variables;
    for (const QString &line : text.split(u'\n')) {
        const qsizetype eq = line.indexOf(u'=');
        if (eq > 0)
            variables.insert(line.left(eq), line.mid(eq + 1));
    }
    const Peal::EnvLookup env = [&variables](const QString &suffix) -> std::optional<QString> {
        const auto it = variables.constFind(suffix);
        if (it == variables.cend() || it->isEmpty())
            return std::nullopt;
        return *it;
    };
    if (auto layer = Peal::ConfigLoader::readEnvironment(env)) {
        const Peal::Config config = Peal::ConfigLoader::merge({}, QString(), *layer, {});
        (void)Peal::ConfigLoader::validateValues(config);
    }
    (void)Peal::ConfigValues::splitExtraArgs(text);
    (void)Peal::ConfigValues::splitCommands(text, true);
    (void)Peal::ConfigValues::parseDismissPatterns(text);
    (void)Peal::ConfigValues::parseUnsigned(text, 4294967295u);
    (void)Peal::ConfigValues::parseBool(text);
    (void)Peal::LogFilter::validate(text, QStringLiteral("PEAL_LOG"));
    const Peal::LogFilter filter = Peal::LogFilter::parse(text);
    (void)filter.enabled(u"peal::main", Peal::LogLevel::Info);
    (void)filter.toString();
    Peal::ConfigLayer cli;
    (void)Peal::ConfigLoader::setFromCommandLine(cli, QStringLiteral("--max-parallel"), text);
    (void)Peal::ConfigLoader::setFromCommandLine(cli, QStringLiteral("--stet-start-args"), text);
    return 0;
}
