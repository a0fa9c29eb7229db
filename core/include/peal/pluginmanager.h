// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/plugin.h>
#include <peal/sdk/result.h>

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

namespace Peal {

// What the manifest `<name>.plugin.json` says, read before any plugin code runs.
struct PEAL_EXPORT PluginManifest
{
    QString id;
    QString version;
    int abi = 0;
    PluginRole role = PluginRole::Phase;
    QString description;
    QString library; // file name of the module, beside the manifest
    bool needsAgent = false;    // "needs": ["agent", "reviewer"] (phase plugins)
    bool needsReviewer = false;
};

// One manifest found during discovery and what became of it.
struct PEAL_EXPORT PluginSpec
{
    enum class Status {
        Found,    // manifest valid; not loaded yet
        Loaded,   // library loaded and object created
        Rejected, // manifest or library unusable; see `error`
        Shadowed, // another plugin with the same id was found first
    };

    QString manifestPath;
    QString directory;
    PluginManifest manifest;
    Status status = Status::Found;
    QString error; // why it was rejected: names the file and the reason

    QString libraryPath() const;
};

/*
 * Finds plugins in directories (in priority order), checks their manifests, and loads them on
 * request with Boost.DLL: absolute path, RTLD_NOW, the factory alias, the ABI number checked
 * again inside the library. Loaded libraries stay loaded until the manager is destroyed, and
 * every object it hands out keeps its library alive.
 */
class PEAL_EXPORT PluginManager
{
public:
    PluginManager();
    ~PluginManager();
    PluginManager(const PluginManager &) = delete;
    PluginManager &operator=(const PluginManager &) = delete;

    // The standard search path: `extraDirs` (--plugin-dir), PEAL_PLUGIN_PATH, the user data dir,
    // then ../lib/peal/plugins beside the executable.
    static QStringList defaultSearchPath(const QStringList &extraDirs);

    void discover(const QStringList &directories);
    const QList<PluginSpec> &specs() const;
    const QStringList &searchPath() const;

    // The usable spec for `id` (first found), or nullptr.
    const PluginSpec *find(const QString &id) const;

    // Loads plugin `id` (once) and checks it has `role`. Errors name the file and the reason.
    Result<std::shared_ptr<Plugin>> load(const QString &id, PluginRole role);

    // Loads every usable plugin; failures are recorded on the specs.
    void loadAll();

private:
    class Private;
    std::unique_ptr<Private> d;
};

template<typename T>
std::shared_ptr<T> pluginCast(const std::shared_ptr<Plugin> &plugin)
{
    // Safe: the role was checked against the interface by PluginManager::load().
    return std::static_pointer_cast<T>(plugin);
}

} // namespace Peal
