// A container's record: ContainerConfig (what the user asked for, fixed at
// create time) and ContainerState (what conman derives from the shim's files
// each time it looks). Stored as <root>/containers/<id>/config.json.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conman/network.hpp"

namespace conman {

struct UlimitConfig {
    std::string type;  // "RLIMIT_NOFILE"
    uint64_t soft = 0, hard = 0;
};

struct DeviceConfig {
    std::string path;       // in the container
    std::string host_path;
    std::string type;       // "c" or "b"
    int64_t major = 0, minor = 0;
    uint32_t file_mode = 0666;
    std::string access = "rwm";
};

// Confinement (security.hpp parses the flags, spec.cpp applies them).
struct SecurityConfig {
    bool caps_set = false;                  // false in records older than these fields: podman's defaults
    std::vector<std::string> capabilities;  // the container's set (bounding = effective = permitted)
    bool privileged = false;
    bool read_only = false;
    bool read_only_tmpfs = true;            // with read_only: tmpfs on /run, /tmp, /var/tmp
    bool no_new_privileges = false;
    std::string seccomp = "default";        // "default", "unconfined" or "custom"
    std::string seccomp_profile;            // custom: the profile's JSON as read at create
    std::string seccomp_source;             // custom: the file it came from
    std::vector<std::string> mask, unmask;  // extra masked paths; paths (or ALL) no longer masked
    std::vector<UlimitConfig> ulimits;
    int64_t pids_limit = 2048;              // 0: unlimited
    std::map<std::string, std::string> sysctls;
    std::vector<DeviceConfig> devices;
    std::vector<std::string> group_add;     // as given
};

// A user namespace mapping line: container ids [container_id, +size) are
// [host_id, +size) in the namespace conman runs in.
struct IdMapping {
    uint32_t container_id = 0, host_id = 0, size = 0;
};

// --userns: "" or "host" (no namespace of the container's own), "keep-id".
// The mappings are computed at create and kept, so restarts agree.
struct UsernsConfig {
    std::string mode;
    uint32_t keep_uid = 0, keep_gid = 0;  // keep-id: the container ids the user gets
    std::vector<IdMapping> uid_map, gid_map;
};

// cgroup limits (resources.hpp parses the flags, spec.cpp applies them, update changes them).
struct ResourcesConfig {
    int64_t memory = 0;              // bytes; 0: no limit
    int64_t memory_reservation = 0;  // soft limit; 0: none
    int64_t memory_swap = 0;         // memory + swap; 0: default (twice --memory), -1: unlimited
    int64_t nano_cpus = 0;           // --cpus * 1e9 (sets quota/period)
    uint64_t cpu_shares = 0;
    int64_t cpu_quota = 0;           // microseconds per period; 0: none
    uint64_t cpu_period = 0;         // microseconds; 0: the kernel's default
    std::string cpuset_cpus, cpuset_mems;
    uint16_t blkio_weight = 0;
};

// How the container lives under a service manager (sdnotify.hpp,
// restart_policy.hpp): restart policy, sd_notify mode, --cidfile.
struct ServiceConfig {
    std::string restart_policy = "no";  // no, on-failure, always, unless-stopped
    int restart_retries = 0;            // on-failure:N (0: no limit)
    std::string sdnotify = "container"; // container, conman, ignore
    bool notify_proxy = false;          // the container gets NOTIFY_SOCKET (a proxy socket the shim relays)
    std::string cidfile;                // absolute path written at create, removed with the container
};

// A mount of the container's own (-v, --mount, --tmpfs, --volumes-from,
// image VOLUMEs); volume.hpp parses the flags and makes the volumes.
struct MountConfig {
    std::string type;         // "bind", "volume" or "tmpfs"
    std::string name;         // type volume: the volume's name
    std::string source;       // host path: the bind source or the volume's _data ("tmpfs" for tmpfs)
    std::string destination;  // in the container
    std::vector<std::string> options;  // OCI mount options
    bool anonymous = false;   // an anonymous volume made for this container (rm -v removes it)
};

struct VolumeConfig {
    std::vector<MountConfig> mounts;
    std::vector<std::string> volumes_from;  // as given, for inspect
};

struct ContainerConfig {
    std::string id;
    std::string name;
    int64_t created = 0;  // ns since the epoch
    std::string image;    // image reference, "" when run from --rootfs
    std::string image_id; // image ID (config digest hex), "" for --rootfs
    std::string rootfs;   // absolute path of the root filesystem
    std::vector<std::string> entrypoint;  // as the user gave it
    std::vector<std::string> cmd;         // as the user gave it
    std::vector<std::string> args;        // the process argv (entrypoint + cmd)
    std::vector<std::string> env;
    std::string workdir = "/";
    std::string user;        // as given ("" = root)
    uint32_t uid = 0, gid = 0;
    std::vector<uint32_t> additional_gids;
    std::string hostname;
    std::map<std::string, std::string> labels;
    std::string stop_signal = "SIGTERM";
    int stop_timeout = 10;
    bool auto_remove = false;  // --rm
    bool stdin = false;        // -i
    bool tty = false;          // -t
    std::string runtime;       // runtime name or path used at create
    std::vector<std::string> create_command;
    SecurityConfig security;
    UsernsConfig userns;
    ResourcesConfig resources;
    ServiceConfig service;
    VolumeConfig volumes;
    NetworkConfig network;
};

// Status values, podman's names.
inline constexpr const char* kCreated = "created";
inline constexpr const char* kRunning = "running";
inline constexpr const char* kExited = "exited";
inline constexpr const char* kPaused = "paused";

struct ContainerState {
    std::string status = kCreated;
    int pid = 0;         // container init pid while running
    int shim_pid = 0;
    int64_t started_at = 0;
    int64_t finished_at = 0;
    int exit_code = 0;
    bool oom_killed = false;
    std::string error;   // why the state is not the container's own (e.g. shim died)
    int restart_count = 0;  // restarts by the shim under the restart policy since the last start
};

struct Container {
    ContainerConfig config;
    ContainerState state;
    bool running() const { return state.status == kRunning; }
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UlimitConfig, type, soft, hard)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DeviceConfig, path, host_path, type, major, minor, file_mode, access)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecurityConfig, caps_set, capabilities, privileged, read_only,
                                                read_only_tmpfs, no_new_privileges, seccomp, seccomp_profile,
                                                seccomp_source, mask, unmask, ulimits, pids_limit, sysctls, devices,
                                                group_add)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IdMapping, container_id, host_id, size)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UsernsConfig, mode, keep_uid, keep_gid, uid_map, gid_map)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ResourcesConfig, memory, memory_reservation, memory_swap, nano_cpus,
                                                cpu_shares, cpu_quota, cpu_period, cpuset_cpus, cpuset_mems, blkio_weight)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ServiceConfig, restart_policy, restart_retries, sdnotify, notify_proxy,
                                                cidfile)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MountConfig, type, name, source, destination, options, anonymous)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VolumeConfig, mounts, volumes_from)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerConfig, id, name, created, image, image_id, rootfs, entrypoint, cmd,
                                                args, env, workdir, user, uid, gid, additional_gids, hostname,
                                                labels, stop_signal, stop_timeout, auto_remove, stdin, tty, runtime,
                                                create_command, security, userns, resources, service,
                                                volumes, network)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerState, status, pid, shim_pid, started_at, finished_at,
                                                exit_code, oom_killed, error, restart_count)

}  // namespace conman
