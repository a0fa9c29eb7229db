// SPDX-License-Identifier: MIT
#include <peal/sdk/reviewer.h>

#include <QSet>

namespace Peal {

ReviewServices::~ReviewServices() = default;

QStringList ReviewServices::acceptedChanges() const
{
    return {};
}
ReviewSession::~ReviewSession() = default;

bool ReviewSession::seesUncommittedChanges() const
{
    return true;
}
Reviewer::~Reviewer() = default;
ReviewerPlugin::~ReviewerPlugin() = default;

PluginRole ReviewerPlugin::role() const
{
    return PluginRole::Reviewer;
}

QStringList ReviewerPlugin::repositoryStateDirectories() const
{
    return {};
}

QStringList findingKeys(const QList<Finding> &findings)
{
    QStringList keys;
    QSet<QString> seen;
    for (const Finding &f : findings) {
        QString key = f.id;
        if (key.isEmpty()) {
            key = f.path.value_or(QString());
            if (f.line)
                key += u':' + QString::number(*f.line);
            key += QStringLiteral(": ") + f.message;
        }
        if (!seen.contains(key)) {
            seen.insert(key);
            keys.append(key);
        }
    }
    return keys;
}

const QStringList &dismissReasons()
{
    static const QStringList reasons = {
        QStringLiteral("false_positive"),
        QStringLiteral("already_correct"),
        QStringLiteral("wrong_suggestion"),
        QStringLiteral("out_of_scope"),
    };
    return reasons;
}

QStringList numberedFindingKeys(int count)
{
    QStringList keys;
    for (int i = 1; i <= count; ++i)
        keys.append(QStringLiteral("#%1").arg(i));
    return keys;
}

QStringList ReviewerPlugin::openFindings(const QString &output) const
{
    if (const auto findings = parseFindings(output))
        return findingKeys(*findings);
    return numberedFindingKeys(countFindings(output));
}

} // namespace Peal
