// Paths inside a container's root filesystem, reached from the host without
// ever leaving it. resolve_in_root walks one component at a time from a root
// directory fd with O_NOFOLLOW; symlinks are read and resolved by us, with
// absolute targets and ".." clamped at the root (the kernel's RESOLVE_IN_ROOT
// rule), so a hostile link such as /etc -> ../../../../host resolves to
// <root>/host, never outside. What comes back is a directory fd and a plain
// name; callers then act with *at(2) calls and O_NOFOLLOW / AT_SYMLINK_NOFOLLOW
// on that name, so a link swapped in afterwards is replaced, not followed.
//
// The tree helpers below (make_room, remove_tree_at, set_owner_mode_times)
// are the shared pieces of cp and the tar readers; they too only use *at
// calls relative to directory fds. Nothing here keeps state between calls.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "conman/fd.hpp"

namespace conman {

// An O_PATH|O_DIRECTORY fd for a root directory given by host path.
UniqueFd open_root(const std::string& root);

struct InRoot {
    UniqueFd parent;   // O_PATH directory fd holding `name`
    std::string name;  // the final component; "" when the path is the root itself
    std::string path;  // the resolved path inside the root ("/", "/etc/passwd")
};

// Resolves path (absolute or relative, both from the root) inside root_fd.
// Every symlink on the way is followed within the root; the final component
// is followed too when follow_final is set. A missing final component is not
// an error (callers fstatat it); a missing or non-directory intermediate one
// throws Error(NotFound) naming `shown`, more than 40 symlinks throws ELOOP.
InRoot resolve_in_root(int root_fd, const std::string& path, bool follow_final, const std::string& shown);

// fstatat(parent, name, AT_SYMLINK_NOFOLLOW), or the root itself when name is "".
// Returns false when it does not exist; other errors throw.
bool stat_at(const InRoot& at, struct stat& st);

// Opens the directory at (parent, name) for reading entries; O_NOFOLLOW.
UniqueFd open_dir_at(const InRoot& at, const std::string& shown);
UniqueFd open_dir_at(int dirfd, const std::string& name, const std::string& shown);

// Entry names of a directory fd, sorted bytewise (no . and ..).
std::vector<std::string> dir_names(int dirfd, const std::string& shown);

// Removes dirfd/name and everything below it without following symlinks.
void remove_tree_at(int dirfd, const std::string& name, const std::string& shown);

// Prepares dirfd/name for a new entry: nothing there is fine; an existing
// non-directory is removed; an existing directory is kept when the new entry
// is a directory too (returns true: merge into it). Replacing a directory
// with a non-directory or the other way round needs overwrite, else Error(Conflict).
bool make_room(int dirfd, const std::string& name, bool new_is_dir, bool overwrite, const std::string& shown);

struct Owner {
    uint32_t uid = 0, gid = 0;
};

// Owner first (chown clears set-id bits), then mode (not for symlinks), then
// times (atime and mtime). name "" means dirfd itself (an O_RDONLY fd).
void set_owner_mode_times(int dirfd, const std::string& name, mode_t type, Owner owner, mode_t perm,
                          const timespec& atime, const timespec& mtime, const std::string& shown);

// The last component of a path as the user typed it ("" for "/"), and its
// directory part ("/a/b/" -> "b" and "/a").
std::string path_base(const std::string& path);
std::string path_parent(const std::string& path);

}  // namespace conman
