// Volumes and mounts: what -v/--volume, --mount, --tmpfs and --volumes-from
// ask for, named volumes of the "local" driver under <root>/volumes, and
// how a container's mounts are made ready at create (volumes created on
// first use, image content copied up into new volumes, U chowns).
//
// On disk:
//   <root>/volumes/<name>/config.json   VolumeRecord (atomic)
//   <root>/volumes/<name>/_data/        the volume's content (the mountpoint)
// Every change of a volume happens under the container store lock, which
// also guards the containers that use them (the in-use checks).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conman/container.hpp"
#include "conman/context.hpp"

namespace conman {

class Store;

// The raw flag values, as typed (create and run).
struct VolumeFlags {
    std::vector<std::string> volume;        // -v/--volume SRC:DST[:OPTS], DST
    std::vector<std::string> mount;         // --mount type=...,...
    std::vector<std::string> tmpfs;         // --tmpfs DST[:OPTS]
    std::vector<std::string> volumes_from;  // --volumes-from CTR[:ro|rw]
};

// One parsed mount request, before anything exists on disk.
struct MountRequest {
    std::string type;         // "bind", "volume" or "tmpfs"
    std::string source;       // bind: absolute host path; volume: name ("" = anonymous)
    std::string destination;  // absolute, cleaned
    bool read_only = false;
    bool recursive = true;            // rbind (bind,volume); false: bind
    std::string propagation;          // "" = rprivate
    std::vector<std::string> flags;   // noexec/exec, nosuid/suid, nodev/dev as given
    bool copy_up = true;              // volume: copy image content into a new volume (nocopy: false)
    bool chown = false;               // U: chown the source to the container's user
    std::vector<std::string> tmpfs_options;  // tmpfs: size=, mode=, other mount options
};

// Parsers (pure: they touch nothing on disk). Bad input throws Error(Usage).
MountRequest parse_volume_flag(const std::string& spec);
MountRequest parse_mount_flag(const std::string& spec);
MountRequest parse_tmpfs_flag(const std::string& spec);
// --volumes-from CTR[:ro|rw]: the container and the override ("" = keep each mount's own).
std::pair<std::string, std::string> parse_volumes_from(const std::string& spec);
// All of -v, --mount and --tmpfs, in that order; duplicate destinations throw.
std::vector<MountRequest> parse_mount_requests(const VolumeFlags& f);
// "/a//b/" -> "/a/b"; relative paths throw naming what.
std::string clean_container_path(const std::string& p, const std::string& what);

// The OCI options of a request whose host side is host_source (the bind
// source or the volume's _data): rbind, ro/rw, propagation, flags, plus
// nosuid/nodev/noexec when the source's file system has them.
std::vector<std::string> mount_options(const MountRequest& r, const std::string& host_source);

// The OCI runtime-spec entries for a container's own mounts.
nlohmann::json oci_mount(const MountConfig& m);
// Replaces default mounts (spec.cpp's list) that a user mount covers and
// appends the user mounts, parents before children.
void add_user_mounts(nlohmann::json& mounts, const std::vector<MountConfig>& user);
// podman's "Mounts" entries of container inspect (tmpfs mounts are not listed).
nlohmann::json inspect_mounts(const ContainerConfig& c);
// The container paths of its own mounts (ps's Mounts).
std::vector<std::string> mount_destinations(const ContainerConfig& c);
// HostConfig.Binds and HostConfig.Tmpfs of container inspect.
nlohmann::json inspect_binds(const ContainerConfig& c);
nlohmann::json inspect_tmpfs(const ContainerConfig& c);

// ---- named volumes ----

struct VolumeRecord {
    std::string name;
    std::string driver = "local";
    int64_t created = 0;  // ns since the epoch
    std::map<std::string, std::string> labels, options;
    bool anonymous = false;
    bool needs_copy_up = true;  // cleared the first time a container mounts it
    bool needs_chown = true;
    int64_t uid = -1, gid = -1;  // --opt uid=/gid=: owner of _data
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VolumeRecord, name, driver, created, labels, options, anonymous,
                                                needs_copy_up, needs_chown, uid, gid)

bool valid_volume_name(const std::string& name);  // [a-zA-Z0-9][a-zA-Z0-9_.-]*

// Volume records under <root>/volumes. Callers hold the store lock for any change.
class VolumeStore {
public:
    explicit VolumeStore(const Context& ctx) : ctx_(ctx) {}
    std::string dir() const { return ctx_.root + "/volumes"; }
    std::string volume_dir(const std::string& name) const { return dir() + "/" + name; }
    std::string mountpoint(const std::string& name) const { return volume_dir(name) + "/_data"; }

    std::optional<VolumeRecord> find(const std::string& name) const;
    VolumeRecord get(const std::string& name) const;  // throws NotFound
    // Throws NotFound unless the volume has a record, readable or not (rm of a damaged volume).
    void require(const std::string& name) const;
    std::vector<VolumeRecord> all() const;            // sorted by name
    // Creates the record and an empty _data; Conflict when the name is taken.
    VolumeRecord create(VolumeRecord r) const;
    void save(const VolumeRecord& r) const;
    void remove(const std::string& name) const;
    // IDs of the containers (any state) whose mounts use the volume.
    std::vector<std::string> users(const Store& store, const std::string& name) const;

private:
    const Context& ctx_;
};

// podman's volume inspect object.
nlohmann::json volume_json(const VolumeStore& vs, const VolumeRecord& r, int mount_count);

// ---- create and remove of containers ----

// Undoes the volumes a failed create made (unless disarmed).
class VolumeRollback {
public:
    explicit VolumeRollback(const Context& ctx) : ctx_(ctx) {}
    ~VolumeRollback();
    VolumeRollback(const VolumeRollback&) = delete;
    VolumeRollback& operator=(const VolumeRollback&) = delete;
    void disarm() { created_.clear(); }
    void created(const std::string& name) { created_.push_back(name); }

private:
    const Context& ctx_;
    std::vector<std::string> created_;
};

// Fills cfg.volumes from the flags, --volumes-from and the image's VOLUMEs:
// creates missing named and anonymous volumes, copies image content up into
// new ones, applies U. The store lock is held and cfg.rootfs is ready.
void attach_volumes(const Context& ctx, const Store& store, ContainerConfig& cfg, const VolumeFlags& flags,
                    const std::vector<std::string>& image_volumes, VolumeRollback& rollback);
// Removes the anonymous volumes cfg made that no other container uses
// (rm -v, run --rm). The store lock is held.
void remove_anonymous_volumes(const Context& ctx, const Store& store, const ContainerConfig& cfg);
// The same, taking the store lock.
void release_anonymous_volumes(const Context& ctx, const ContainerConfig& cfg);

}  // namespace conman
