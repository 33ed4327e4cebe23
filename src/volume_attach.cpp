// A container's mounts made ready at create: bind sources checked, named
// volumes created on first use, anonymous volumes for -v /path and the
// image's VOLUMEs, --volumes-from copied, image content copied up into new
// volumes, U applied. And the removal of a container's anonymous volumes.
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <set>

#include <fmt/format.h>

#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/names.hpp"
#include "conman/rootfs.hpp"
#include "conman/spec.hpp"
#include "conman/storage.hpp"
#include "conman/store.hpp"
#include "conman/userns.hpp"
#include "conman/volume.hpp"

namespace conman {

namespace {

// The id, in the namespace conman runs in (rootless: the user's, userns.hpp),
// that a container id stands for: itself, unless the container has a user
// namespace of its own (--userns keep-id).
uint32_t host_id(const ContainerConfig& cfg, uint32_t id, bool is_uid) {
    const auto& map = is_uid ? cfg.userns.uid_map : cfg.userns.gid_map;
    if (map.empty()) return id;
    for (auto& m : map)
        if (id >= m.container_id && id - m.container_id < m.size) return m.host_id + (id - m.container_id);
    fail(ErrorKind::Usage, "{} {} is not mapped into the container's user namespace", is_uid ? "uid" : "gid", id);
}

thread_local uid_t g_chown_uid;
thread_local gid_t g_chown_gid;
thread_local int g_chown_errno;
thread_local std::string g_chown_path;

int chown_one(const char* path, const struct stat*, int, struct FTW*) {
    if (::lchown(path, g_chown_uid, g_chown_gid) < 0) {
        g_chown_errno = errno;
        g_chown_path = path;
        return 1;
    }
    return 0;
}

// U: the whole tree (symlinks themselves, never followed) to the container's user.
void chown_tree(const std::string& root, const ContainerConfig& cfg) {
    g_chown_uid = host_id(cfg, cfg.uid, true);
    g_chown_gid = host_id(cfg, cfg.gid, false);
    g_chown_errno = 0;
    if (::nftw(root.c_str(), chown_one, 64, FTW_PHYS | FTW_MOUNT) != 0)
        throw_sys(g_chown_errno ? g_chown_errno : errno, "U: changing the owner of {}", g_chown_path.empty() ? root : g_chown_path);
}

// The first mount of a volume: copy the image's content at dest into it
// (when empty), else give it the container user's ownership. Later mounts
// change nothing.
void first_mount(const VolumeStore& vs, VolumeRecord& rec, const ContainerConfig& cfg, const std::string& dest,
                 bool copy_up) {
    if (!rec.needs_copy_up && !rec.needs_chown) return;
    std::string data = vs.mountpoint(rec.name);
    bool copied = false;
    if (rec.needs_copy_up && copy_up) {
        UniqueFd src = open_in_root(cfg.rootfs, dest, O_PATH | O_DIRECTORY);
        if (src && list_dir(data).empty()) {
            char real[PATH_MAX];
            std::string link = fmt::format("/proc/self/fd/{}", src.get());
            ssize_t n = ::readlink(link.c_str(), real, sizeof real - 1);
            if (n < 0) throw_sys(errno, "volume {}: resolving {} in the container", rec.name, dest);
            real[n] = '\0';
            try {
                vfs_create({std::string(real)}, data);
            } catch (const Error& e) {
                throw Error(e.kind(), fmt::format("volume {}: copying the content of {} into it: {}", rec.name, dest, e.what()),
                            e.err_no());
            }
            copied = true;
        }
    }
    if (rec.needs_chown && !copied && rec.uid < 0 && rec.gid < 0) {
        // Rootless with a single mapped id: other owners cannot exist; keep the user's.
        if (::lchown(data.c_str(), host_id(cfg, cfg.uid, true), host_id(cfg, cfg.gid, false)) < 0 &&
            !(errno == EINVAL && host_identity().rootless))
            throw_sys(errno, "volume {}: setting its owner", rec.name);
    }
    rec.needs_copy_up = false;
    rec.needs_chown = false;
    vs.save(rec);
}

MountConfig volume_mount(const VolumeStore& vs, const ContainerConfig& cfg, const MountRequest& r,
                         VolumeRollback& rollback) {
    MountConfig m;
    m.type = "volume";
    m.destination = r.destination;
    m.anonymous = r.source.empty();
    m.name = m.anonymous ? new_container_id() : r.source;
    auto rec = vs.find(m.name);
    if (!rec) {
        VolumeRecord fresh;
        fresh.name = m.name;
        fresh.anonymous = m.anonymous;
        rec = vs.create(fresh);
        rollback.created(m.name);
    }
    m.source = vs.mountpoint(m.name);
    first_mount(vs, *rec, cfg, r.destination, r.copy_up);
    return m;
}

}  // namespace

VolumeRollback::~VolumeRollback() {
    VolumeStore vs(ctx_);
    for (auto& n : created_) {
        try {
            vs.remove(n);
        } catch (...) {
        }
    }
}

void attach_volumes(const Context& ctx, const Store& store, ContainerConfig& cfg, const VolumeFlags& flags,
                    const std::vector<std::string>& image_volumes, VolumeRollback& rollback) {
    auto reqs = parse_mount_requests(flags);
    if (reqs.empty() && flags.volumes_from.empty() && image_volumes.empty()) return;
    VolumeStore vs(ctx);
    std::set<std::string> dests;
    for (auto& r : reqs) dests.insert(r.destination);
    std::vector<MountConfig> out;
    // Bind sources first: a missing one fails before any volume is made.
    for (auto& r : reqs) {
        if (r.type != "bind") continue;
        struct stat st;
        if (::stat(r.source.c_str(), &st) < 0)
            throw_sys(errno, "invalid bind mount source {} for {}", r.source, r.destination);
    }
    for (auto& r : reqs) {
        MountConfig m;
        if (r.type == "bind") {
            m.type = "bind";
            m.source = r.source;
            m.destination = r.destination;
        } else if (r.type == "volume") {
            m = volume_mount(vs, cfg, r, rollback);
        } else {
            m.type = "tmpfs";
            m.source = "tmpfs";
            m.destination = r.destination;
        }
        m.options = mount_options(r, m.type == "tmpfs" ? "" : m.source);
        if (r.chown) {
            if (m.type == "tmpfs") {
                m.options.push_back(fmt::format("uid={}", cfg.uid));
                m.options.push_back(fmt::format("gid={}", cfg.gid));
            } else {
                chown_tree(m.source, cfg);
            }
        }
        out.push_back(std::move(m));
    }
    for (auto& spec : flags.volumes_from) {
        auto [ref, mode] = parse_volumes_from(spec);
        Container src = store.load(store.resolve(ref));
        for (auto m : src.config.volumes.mounts) {
            if (m.type == "tmpfs" || dests.count(m.destination)) continue;
            if (m.type == "volume" && !vs.find(m.name))
                fail(ErrorKind::NotFound, "--volumes-from {}: its volume {} no longer exists", ref, m.name);
            m.anonymous = false;  // still the other container's
            if (!mode.empty())
                for (auto& o : m.options)
                    if (o == "ro" || o == "rw") o = mode;
            dests.insert(m.destination);
            out.push_back(std::move(m));
        }
    }
    for (auto& path : image_volumes) {
        MountRequest r;
        r.type = "volume";
        r.destination = clean_container_path(path, fmt::format("image volume {}", path));
        if (dests.count(r.destination)) continue;
        dests.insert(r.destination);
        MountConfig m = volume_mount(vs, cfg, r, rollback);
        m.options = mount_options(r, m.source);
        out.push_back(std::move(m));
    }
    cfg.volumes.mounts = std::move(out);
    cfg.volumes.volumes_from = flags.volumes_from;
}

void remove_anonymous_volumes(const Context& ctx, const Store& store, const ContainerConfig& cfg) {
    VolumeStore vs(ctx);
    for (auto& m : cfg.volumes.mounts) {
        if (m.type != "volume" || !m.anonymous) continue;
        auto users = vs.users(store, m.name);
        users.erase(std::remove(users.begin(), users.end(), cfg.id), users.end());
        if (!users.empty()) continue;  // shared through --volumes-from: stays
        if (vs.find(m.name)) vs.remove(m.name);
    }
}

void release_anonymous_volumes(const Context& ctx, const ContainerConfig& cfg) {
    if (std::none_of(cfg.volumes.mounts.begin(), cfg.volumes.mounts.end(), [](const MountConfig& m) { return m.anonymous; }))
        return;
    Store store(ctx);
    FileLock lock = store.lock();
    remove_anonymous_volumes(ctx, store, cfg);
}

}  // namespace conman
