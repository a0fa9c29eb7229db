// SPDX-License-Identifier: MIT
#include "pluginscommand.h"

#include "console.h"

#include <peal/exitcode.h>
#include <peal/pluginmanager.h>

namespace Peal::Cli {

int runPluginsCommand(const QStringList &pluginDirs)
{
    PluginManager manager;
    manager.discover(PluginManager::defaultSearchPath(pluginDirs));
    manager.loadAll();

    QString text = QStringLiteral("Search path (first match wins):\n");
    for (const QString &dir : manager.searchPath())
        text += QStringLiteral("  %1\n").arg(dir);
    text += u'\n';
    bool allGood = true;
    if (manager.specs().isEmpty())
        text += QStringLiteral("No plugins found.\n");
    for (const PluginSpec &spec : manager.specs()) {
        QString status;
        switch (spec.status) {
        case PluginSpec::Status::Loaded:
        case PluginSpec::Status::Found:
            status = QStringLiteral("ok");
            break;
        case PluginSpec::Status::Shadowed:
            status = QStringLiteral("shadowed");
            break;
        case PluginSpec::Status::Rejected:
            status = QStringLiteral("rejected");
            allGood = false;
            break;
        }
        const QString id = spec.manifest.id.isEmpty() ? QStringLiteral("?") : spec.manifest.id;
        text += QStringLiteral("%1  %2  %3  %4\n")
                    .arg(id, -10)
                    .arg(spec.manifest.id.isEmpty() ? QStringLiteral("-") : pluginRoleName(spec.manifest.role), -8)
                    .arg(spec.manifest.version.isEmpty() ? QStringLiteral("-") : spec.manifest.version, -8)
                    .arg(status);
        text += QStringLiteral("    %1\n").arg(spec.manifestPath);
        if (!spec.manifest.description.isEmpty())
            text += QStringLiteral("    %1\n").arg(spec.manifest.description);
        if (!spec.error.isEmpty())
            text += QStringLiteral("    reason: %1\n").arg(spec.error);
    }
    printOut(text);
    return toInt(allGood ? ExitCode::Success : ExitCode::Failure);
}

} // namespace Peal::Cli
