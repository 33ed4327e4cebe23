// A container's root filesystem when it runs from an image: an overlay of
// the image's layers with a private upper dir (or, where overlay cannot be
// used, a vfs copy), mounted at <container dir>/merged.
#pragma once
#include <string>

#include "conman/container.hpp"
#include "conman/context.hpp"

namespace conman {

// "overlay" or "vfs": --storage-driver / CONMAN_STORAGE_DRIVER, else overlay
// when this host can mount it.
std::string storage_driver(const Context& ctx);
// Makes cfg.rootfs (the merged dir) ready; a no-op when already mounted or
// copied. Throws when the image's layers are missing.
void prepare_rootfs(const Context& ctx, const ContainerConfig& cfg);
// Unmounts <dir>/merged if it is a mount point; missing is fine.
void release_rootfs(const std::string& container_dir);
bool is_mount_point(const std::string& path);

}  // namespace conman
