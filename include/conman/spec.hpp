// OCI runtime-spec generation: turns a ContainerConfig into the bundle's
// config.json. One function per section (process, root, mounts, linux).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conman/container.hpp"

namespace conman {

struct Rlimit {
    std::string type;  // "RLIMIT_NOFILE"
    uint64_t soft = 0, hard = 0;
};

struct SpecInputs {
    std::string hosts_path, hostname_path, resolv_path;  // files bind-mounted into /etc
    std::string cgroups_path;                             // "" = let the runtime choose
    std::vector<Rlimit> rlimits;                          // already clamped
    int console_rows = 0, console_cols = 0;               // terminal size at start (0: unset)
    // The container's own user namespace (empty: none, e.g. rootless
    // containers share the user's namespace, userns.hpp).
    std::vector<IdMapping> uid_mappings, gid_mappings;
    bool rootless = false;        // no cgroup of ours (no delegation)
    bool tty_gid_mapped = true;   // gid 5 exists for devpts' gid=5
    // Network namespace: "" = a new one made by the runtime, "host" = none, else a path to join.
    std::string netns_path;
};

// podman's default capability set.
const std::vector<std::string>& default_capabilities();
// Every capability this kernel knows (for --privileged).
std::vector<std::string> all_capabilities();
// Every capability name conman knows, whatever this kernel supports.
std::vector<std::string> known_capabilities();

// One process of a container: the init process (from build_spec) or an
// exec session (build_exec_process).
struct ProcessParams {
    std::vector<std::string> args, env;
    std::string cwd = "/";
    uint32_t uid = 0, gid = 0;
    std::vector<uint32_t> additional_gids;
    bool tty = false;
    int rows = 0, cols = 0;  // consoleSize when tty (0: unset)
    bool privileged = false;
    // The container's capability set; unset: podman's defaults (all when privileged).
    std::optional<std::vector<std::string>> capabilities;
    bool no_new_privileges = false;
    std::vector<Rlimit> rlimits;
};
// The process parameters a container's own settings give (capabilities,
// no_new_privileges): exec sessions start from these.
ProcessParams container_process_params(const ContainerConfig& c);
nlohmann::json build_process(const ProcessParams& p);
// Wanted rlimits (podman's defaults) clamped to what this process may set.
std::vector<Rlimit> clamped_default_rlimits();
nlohmann::json build_spec(const ContainerConfig& c, const SpecInputs& in);

}  // namespace conman
