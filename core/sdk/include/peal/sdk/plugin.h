// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>
#include <peal/sdk/extensions.h>
#include <peal/sdk/result.h>
#include <peal/sdk/version.h>

#include <QJsonObject>
#include <QString>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <optional>

/*
 * The plugin ABI. A plugin is a MODULE library with a sidecar manifest `<name>.plugin.json`
 * (see docs/plugins.md) and one factory exported under a fixed alias. The core loads only
 * plugins built for its PEAL_PLUGIN_ABI (peal/sdk/version.h). The number changes only when
 * docs/plugins.md's policy says so: structs grow through their Extensions, the roles' virtual
 * functions never change, interfaces the core implements grow at their end.
 */

namespace Peal {

enum class PluginRole {
    Agent,    // builds agent command lines and reads their results (Cursor's `agent`, ...)
    Reviewer, // builds review command lines and reads findings (stet)
    Phase,    // a step of the per-task pipeline (address, custom phases)
    Executor, // where processes run (local children, Slurm job steps)
};

PEAL_EXPORT QString pluginRoleName(PluginRole role);

// What a plugin is told at load time: its own `[plugins.<id>]` table and the few core settings
// plugins need. Never the whole configuration.
struct PEAL_EXPORT PluginConfig
{
    QString id;                        // the plugin's id
    QJsonObject options;               // its [plugins.<id>] table (empty when there is none)
    QString repoPath;                  // repo_path as configured
    std::chrono::seconds phaseTimeout{0}; // phase_timeout_sec: the default for a process's timeout
    bool commitAfterPhase2 = false;
    // The PATH that programs are looked up on (lookUpProgram); none: PATH is not set.
    std::optional<QString> pathVariable;
    Extensions extensions = {};
};

// Base of every plugin object. Plugins never throw out of their methods; the core still
// catches anything that escapes and reports it as a plugin error.
class PEAL_EXPORT Plugin
{
public:
    virtual ~Plugin();
    virtual PluginRole role() const = 0;

    // Called once, when the plugin takes part in a run, before anything runs (and by
    // --dry-run): read and check the options here, so that a bad one stops the run at once. An
    // error's message names the key ("unknown key 'comand'"); peal adds the table and the file.
    virtual Result<void> configure(const PluginConfig &config);
};

// The factory: returns a new plugin, or nullptr with a message written into `error`.
using PluginFactory = Plugin *(char *error, std::size_t errorSize);

} // namespace Peal

#define PEAL_PLUGIN_VISIBLE __attribute__((visibility("default")))

/*
 * Exports `Class` (default-constructible, derived from one of the role interfaces) as this
 * library's plugin. Use it once, in one .cpp file of the plugin. The factory catches
 * everything the constructor throws. The aliases live in the "boostdll" section, as
 * BOOST_DLL_ALIAS would put them, so the core can check they exist before loading the library.
 */
#define PEAL_REGISTER_PLUGIN(Class)                                                              \
    extern "C" {                                                                                 \
    PEAL_PLUGIN_VISIBLE Peal::Plugin *peal_create_plugin(char *error, std::size_t errorSize)     \
    {                                                                                            \
        try {                                                                                    \
            return new Class();                                                                  \
        } catch (const std::exception &e) {                                                      \
            std::snprintf(error, errorSize, "%s", e.what());                                     \
        } catch (...) {                                                                          \
            std::snprintf(error, errorSize, "unknown exception");                                \
        }                                                                                        \
        return nullptr;                                                                          \
    }                                                                                            \
    static const int peal_plugin_abi_value = PEAL_PLUGIN_ABI;                                   \
    PEAL_PLUGIN_VISIBLE __attribute__((section("boostdll"), weak)) const void                   \
        *peal_plugin_factory = reinterpret_cast<const void *>(&peal_create_plugin);              \
    PEAL_PLUGIN_VISIBLE __attribute__((section("boostdll"), weak)) const void                   \
        *peal_plugin_abi = reinterpret_cast<const void *>(&peal_plugin_abi_value);               \
    }
