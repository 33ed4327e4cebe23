// A container's root filesystem seen from the host: `conman mount/umount`
// and the temporary access cp and export need.
//
// Mount counting (podman's rule, kept simple): each `conman mount` adds one
// to <container dir>/mount-count and `conman umount` takes one away; the
// overlay is unmounted when the count is back to 0. A running or created
// container (whose runtime already holds the rootfs) is never unmounted:
// umount refuses it, with or without -f.
// conman itself keeps an image container's overlay mounted from create until
// rm, and start mounts it again when needed, so unmounting a stopped
// container is always safe. vfs copies and --rootfs directories have nothing
// to unmount; for them the count only decides what `conman mount` lists.
#pragma once
#include <string>
#include <vector>

#include "conman/container.hpp"
#include "conman/context.hpp"
#include "conman/store.hpp"

namespace conman {

struct MountedContainer {
    std::string id, name, path;
};

// Mounts (when needed) and counts one mount; returns the rootfs path.
std::string mount_container(const Context& ctx, const std::string& ref);
// Drops one mount (all of them with force) and unmounts when none is left.
// Throws Conflict for a running or created container, with or without force.
void unmount_container(const Context& ctx, const std::string& ref, bool force);
// Containers whose root filesystem is mounted now, newest first.
std::vector<MountedContainer> mounted_containers(const Context& ctx);
// The most recently created container's ID (-l/--latest); throws NotFound.
std::string latest_container(const Context& ctx);

// The root filesystem of one container for as long as this object lives:
// mounted if it was not, and unmounted again at the end if this object
// mounted it, the container is not running and nobody mounted it meanwhile.
class RootfsAccess {
public:
    RootfsAccess(const Context& ctx, const std::string& ref);
    ~RootfsAccess();
    RootfsAccess(const RootfsAccess&) = delete;
    RootfsAccess& operator=(const RootfsAccess&) = delete;

    const Container& container() const { return c_; }
    const std::string& root() const { return c_.config.rootfs; }
    // The container's name, or its short ID when it has none.
    std::string shown() const;

private:
    const Context& ctx_;
    Container c_;
    bool mounted_here_ = false;
};

}  // namespace conman
