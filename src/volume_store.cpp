// Named volumes of the local driver: records under <root>/volumes/<name>,
// their _data directories, which containers use them, and podman's JSON
// view of one. Callers hold the store lock around any change.
#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/store.hpp"
#include "conman/timeutil.hpp"
#include "conman/volume.hpp"

namespace conman {

namespace {
constexpr const char* kRecord = "/config.json";
}  // namespace

bool valid_volume_name(const std::string& name) {
    if (name.empty() || name.size() > 255) return false;
    auto ok_first = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    if (!ok_first(name[0])) return false;
    return std::all_of(name.begin(), name.end(), [&](char c) { return ok_first(c) || c == '_' || c == '.' || c == '-'; });
}

std::optional<VolumeRecord> VolumeStore::find(const std::string& name) const {
    if (!valid_volume_name(name)) return std::nullopt;
    auto body = read_file_if_exists(volume_dir(name) + kRecord);
    if (!body) return std::nullopt;
    try {
        return nlohmann::json::parse(*body).get<VolumeRecord>();
    } catch (const std::exception& e) {
        fail(ErrorKind::System, "volume {}: its record is damaged: {}", name, e.what());
    }
}

VolumeRecord VolumeStore::get(const std::string& name) const {
    auto r = find(name);
    if (!r) fail(ErrorKind::NotFound, "no such volume {}", name);
    return *r;
}

void VolumeStore::require(const std::string& name) const {
    if (!valid_volume_name(name) || !path_exists(volume_dir(name) + kRecord)) fail(ErrorKind::NotFound, "no such volume {}", name);
}

std::vector<VolumeRecord> VolumeStore::all() const {
    std::vector<VolumeRecord> out;
    auto names = list_dir(dir());
    std::sort(names.begin(), names.end());
    for (auto& n : names) {
        try {
            if (auto r = find(n)) out.push_back(*r);
        } catch (const Error&) {
            // a damaged record shows up in inspect/rm by name, not in listings
        }
    }
    return out;
}

VolumeRecord VolumeStore::create(VolumeRecord r) const {
    if (!valid_volume_name(r.name))
        fail(ErrorKind::Usage, "invalid volume name \"{}\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", r.name);
    mkdir_p(dir(), 0700);
    std::string vd = volume_dir(r.name);
    if (::mkdir(vd.c_str(), 0700) < 0) {
        if (errno != EEXIST) throw_sys(errno, "creating volume {}", r.name);
        // A directory without a record is what a crash mid-create leaves: reclaim it.
        if (path_exists(vd + kRecord)) fail(ErrorKind::Conflict, "volume with name {} already exists", r.name);
        remove_all(vd);
        if (::mkdir(vd.c_str(), 0700) < 0) throw_sys(errno, "creating volume {}", r.name);
    }
    try {
        std::string data = mountpoint(r.name);
        if (::mkdir(data.c_str(), 0755) < 0) throw_sys(errno, "creating {}", data);
        ::chmod(data.c_str(), 0755);  // whatever the umask
        if (r.uid >= 0 || r.gid >= 0) {
            if (::lchown(data.c_str(), static_cast<uid_t>(r.uid), static_cast<gid_t>(r.gid)) < 0)
                throw_sys(errno, "volume {}: setting the owner of {}", r.name, data);
        }
        if (!r.created) r.created = now_ns();
        save(r);
    } catch (...) {
        remove_all(vd);
        throw;
    }
    return r;
}

void VolumeStore::save(const VolumeRecord& r) const {
    atomic_write(volume_dir(r.name) + kRecord, nlohmann::json(r).dump(), 0600);
}

void VolumeStore::remove(const std::string& name) const {
    if (!valid_volume_name(name)) fail(ErrorKind::NotFound, "no such volume {}", name);
    std::string vd = volume_dir(name);
    // The record goes first: a half-removed volume is a leftover directory, not a volume.
    if (::unlink((vd + kRecord).c_str()) < 0 && errno != ENOENT) throw_sys(errno, "removing volume {}", name);
    remove_all(vd);
}

std::vector<std::string> VolumeStore::users(const Store& store, const std::string& name) const {
    std::vector<std::string> out;
    for (auto& c : store.load_all()) {
        for (auto& m : c.config.volumes.mounts) {
            if (m.type == "volume" && m.name == name) {
                out.push_back(c.config.id);
                break;
            }
        }
    }
    return out;
}

nlohmann::json volume_json(const VolumeStore& vs, const VolumeRecord& r, int mount_count) {
    nlohmann::json j = {
        {"Name", r.name},
        {"Driver", r.driver},
        {"Mountpoint", vs.mountpoint(r.name)},
        {"CreatedAt", format_rfc3339nano(r.created)},
        {"Labels", r.labels},
        {"Scope", "local"},
        {"Options", r.options},
        {"MountCount", mount_count},
        {"NeedsCopyUp", r.needs_copy_up},
        {"NeedsChown", r.needs_chown},
    };
    if (r.anonymous) j["Anonymous"] = true;
    if (r.uid >= 0) j["UID"] = r.uid;
    if (r.gid >= 0) j["GID"] = r.gid;
    return j;
}

}  // namespace conman
