// Root filesystem drivers over layer directories in overlay form (see layer.hpp).
// overlay: one kernel overlay mount per container, nothing copied.
// vfs: a full copy with the layers applied in order, for hosts without overlay.
// Nothing here owns state beyond one call except the cached overlay probe result.
#pragma once
#include <string>
#include <vector>

namespace conman {

// Whether a real overlay mount works here: tried once in probe_dir (created,
// then removed), the answer is cached for the life of the process.
bool overlay_supported(const std::string& probe_dir);

enum class OverlayApi {
    Auto,    // new mount API with one "lowerdir+" per layer when the kernel has it, else Legacy
    Legacy,  // mount(2) with a lowerdir string, through short links in links_dir when it is too long
};

// Mounts an overlay at target. lowers_top_first must not be empty; upper and
// work are created when missing. links_dir holds the short symlinks the Legacy
// path uses when the option string would not fit in a page (created if needed;
// links are named after a hash of the layer path and may be shared by mounts).
void mount_overlay(const std::vector<std::string>& lowers_top_first, const std::string& upper,
                   const std::string& work, const std::string& target, const std::string& links_dir,
                   OverlayApi api = OverlayApi::Auto);

// Unmounts target, lazily (MNT_DETACH) when busy. Not mounted or missing is fine.
void unmount(const std::string& target);

// Builds a flattened copy at target (created when missing, must be empty) by
// applying each layer dir in overlay form on top of the previous ones: a 0/0
// char device deletes the path below, an opaque dir drops the lower children.
// Owners, modes, xattrs (except overlay.*), times, symlinks (not followed) and
// hardlinks within a layer are kept. All writes go through fds opened with
// O_NOFOLLOW below target, so nothing outside target is touched.
void vfs_create(const std::vector<std::string>& lowers_bottom_first, const std::string& target);

}  // namespace conman
