// SPDX-License-Identifier: MIT
#include "support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>

namespace Peal::ModelServer {

// Whole or not at all: whoever waits for a file (the tests, `peal demo`) reads it as soon as it
// exists, so it must never be seen empty or half written.
bool writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QSaveFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.commit();
}

QList<Directive> directivesIn(const QString &text)
{
    static const QRegularExpression write(QStringLiteral("^\\s*@(write|probe)\\s+(\\S+)\\s+(.*)$"),
                                          QRegularExpression::MultilineOption);
    QList<Directive> out;
    auto it = write.globalMatch(text);
    while (it.hasNext()) {
        const auto m = it.next();
        const Directive d{m.captured(2), m.captured(3).trimmed() + u'\n', m.captured(1) == u"write"};
        // The execute prompt holds the task and the plan that repeats it: one write per path.
        if (std::none_of(out.cbegin(), out.cend(), [&](const Directive &o) { return o.path == d.path; }))
            out << d;
    }
    return out;
}

QString answerText(const QList<Directive> &directives)
{
    if (directives.isEmpty())
        return QStringLiteral("Nothing to do.");
    QStringList lines{QStringLiteral("Plan: write the files."), QString()};
    for (const Directive &d : directives) {
        if (d.echoed)
            lines << QStringLiteral("@write %1 %2").arg(d.path, d.content.trimmed());
    }
    return lines.join(u'\n');
}

// The text of a message's content (a string or blocks); tool results are left out.
QString textOf(const QJsonValue &content, bool *hasToolResult)
{
    if (content.isString())
        return content.toString();
    QString text;
    for (const QJsonValue &block : content.toArray()) {
        const QJsonObject b = block.toObject();
        if (b.value(u"type") == QJsonValue(QStringLiteral("tool_result"))) {
            if (hasToolResult)
                *hasToolResult = true;
        } else if (b.value(u"type") == QJsonValue(QStringLiteral("text"))) {
            text += b.value(u"text").toString() + u'\n';
        }
    }
    return text;
}

QByteArray sse(const char *event, const QJsonObject &data)
{
    return QByteArray("event: ") + event + "\ndata: " + QJsonDocument(data).toJson(QJsonDocument::Compact) + "\n\n";
}

// What Claude Code, Codex, Gemini CLI, OpenCode, Copilot CLI and Qwen Code need to talk to `url`
// with no account (agent-clis.md §7, docs/agents.md).
bool writeClientSetup(const QString &home, const QString &url)
{
    const QString codexHome = home + QStringLiteral("/.codex");
    // Codex ignores OPENAI_BASE_URL: a provider of its own points at us; no retries, so that a
    // failure reaches peal at once.
    const QByteArray codex = QStringLiteral("model_provider = \"scripted\"\nmodel = \"gpt-5\"\n\n"
                                            "[model_providers.scripted]\nname = \"scripted\"\nbase_url = \"%1/v1\"\n"
                                            "env_key = \"PEAL_MODEL_SERVER_KEY\"\nwire_api = \"responses\"\n"
                                            "request_max_retries = 0\nstream_max_retries = 0\n")
                                 .arg(url)
                                 .toUtf8();
    const QByteArray gemini = R"({"security":{"auth":{"selectedType":"gemini-api-key"}}})";
    // OpenCode: a provider of its own in the inline config, with a price so that its cost shows;
    // no update check, no models list from the network.
    const QJsonObject model{{QStringLiteral("name"), QStringLiteral("scripted-model")},
                            {QStringLiteral("cost"), QJsonObject{{QStringLiteral("input"), 3}, {QStringLiteral("output"), 15}}}};
    QJsonObject models;
    for (const char *name : {"scripted-model", "scripted-small", "scripted-large"})
        models.insert(QLatin1String(name), model);
    const QJsonObject openCode{
        {QStringLiteral("provider"),
         QJsonObject{{QStringLiteral("scripted"),
                      QJsonObject{{QStringLiteral("npm"), QStringLiteral("@ai-sdk/openai-compatible")},
                                  {QStringLiteral("name"), QStringLiteral("scripted")},
                                  {QStringLiteral("options"), QJsonObject{{QStringLiteral("baseURL"), QString(url + QStringLiteral("/v1"))},
                                                                          {QStringLiteral("apiKey"), QStringLiteral("scripted")}}},
                                  {QStringLiteral("models"), models}}}}},
        {QStringLiteral("model"), QStringLiteral("scripted/scripted-model")},
        {QStringLiteral("autoupdate"), false},
        {QStringLiteral("share"), QStringLiteral("disabled")}};
    // Qwen Code: no statistics, no update check, no retries of its own (a failure reaches peal
    // at once).
    const QByteArray qwen = R"({"privacy":{"usageStatisticsEnabled":false},"general":{"enableAutoUpdate":false},)"
                            R"("model":{"generationConfig":{"maxRetries":0}},"security":{"auth":{"selectedType":"openai"}}})";
    const QStringList env{QStringLiteral("HOME=") + home,
                          QStringLiteral("ANTHROPIC_BASE_URL=") + url,
                          QStringLiteral("ANTHROPIC_API_KEY=scripted"),
                          QStringLiteral("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"),
                          QStringLiteral("CLAUDE_CODE_MAX_RETRIES=0"),
                          QStringLiteral("CODEX_HOME=") + codexHome,
                          QStringLiteral("PEAL_MODEL_SERVER_KEY=scripted"),
                          QStringLiteral("GOOGLE_GEMINI_BASE_URL=") + url,
                          QStringLiteral("GEMINI_API_KEY=scripted"),
                          QStringLiteral("GEMINI_CLI_TRUST_WORKSPACE=true"),
                          QStringLiteral("OPENCODE_CONFIG_CONTENT=")
                              + QString::fromUtf8(QJsonDocument(openCode).toJson(QJsonDocument::Compact)),
                          QStringLiteral("OPENCODE_DISABLE_MODELS_FETCH=1"),
                          QStringLiteral("OPENCODE_DISABLE_AUTOUPDATE=1"),
                          // Copilot CLI: a provider of its own, no GitHub account, no network.
                          QStringLiteral("COPILOT_PROVIDER_BASE_URL=") + url + QStringLiteral("/v1"),
                          QStringLiteral("COPILOT_PROVIDER_API_KEY=peal-model-server-key"),
                          QStringLiteral("COPILOT_MODEL=scripted-model"),
                          QStringLiteral("COPILOT_OFFLINE=true"),
                          QStringLiteral("OPENAI_BASE_URL=") + url + QStringLiteral("/v1"),
                          QStringLiteral("OPENAI_API_KEY=scripted"),
                          QStringLiteral("OPENAI_MODEL=scripted-model"),
                          // What the CLIs would fetch from npm at start (OpenCode's plugins) fails at once.
                          QStringLiteral("npm_config_offline=true")};
    return writeFile(codexHome + QStringLiteral("/config.toml"), codex)
           && writeFile(home + QStringLiteral("/.gemini/settings.json"), gemini)
           && writeFile(home + QStringLiteral("/.qwen/settings.json"), qwen)
           && writeFile(home + QStringLiteral("/env"), env.join(u'\n').toUtf8() + '\n');
}

} // namespace Peal::ModelServer
