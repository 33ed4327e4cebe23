// mount, umount and the temporary rootfs access of cp and export: see
// container_mount.hpp. Every decision to mount or unmount is taken under the
// store's exclusive lock, the same lock start holds while it mounts.
#include "conman/container_mount.hpp"

#include <sys/stat.h>

#include "conman/container_rootfs.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/names.hpp"

namespace conman {

namespace {

std::string count_path(const Store& store, const std::string& id) { return store.dir(id) + "/mount-count"; }

int mount_count(const Store& store, const std::string& id) {
    auto s = read_file_if_exists(count_path(store, id));
    if (!s) return 0;
    try {
        return std::max(0, std::stoi(*s));
    } catch (...) {
        return 0;
    }
}

void set_mount_count(const Store& store, const std::string& id, int n) {
    if (n <= 0) {
        ::unlink(count_path(store, id).c_str());
        return;
    }
    atomic_write(count_path(store, id), std::to_string(n), 0600, false);
}

bool is_active(const Container& c) { return c.state.status == kRunning || c.state.status == kCreated || c.state.status == kPaused; }

// An image container on the overlay driver: the only kind with a real mount.
bool has_overlay(const Store& store, const Container& c) {
    if (c.config.image_id.empty()) return false;
    return read_file_if_exists(store.dir(c.config.id) + "/driver").value_or("overlay") == "overlay";
}

bool is_mounted(const Store& store, const Container& c) {
    if (has_overlay(store, c)) return is_mount_point(c.config.rootfs);
    return mount_count(store, c.config.id) > 0 || is_active(c);
}

Container load_usable(const Store& store, const std::string& ref) {
    Container c = store.load(store.resolve(ref));
    if (c.state.status == "unknown") fail(ErrorKind::System, "container {}: {}", c.config.id, c.state.error);
    return c;
}

// Makes c's rootfs present: mounts an image's overlay (or builds its vfs
// copy); a --rootfs directory must simply exist.
void make_available(const Context& ctx, const Container& c) {
    if (!c.config.image_id.empty()) {
        prepare_rootfs(ctx, c.config);
        return;
    }
    struct stat st;
    if (::stat(c.config.rootfs.c_str(), &st) < 0 || !S_ISDIR(st.st_mode))
        fail(ErrorKind::NotFound, "container {}: its root filesystem {} is gone", c.config.id, c.config.rootfs);
}

}  // namespace

std::string mount_container(const Context& ctx, const std::string& ref) {
    Store store(ctx);
    FileLock lock = store.lock();
    Container c = load_usable(store, ref);
    make_available(ctx, c);
    set_mount_count(store, c.config.id, mount_count(store, c.config.id) + 1);
    return c.config.rootfs;
}

void unmount_container(const Context& ctx, const std::string& ref, bool force) {
    Store store(ctx);
    FileLock lock = store.lock();
    Container c = load_usable(store, ref);
    // A created container's runtime already holds the rootfs, like a running one.
    if (is_active(c))
        fail(ErrorKind::Conflict, "cannot unmount the root filesystem of container {}: it is {}", c.config.id,
             c.state.status);
    int n = force ? 0 : std::max(0, mount_count(store, c.config.id) - 1);
    set_mount_count(store, c.config.id, n);
    if (n == 0) release_rootfs(store.dir(c.config.id));
}

std::vector<MountedContainer> mounted_containers(const Context& ctx) {
    Store store(ctx);
    FileLock lock = store.lock_shared();
    std::vector<MountedContainer> out;
    for (auto& c : store.load_all()) {
        if (c.state.status == "unknown" || !is_mounted(store, c)) continue;
        out.push_back({c.config.id, c.config.name, c.config.rootfs});
    }
    return out;
}

std::string latest_container(const Context& ctx) {
    Store store(ctx);
    FileLock lock = store.lock_shared();
    auto all = store.load_all();
    if (all.empty()) fail(ErrorKind::NotFound, "no containers to act on: --latest found none");
    return all.front().config.id;
}

RootfsAccess::RootfsAccess(const Context& ctx, const std::string& ref) : ctx_(ctx) {
    Store store(ctx);
    FileLock lock = store.lock();
    c_ = load_usable(store, ref);
    bool overlay = has_overlay(store, c_);
    bool was = overlay && is_mount_point(c_.config.rootfs);
    make_available(ctx, c_);
    mounted_here_ = overlay && !was;
}

RootfsAccess::~RootfsAccess() {
    if (!mounted_here_) return;
    try {
        Store store(ctx_);
        FileLock lock = store.lock();
        const std::string& id = c_.config.id;
        if (!path_exists(store.record_path(id))) return;
        Container now = store.load(id);
        if (!is_active(now) && mount_count(store, id) == 0) release_rootfs(store.dir(id));
    } catch (...) {
        // Left mounted: harmless, rm and umount unmount it later.
    }
}

std::string RootfsAccess::shown() const { return c_.config.name.empty() ? short_id(c_.config.id) : c_.config.name; }

}  // namespace conman
