// OCI runtime-spec generation: turns a ContainerConfig into the bundle's
// config.json. One function per section (process, root, mounts, linux).
#pragma once
#include <cstdint>
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
};

// podman's default capability set.
const std::vector<std::string>& default_capabilities();
// Wanted rlimits (podman's defaults) clamped to what this process may set.
std::vector<Rlimit> clamped_default_rlimits();
nlohmann::json build_spec(const ContainerConfig& c, const SpecInputs& in);

}  // namespace conman
