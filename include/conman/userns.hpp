// Rootless user namespaces: who the caller is on the host, the user's
// /etc/subuid and /etc/subgid ranges, and the per-user namespace that a
// pause process keeps alive (docs/rootless.md).
//
// A rootless conman joins that namespace (user + mount) at start, before any
// thread exists; inside it the user is root over the mapped ids, so layer
// extraction, overlay mounts and runc work as they do for real root. The
// pause process is `conman-shim --pause`; its pid is in RUNROOT/pause.pid.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace conman {

struct HostIdentity {
    uint32_t uid = 0, gid = 0;  // the invoking user's ids on the host
    std::string name;           // user name, "" when unknown
    bool rootless = false;      // uid != 0 on the host
    bool in_userns = false;     // running inside a user namespace (joined, or started by a shim in it)
};
// Computed once, from /proc/self/uid_map and gid_map: correct both before and
// after joining the namespace (and in processes started inside it).
const HostIdentity& host_identity();

struct SubIdRange {
    uint32_t start = 0, count = 0;
};
// The user's first range in an /etc/subuid-style file (matched by name or id).
std::optional<SubIdRange> subid_range(const std::string& file, const std::string& name, uint32_t id);

struct IdMapLine {
    uint32_t inside = 0, outside = 0, count = 0;
};
// Parses /proc/PID/uid_map text.
std::vector<IdMapLine> parse_id_map(const std::string& text);
// How many ids the current user namespace maps (4294967295 in the initial one).
uint64_t mapped_id_count(const std::string& map_file);

// Rootless only (no-op for root and inside a namespace already): joins the
// namespace kept by the pause process under `runroot`; when there is none,
// joins a running container's shim and leaves a new pause process there, or
// makes a new namespace (newuidmap/newgidmap from the subordinate ranges; a
// single-id mapping with a warning on stderr when the user has none).
void enter_rootless_namespace(const std::string& runroot, const std::string& shim_path);

}  // namespace conman

#include "conman/container.hpp"

namespace conman {

// --userns=VALUE for a new container: "" / "host" (none of its own; rootless
// containers then share the user's namespace), "keep-id[:uid=N,gid=N]"
// (rootless only: the user's own ids inside, the rest of the range around
// them). `ns_uids`/`ns_gids` are how many ids the namespace conman runs in
// maps. Throws a Usage error naming the value for anything else.
UsernsConfig resolve_userns(const std::string& value, bool rootless, uint64_t ns_uids, uint64_t ns_gids);

}  // namespace conman
