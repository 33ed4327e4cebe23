// cgroup resource limits: the create/run/update flags (--memory, --cpus,
// --cpu-shares, --cpuset-cpus, ...) parsed with podman's units into the
// ResourcesConfig a record keeps (container.hpp), the OCI linux.resources
// they become, and the engine verbs that act on a running container's cgroup
// (pause, unpause, update). Parsers throw Error(Usage) naming the flag.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conman/container.hpp"
#include "conman/context.hpp"

namespace conman {

// The smallest --memory the runtime accepts (podman's limit).
inline constexpr int64_t kMinMemoryLimit = 6 * 1024 * 1024;

// go-units RAMInBytes: "512m", "1g", "1.5GiB", "100000" (bytes); binary units.
// nullopt when malformed or negative.
std::optional<int64_t> parse_ram_bytes(const std::string& s);
// "1.5" -> 1500000000 nano CPUs; nullopt when malformed or negative.
std::optional<int64_t> parse_nano_cpus(const std::string& s);
// "0-3,5,7-8": true when well formed (ascending ranges of CPU/node numbers).
bool valid_cpuset(const std::string& s);
// The highest number a cpuset string names (-1 for "").
int cpuset_max(const std::string& s);

// The flags as typed ("" = not given).
struct ResourceFlags {
    std::string memory, memory_reservation, memory_swap;
    std::string cpus, cpu_shares, cpu_period, cpu_quota;
    std::string cpuset_cpus, cpuset_mems;
    std::string blkio_weight;
    bool any() const;
};

// What this host's cgroups support (probed; tests give their own).
struct CgroupSupport {
    bool v2 = false;          // unified hierarchy
    bool swap = true;         // memory.memsw (v1) / memory.swap.max (v2)
    bool blkio_weight = true; // blkio.weight / blkio.bfq.weight / io.weight
    int cpus = 1;             // online CPUs (cpuset checks)
    int mems = 1;             // memory nodes
};
CgroupSupport probe_cgroup_support();

// Applies the given flags onto r (create: r starts empty; update: r is the
// record's current limits). Throws Usage on bad values or combinations,
// and refuses any limit when rootless (no delegated cgroup here).
void apply_resource_flags(ResourcesConfig& r, const ResourceFlags& f, const CgroupSupport& sup, bool rootless);

// The memory, cpu and blockIO members of the OCI linux.resources for r
// (merged into `resources`, which already holds devices/pids).
void add_oci_resources(nlohmann::json& resources, const ResourcesConfig& r, const CgroupSupport& sup);
// The arguments of `runc update` that set r (and pids when pids_limit >= 0).
std::vector<std::string> runtime_update_args(const ResourcesConfig& r, const CgroupSupport& sup, int64_t pids_limit);

// The HostConfig fields inspect shows for r (Memory, NanoCpus, CpuShares, ...).
nlohmann::json resources_inspect_json(const ResourcesConfig& r);

// Engine verbs (engine_resources.cpp). Each takes the store lock around its change.
// runc pause / resume through the freezer; the "paused" marker under the
// container's run directory is written and removed under the lock.
void pause_container(const Context& ctx, const std::string& ref);
void unpause_container(const Context& ctx, const std::string& ref);
// New limits: applied with `runc update` when the container runs, and kept
// in the record (so inspect and later starts use them). Returns the full ID.
std::string update_container(const Context& ctx, const std::string& ref, const ResourceFlags& f,
                             const std::string& pids_limit);
// rm -f of a paused container: SIGKILL (pending while frozen), then thaw.
void thaw_for_removal(const Context& ctx, const std::string& id);
// The paused marker path of a container (under its runroot directory).
std::string paused_marker(const Context& ctx, const std::string& id);

}  // namespace conman
