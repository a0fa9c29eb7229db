// SPDX-License-Identifier: MIT
// The only translation unit that sees toml++: TOML text in, a ConfigLayer out.
#include "configkeys.h"

#include <QFile>
#include <QJsonArray>

#include <peal/textutil.h>

#include <toml++/toml.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string_view>

namespace Peal {

using namespace Internal;

namespace {

QString toQString(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString describe(const toml::node &node)
{
    switch (node.type()) {
    case toml::node_type::string:
        return QStringLiteral("string \"%1\"").arg(toQString(*node.value<std::string_view>()));
    case toml::node_type::integer:
        return QStringLiteral("integer %1").arg(*node.value<int64_t>());
    case toml::node_type::floating_point:
        return QStringLiteral("float %1").arg(*node.value<double>());
    case toml::node_type::boolean:
        return *node.value<bool>() ? QStringLiteral("boolean true")
                                   : QStringLiteral("boolean false");
    case toml::node_type::array:
        return QStringLiteral("an array");
    case toml::node_type::table:
        return QStringLiteral("a table");
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
        return QStringLiteral("a date/time");
    case toml::node_type::none:
        break;
    }
    return QStringLiteral("nothing");
}

QString lineOf(const toml::node &node)
{
    return QStringLiteral("line %1").arg(node.source().begin.line);
}

// Builds "key 'k' (line N): expected X, found Y".
Error typeError(const QString &key, const toml::node &node, const QString &expected)
{
    return Error(Error::Kind::Config, QStringLiteral("key '%1' (%2): expected %3, found %4")
                                          .arg(key, lineOf(node), expected, describe(node)));
}

template<typename T>
Result<T> convert(const QString &key, ValueKind kind, const toml::node &node);

template<>
Result<QString> convert<QString>(const QString &key, ValueKind, const toml::node &node)
{
    if (const auto s = node.value_exact<std::string_view>())
        return toQString(*s);
    return typeError(key, node, QStringLiteral("a string"));
}

template<typename U>
Result<U> convertUnsigned(const QString &key, const toml::node &node)
{
    constexpr auto max = std::numeric_limits<U>::max();
    const auto expected = QStringLiteral("a non-negative integer up to %1").arg(max);
    const auto v = node.value_exact<int64_t>();
    if (!v || *v < 0 || quint64(*v) > quint64(max))
        return typeError(key, node, expected);
    return U(*v);
}

template<>
Result<quint32> convert<quint32>(const QString &key, ValueKind, const toml::node &node)
{
    return convertUnsigned<quint32>(key, node);
}

template<>
Result<quint64> convert<quint64>(const QString &key, ValueKind, const toml::node &node)
{
    return convertUnsigned<quint64>(key, node);
}

template<>
Result<bool> convert<bool>(const QString &key, ValueKind, const toml::node &node)
{
    if (const auto b = node.value_exact<bool>())
        return *b;
    return typeError(key, node, QStringLiteral("a boolean (true or false)"));
}

template<>
Result<QStringList> convert<QStringList>(const QString &key, ValueKind, const toml::node &node)
{
    const toml::array *array = node.as_array();
    if (!array)
        return typeError(key, node, QStringLiteral("an array of strings"));
    QStringList out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node &item = *array->get(i);
        const auto s = item.value_exact<std::string_view>();
        if (!s)
            return typeError(QStringLiteral("%1[%2]").arg(key).arg(i), item,
                             QStringLiteral("a string"));
        out.append(toQString(*s));
    }
    return out;
}

template<>
Result<double> convert<double>(const QString &key, ValueKind, const toml::node &node)
{
    const auto expected = QStringLiteral("a non-negative number such as 2.50");
    std::optional<double> value;
    if (const auto f = node.value_exact<double>())
        value = *f;
    else if (const auto i = node.value_exact<int64_t>())
        value = double(*i);
    if (!value || !std::isfinite(*value) || *value < 0)
        return typeError(key, node, expected);
    return *value;
}

template<>
Result<QList<QStringList>> convert<QList<QStringList>>(const QString &key, ValueKind, const toml::node &node)
{
    // Each command is an argv array, or a string split on whitespace (as post_run_commands).
    const auto expected = QStringLiteral("an array of commands (arrays of strings, or strings)");
    const toml::array *array = node.as_array();
    if (!array)
        return typeError(key, node, expected);
    QList<QStringList> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node &item = *array->get(i);
        const QString itemKey = QStringLiteral("%1[%2]").arg(key).arg(i);
        QStringList argv;
        if (const auto s = item.value_exact<std::string_view>()) {
            argv = Text::splitAsciiWhitespace(toQString(*s));
        } else if (item.as_array()) {
            auto words = convert<QStringList>(itemKey, ValueKind::CommaList, item);
            if (!words)
                return words.error();
            argv = *words;
        } else {
            return typeError(itemKey, item, QStringLiteral("an argv array of strings, or a string"));
        }
        if (argv.isEmpty() || argv.first().isEmpty())
            return typeError(itemKey, item, QStringLiteral("a command with a program"));
        out.append(argv);
    }
    return out;
}

template<>
Result<QList<DismissPattern>> convert<QList<DismissPattern>>(const QString &key, ValueKind,
                                                             const toml::node &node)
{
    const toml::array *array = node.as_array();
    if (!array)
        return typeError(key, node,
                         QStringLiteral("an array of tables {pattern = \"...\", reason = \"...\"}"));
    QList<DismissPattern> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node &item = *array->get(i);
        const QString itemKey = QStringLiteral("%1[%2]").arg(key).arg(i);
        const toml::table *table = item.as_table();
        if (!table)
            return typeError(itemKey, item, QStringLiteral("a table {pattern, reason}"));
        DismissPattern pattern;
        for (auto [field, target] : {std::pair{"pattern", &pattern.pattern},
                                     std::pair{"reason", &pattern.reason}}) {
            const toml::node *value = table->get(field);
            const QString fieldKey = itemKey + u'.' + QLatin1String(field);
            if (!value)
                return Error(Error::Kind::Config,
                             QStringLiteral("key '%1' (%2): missing field '%3'")
                                 .arg(itemKey, lineOf(item), QLatin1String(field)));
            auto text = convert<QString>(fieldKey, ValueKind::String, *value);
            if (!text)
                return text.error();
            *target = *text;
        }
        out.append(pattern); // other fields inside the table are ignored, as in the reference
    }
    return out;
}

// A TOML value as JSON, for plugin option tables. Dates and times become their TOML text.
QJsonValue toJson(const toml::node &node)
{
    if (const toml::table *t = node.as_table()) {
        QJsonObject object;
        for (auto &&[k, v] : *t)
            object.insert(toQString(k.str()), toJson(v));
        return object;
    }
    if (const toml::array *a = node.as_array()) {
        QJsonArray array;
        for (const toml::node &item : *a)
            array.append(toJson(item));
        return array;
    }
    if (const auto s = node.value_exact<std::string_view>())
        return toQString(*s);
    if (const auto i = node.value_exact<int64_t>())
        return qint64(*i);
    if (const auto f = node.value_exact<double>())
        return *f;
    if (const auto b = node.value_exact<bool>())
        return *b;
    std::ostringstream text;
    node.visit([&](const auto &value) { text << value; });
    return toQString(text.str());
}

// `[plugins.<id>]`: one table of options per plugin, handed to that plugin untouched.
Result<QHash<QString, QJsonObject>> pluginTables(const toml::node &node)
{
    const toml::table *plugins = node.as_table();
    if (!plugins)
        return typeError(QStringLiteral("plugins"), node,
                         QStringLiteral("a table of plugin tables ([plugins.<id>])"));
    QHash<QString, QJsonObject> out;
    for (auto &&[id, options] : *plugins) {
        const QString key = QStringLiteral("plugins.") + toQString(id.str());
        if (!options.is_table())
            return typeError(key, options, QStringLiteral("a table ([%1])").arg(key));
        out.insert(toQString(id.str()), toJson(options).toObject());
    }
    return out;
}

Result<ConfigLayer> layerFromTable(const toml::table &table)
{
    ConfigLayer layer;
    for (auto &&[tomlKey, node] : table) {
        const QString name = toQString(tomlKey.str());
        if (name == u"plugins") {
            auto tables = pluginTables(node);
            if (!tables)
                return tables.error();
            layer.pluginOptions = std::move(tables).value();
            continue;
        }
        bool known = false;
        std::optional<Error> failure;
        const toml::node &entry = node; // clang 14 cannot capture a structured binding
        forEachKey([&](const auto &def) {
            if (known || name != QLatin1String(def.name))
                return;
            known = true;
            using T = typename std::remove_reference_t<decltype(*(layer.*def.layer))>;
            auto value = convert<T>(name, def.kind, entry);
            if (!value)
                failure = value.error();
            else
                layer.*def.layer = std::move(value).value();
        });
        if (failure)
            return *failure;
        if (!known) {
            QString message = QStringLiteral("unknown key '%1' (line %2)")
                                  .arg(name)
                                  .arg(tomlKey.source().begin.line);
            const QString suggestion = ConfigLoader::suggestKey(name);
            if (!suggestion.isEmpty())
                message += QStringLiteral("; did you mean '%1'?").arg(suggestion);
            return Error(Error::Kind::Config, message);
        }
    }
    return layer;
}

} // namespace

namespace ConfigLoader {

Result<ConfigLayer> parseToml(const QByteArray &text, const QString &sourceName)
{
    const auto fail = [&](const QString &detail) {
        return Error(Error::Kind::Config,
                     QStringLiteral("failed to parse config file %1: %2").arg(sourceName, detail));
    };
    toml::table table;
    try {
        table = toml::parse(std::string_view(text.constData(), std::size_t(text.size())),
                            sourceName.toStdString());
    } catch (const toml::parse_error &e) {
        const auto &where = e.source().begin;
        return fail(QStringLiteral("%1 (line %2, column %3)")
                        .arg(toQString(e.description()))
                        .arg(where.line)
                        .arg(where.column));
    }
    auto layer = layerFromTable(table);
    if (!layer)
        return fail(layer.error().message());
    return layer;
}

Result<ConfigLayer> readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(Error::Kind::Config, QStringLiteral("failed to read config file %1: %2")
                                              .arg(path, file.errorString()));
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return Error(Error::Kind::Config, QStringLiteral("failed to read config file %1: %2")
                                              .arg(path, file.errorString()));
    return parseToml(bytes, path);
}

} // namespace ConfigLoader

} // namespace Peal
