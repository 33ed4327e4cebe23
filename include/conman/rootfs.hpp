// Reading inside a container's root filesystem from the host: every path is
// resolved with openat2(RESOLVE_IN_ROOT), so symlinks such as /bin/sh ->
// /bin/busybox resolve inside the rootfs and can never escape it.
#pragma once
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "conman/fd.hpp"

namespace conman {

// Opens path inside root; returns an empty fd with errno set on failure.
UniqueFd open_in_root(const std::string& root, const std::string& path, int flags);
std::optional<std::string> read_in_root(const std::string& root, const std::string& path);

struct ResolvedUser {
    uint32_t uid = 0, gid = 0;
    std::vector<uint32_t> additional_gids;
    std::string home = "/";
};
// "", "uid", "uid:gid", "name", "name:group" resolved through the rootfs's
// /etc/passwd and /etc/group. Throws Usage when a name is unknown.
// additional_gids: the groups of /etc/group that list the user as a member
// (only when no group was given).
ResolvedUser resolve_user(const std::string& root, const std::string& spec);
// A group name (through the rootfs's /etc/group) or a number.
uint32_t resolve_group(const std::string& root, const std::string& group);

}  // namespace conman
