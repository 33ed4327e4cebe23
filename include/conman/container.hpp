// A container's record: ContainerConfig (what the user asked for, fixed at
// create time) and ContainerState (what conman derives from the shim's files
// each time it looks). Stored as <root>/containers/<id>/config.json.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace conman {

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

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerConfig, id, name, created, image, image_id, rootfs, entrypoint, cmd,
                                                args, env, workdir, user, uid, gid, additional_gids, hostname,
                                                labels, stop_signal, stop_timeout, auto_remove, stdin, tty, runtime,
                                                create_command)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerState, status, pid, shim_pid, started_at, finished_at,
                                                exit_code, oom_killed, error)

}  // namespace conman
