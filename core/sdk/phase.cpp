// SPDX-License-Identifier: MIT
#include <peal/sdk/phase.h>
#include <peal/sdk/text.h>

namespace Peal {

PhaseServices::~PhaseServices() = default;
PhaseRun::~PhaseRun() = default;
PhasePlugin::~PhasePlugin() = default;

PluginRole PhasePlugin::role() const
{
    return PluginRole::Phase;
}

QStringList PhasePlugin::describe(const PhaseOutlineContext &) const
{
    return {};
}

QString commitMessage(quint32 taskIndex, const std::optional<QString> &suffix)
{
    QString message = QStringLiteral("peal: task %1").arg(taskIndex);
    if (!suffix)
        return message;
    QString text = suffix->trimmed();
    if (Text::utf8Length(text) > 80)
        text = Text::truncateUtf8(text, 77) + QStringLiteral("...");
    if (!text.isEmpty())
        message += QStringLiteral(" - ") + text;
    return message;
}

} // namespace Peal
