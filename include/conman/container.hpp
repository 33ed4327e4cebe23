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
    NetworkConfig network;
};

// Status values, podman's names.
inline constexpr const char* kCreated = "created";
inline constexpr const char* kRunning = "running";
inline constexpr const char* kExited = "exited";

struct ContainerState {
    std::string status = kCreated;
    int pid = 0;         // container init pid while running
    int shim_pid = 0;
    int64_t started_at = 0;
    int64_t finished_at = 0;
    int exit_code = 0;
    bool oom_killed = false;
    std::string error;   // why the state is not the container's own (e.g. shim died)
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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerConfig, id, name, created, image, image_id, rootfs, entrypoint, cmd,
                                                args, env, workdir, user, uid, gid, additional_gids, hostname,
                                                labels, stop_signal, stop_timeout, auto_remove, stdin, tty, runtime,
                                                create_command, security, network)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerState, status, pid, shim_pid, started_at, finished_at,
                                                exit_code, oom_killed, error)

}  // namespace conman
