// SPDX-License-Identifier: MIT
// The only translation unit that includes Boost.DLL.
#include <peal/pluginmanager.h>

#include <peal/sdk/result.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>
#include <elf.h>

#include <algorithm>
#include <cstring>

namespace Peal {

QString PluginSpec::libraryPath() const
{
    return QDir(directory).absoluteFilePath(manifest.library);
}

namespace {

const char kFactoryAlias[] = "peal_plugin_factory";
const char kAbiAlias[] = "peal_plugin_abi";

/*
 * Whether the ELF file at `path` exports `name` in its dynamic symbol table (.dynsym), read
 * without loading it. Boost.DLL's library_info reads only .symtab, which `strip` removes (and
 * Debian packages strip every library); .dynsym is what dlopen uses and survives stripping.
 * Returns nothing when the file is not a 64-bit ELF file this reader understands.
 */
std::optional<bool> exportsDynamicSymbol(const QString &path, const char *name)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const qint64 size = file.size();
    const uchar *data = size >= qint64(sizeof(Elf64_Ehdr)) ? file.map(0, size) : nullptr;
    if (!data)
        return std::nullopt;
    const auto inside = [size](quint64 offset, quint64 length) {
        return offset <= quint64(size) && length <= quint64(size) - offset;
    };
    Elf64_Ehdr header;
    std::memcpy(&header, data, sizeof header);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64
        || header.e_shentsize != sizeof(Elf64_Shdr)
        || !inside(header.e_shoff, quint64(header.e_shnum) * sizeof(Elf64_Shdr)))
        return std::nullopt;
    const auto section = [&](quint64 i) {
        Elf64_Shdr shdr;
        std::memcpy(&shdr, data + header.e_shoff + i * sizeof(Elf64_Shdr), sizeof shdr);
        return shdr;
    };
    const std::size_t nameLength = std::strlen(name);
    for (quint64 i = 0; i < header.e_shnum; ++i) {
        const Elf64_Shdr symbols = section(i);
        if (symbols.sh_type != SHT_DYNSYM || symbols.sh_link >= header.e_shnum
            || symbols.sh_entsize != sizeof(Elf64_Sym) || !inside(symbols.sh_offset, symbols.sh_size))
            continue;
        const Elf64_Shdr strings = section(symbols.sh_link);
        if (!inside(strings.sh_offset, strings.sh_size))
            return std::nullopt;
        for (quint64 at = 0; at + sizeof(Elf64_Sym) <= symbols.sh_size; at += sizeof(Elf64_Sym)) {
            Elf64_Sym symbol;
            std::memcpy(&symbol, data + symbols.sh_offset + at, sizeof symbol);
            if (symbol.st_shndx == SHN_UNDEF || symbol.st_name >= strings.sh_size
                || strings.sh_size - symbol.st_name <= nameLength)
                continue;
            const char *text = reinterpret_cast<const char *>(data + strings.sh_offset + symbol.st_name);
            if (std::memcmp(text, name, nameLength + 1) == 0)
                return true;
        }
        return false;
    }
    return false;
}

// "an agent", "a reviewer", "a phase", "an executor".
QString withArticle(PluginRole role)
{
    const QString name = pluginRoleName(role);
    return (QStringLiteral("aeiou").contains(name.front()) ? QStringLiteral("an ") : QStringLiteral("a ")) + name;
}

std::optional<PluginRole> roleFromName(const QString &name)
{
    for (PluginRole role : {PluginRole::Agent, PluginRole::Reviewer, PluginRole::Phase, PluginRole::Executor}) {
        if (pluginRoleName(role) == name)
            return role;
    }
    return std::nullopt;
}

// Reads and type-checks a manifest; returns the reason it is unusable, or nothing.
std::optional<QString> readManifest(const QString &path, PluginManifest *manifest)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot read manifest: %1").arg(file.errorString());
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return QStringLiteral("manifest is not valid JSON: %1 at offset %2")
            .arg(parseError.errorString())
            .arg(parseError.offset);
    if (!doc.isObject())
        return QStringLiteral("manifest is not a JSON object");
    const QJsonObject o = doc.object();

    const auto stringField = [&](const char *key, QString *out, bool required) -> std::optional<QString> {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isUndefined() && !required)
            return std::nullopt;
        if (!v.isString() || v.toString().isEmpty())
            return QStringLiteral("manifest field '%1' must be a non-empty string")
                .arg(QLatin1String(key));
        *out = v.toString();
        return std::nullopt;
    };
    if (auto e = stringField("id", &manifest->id, true))
        return e;
    static const QRegularExpression idPattern(QStringLiteral("^[a-z0-9][a-z0-9_-]*$"));
    if (!idPattern.match(manifest->id).hasMatch())
        return QStringLiteral("manifest id '%1' must use lowercase letters, digits, '-' and '_'")
            .arg(manifest->id);
    if (auto e = stringField("version", &manifest->version, true))
        return e;
    QString roleName;
    if (auto e = stringField("role", &roleName, true))
        return e;
    const auto role = roleFromName(roleName);
    if (!role)
        return QStringLiteral("manifest role '%1' is not one of agent, reviewer, phase").arg(roleName);
    manifest->role = *role;
    if (auto e = stringField("description", &manifest->description, true))
        return e;
    manifest->library = QFileInfo(path).fileName().section(u'.', 0, 0) + QStringLiteral(".so");
    if (auto e = stringField("library", &manifest->library, false))
        return e;
    if (manifest->library.contains(u'/'))
        return QStringLiteral("manifest field 'library' must be a file name beside the manifest");
    const QJsonValue needs = o.value(QStringLiteral("needs"));
    if (!needs.isUndefined() && !needs.isArray())
        return QStringLiteral("manifest field 'needs' must be an array of \"agent\" and \"reviewer\"");
    for (const QJsonValue &need : needs.toArray()) {
        if (need == QJsonValue(QStringLiteral("agent")))
            manifest->needsAgent = true;
        else if (need == QJsonValue(QStringLiteral("reviewer")))
            manifest->needsReviewer = true;
        else
            return QStringLiteral("manifest field 'needs' may list \"agent\" and \"reviewer\", not %1")
                .arg(QString::fromUtf8(QJsonDocument(QJsonArray{need}).toJson(QJsonDocument::Compact)));
    }
    const QJsonValue abi = o.value(QStringLiteral("abi"));
    if (!abi.isDouble() || abi.toDouble() != double(abi.toInt()))
        return QStringLiteral("manifest field 'abi' must be an integer");
    manifest->abi = abi.toInt();
    if (manifest->abi != PEAL_PLUGIN_ABI)
        return QStringLiteral("built for plugin ABI %1, but this peal loads ABI %2; rebuild the "
                              "plugin against this peal's SDK")
            .arg(manifest->abi)
            .arg(PEAL_PLUGIN_ABI);
    return std::nullopt;
}

// dlopen's own message (names a missing symbol or library); Boost.DLL keeps only an errno.
QString dlopenDiagnostic(const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    void *handle = ::dlopen(native.constData(), RTLD_NOW | RTLD_LOCAL);
    if (handle) {
        ::dlclose(handle);
        return QString();
    }
    const char *message = ::dlerror();
    return message ? QString::fromLocal8Bit(message) : QString();
}

} // namespace

class PluginManager::Private
{
public:
    QStringList searchPath;
    QList<PluginSpec> specs;
    // Libraries stay loaded for the manager's lifetime; objects hold them too.
    QHash<QString, std::shared_ptr<boost::dll::shared_library>> libraries;
    QHash<QString, std::shared_ptr<Plugin>> objects;

    PluginSpec *spec(const QString &id)
    {
        for (PluginSpec &s : specs) {
            if (s.manifest.id == id && s.status != PluginSpec::Status::Shadowed)
                return &s;
        }
        return nullptr;
    }
    Result<std::shared_ptr<Plugin>> loadSpec(PluginSpec &spec);
};

Result<std::shared_ptr<Plugin>> PluginManager::Private::loadSpec(PluginSpec &spec)
{
    const QString path = spec.libraryPath();
    const auto reject = [&](const QString &reason) -> Error {
        spec.status = PluginSpec::Status::Rejected;
        spec.error = QStringLiteral("%1: %2").arg(path, reason);
        return Error(Error::Kind::Plugin, QStringLiteral("plugin '%1' cannot be loaded: %2")
                                              .arg(spec.manifest.id, spec.error));
    };
    if (!QFileInfo(path).isFile())
        return reject(QStringLiteral("library file not found (named by %1)").arg(spec.manifestPath));

    // Look for the factory alias before running any of the library's code: in the "boostdll"
    // section's symbols when the library has a full symbol table, else (a stripped library) in
    // its dynamic symbols.
    try {
        boost::dll::library_info info(path.toStdString());
        const std::vector<std::string> aliases = info.symbols("boostdll");
        const bool found = std::find(aliases.begin(), aliases.end(), kFactoryAlias) != aliases.end()
                           || (info.symbols().empty() && exportsDynamicSymbol(path, kFactoryAlias).value_or(false));
        if (!found)
            return reject(QStringLiteral("does not export the plugin factory '%1' (use "
                                         "PEAL_REGISTER_PLUGIN)")
                              .arg(QLatin1String(kFactoryAlias)));
    } catch (const std::exception &e) {
        return reject(QStringLiteral("not a loadable shared library (%1)").arg(QString::fromLocal8Bit(e.what())));
    }

    auto library = std::make_shared<boost::dll::shared_library>();
    std::error_code ec;
    library->load(path.toStdString(),
                  boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec) {
        const QString why = dlopenDiagnostic(path);
        return reject(why.isEmpty() ? QString::fromStdString(ec.message()) : why);
    }
    if (!library->has(kAbiAlias))
        return reject(QStringLiteral("does not export '%1'").arg(QLatin1String(kAbiAlias)));
    const int abi = library->get_alias<const int>(kAbiAlias);
    if (abi != PEAL_PLUGIN_ABI)
        return reject(QStringLiteral("library was built for plugin ABI %1 but its manifest says %2")
                          .arg(abi)
                          .arg(spec.manifest.abi));

    PluginFactory &factory = library->get_alias<PluginFactory>(kFactoryAlias);
    char message[512] = {};
    Plugin *raw = nullptr;
    if (auto made = callGuarded(QStringLiteral("the plugin factory"), [&] { raw = factory(message, sizeof message); });
        !made)
        return reject(made.error().message());
    if (!raw)
        return reject(message[0] ? QStringLiteral("the plugin factory failed: %1")
                                       .arg(QString::fromLocal8Bit(message))
                                 : QStringLiteral("the plugin factory returned no object"));
    // The deleter owns the library: the object's code stays mapped until the object is gone.
    std::shared_ptr<Plugin> object(raw, [library](Plugin *p) { delete p; });
    PluginRole actual = spec.manifest.role;
    if (auto asked = callGuarded(QStringLiteral("role()"), [&] { actual = object->role(); }); !asked)
        return reject(asked.error().message());
    if (actual != spec.manifest.role)
        return reject(QStringLiteral("object has role '%1' but its manifest says '%2'")
                          .arg(pluginRoleName(actual), pluginRoleName(spec.manifest.role)));
    libraries.insert(spec.manifest.id, library);
    objects.insert(spec.manifest.id, object);
    spec.status = PluginSpec::Status::Loaded;
    return object;
}

PluginManager::PluginManager() : d(std::make_unique<Private>()) {}

PluginManager::~PluginManager()
{
    // Objects first (their destructors are library code), then the libraries.
    d->objects.clear();
    d->libraries.clear();
}

QStringList PluginManager::defaultSearchPath(const QStringList &extraDirs)
{
    QStringList dirs = extraDirs;
    for (const QString &dir : qEnvironmentVariable("PEAL_PLUGIN_PATH").split(u':', Qt::SkipEmptyParts))
        dirs.append(dir);
    const QString userData = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (!userData.isEmpty())
        dirs.append(userData + QStringLiteral("/peal/plugins"));
    const QString appDir = QCoreApplication::applicationDirPath();
    if (!appDir.isEmpty())
        dirs.append(QDir(appDir).absoluteFilePath(QStringLiteral("../lib/peal/plugins")));
    QStringList unique;
    for (const QString &dir : std::as_const(dirs)) {
        const QString clean = QDir::cleanPath(QDir(dir).absolutePath());
        if (!unique.contains(clean))
            unique.append(clean);
    }
    return unique;
}

void PluginManager::discover(const QStringList &directories)
{
    d->searchPath = directories;
    for (const QString &dirPath : directories) {
        const QDir dir(dirPath);
        const QStringList manifests = dir.entryList({QStringLiteral("*.plugin.json")},
                                                    QDir::Files | QDir::Readable, QDir::Name);
        for (const QString &name : manifests) {
            PluginSpec spec;
            spec.manifestPath = dir.absoluteFilePath(name);
            spec.directory = dir.absolutePath();
            if (const auto problem = readManifest(spec.manifestPath, &spec.manifest)) {
                spec.status = PluginSpec::Status::Rejected;
                spec.error = QStringLiteral("%1: %2").arg(spec.manifestPath, *problem);
            } else if (const PluginSpec *first = find(spec.manifest.id)) {
                spec.status = PluginSpec::Status::Shadowed;
                spec.error = QStringLiteral("shadowed by %1").arg(first->manifestPath);
            }
            d->specs.append(spec);
        }
    }
}

const QList<PluginSpec> &PluginManager::specs() const
{
    return d->specs;
}

const QStringList &PluginManager::searchPath() const
{
    return d->searchPath;
}

const PluginSpec *PluginManager::find(const QString &id) const
{
    for (const PluginSpec &s : d->specs) {
        if (s.manifest.id == id
            && (s.status == PluginSpec::Status::Found || s.status == PluginSpec::Status::Loaded))
            return &s;
    }
    return nullptr;
}

Result<std::shared_ptr<Plugin>> PluginManager::load(const QString &id, PluginRole role)
{
    if (const auto it = d->objects.constFind(id); it != d->objects.cend()) {
        if (d->spec(id)->manifest.role != role)
            return Error(Error::Kind::Plugin, QStringLiteral("plugin '%1' is %2 plugin, but the role '%3' is needed")
                                                  .arg(id, withArticle(d->spec(id)->manifest.role), pluginRoleName(role)));
        return *it;
    }
    PluginSpec *spec = d->spec(id);
    if (!spec) {
        // Say why: a rejected manifest with that id, or nothing found at all.
        for (const PluginSpec &s : std::as_const(d->specs)) {
            if (s.manifest.id == id && s.status == PluginSpec::Status::Rejected)
                return Error(Error::Kind::Plugin,
                             QStringLiteral("plugin '%1' cannot be loaded: %2").arg(id, s.error));
        }
        return Error(Error::Kind::Plugin,
                     QStringLiteral("plugin '%1' not found (searched: %2)")
                         .arg(id, d->searchPath.isEmpty() ? QStringLiteral("no directories")
                                                          : d->searchPath.join(QStringLiteral(", "))));
    }
    if (spec->status == PluginSpec::Status::Rejected)
        return Error(Error::Kind::Plugin,
                     QStringLiteral("plugin '%1' cannot be loaded: %2").arg(id, spec->error));
    if (spec->manifest.role != role)
        return Error(Error::Kind::Plugin,
                     QStringLiteral("plugin '%1' (%2) is %3 plugin, but the role '%4' is needed")
                         .arg(id, spec->manifestPath, withArticle(spec->manifest.role), pluginRoleName(role)));
    return d->loadSpec(*spec);
}

void PluginManager::loadAll()
{
    for (PluginSpec &spec : d->specs) {
        if (spec.status == PluginSpec::Status::Found)
            (void)d->loadSpec(spec);
    }
}

} // namespace Peal
