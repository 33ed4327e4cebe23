// Container confinement as the user asks for it on create/run: capabilities
// (--cap-add/--cap-drop/--privileged), --security-opt, --ulimit, --sysctl,
// --device, --read-only. The parsers here turn flags into the plain
// SecurityConfig a container record keeps (container.hpp); spec.cpp turns
// that into the OCI spec. Every parser throws Error(Usage) naming the flag,
// the value and the reason.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "conman/container.hpp"
#include "conman/spec.hpp"

namespace conman {

// "net_admin", "CAP_NET_ADMIN", "Net_Admin" -> "CAP_NET_ADMIN"; "all" -> "ALL".
// Unknown names are an error.
std::string normalize_capability(const std::string& name);
// docker/podman rules: drop ALL -> only the added ones; add ALL -> every
// capability but the dropped ones; else the defaults (all of them when
// privileged) plus added minus dropped. Sorted.
std::vector<std::string> effective_capabilities(bool privileged, const std::vector<std::string>& add,
                                                const std::vector<std::string>& drop);

struct SecurityFlags {
    std::vector<std::string> cap_add, cap_drop, security_opts, ulimits, sysctls, devices;
    bool privileged = false;
    bool read_only = false;
    std::string read_only_tmpfs = "true";
    std::string pids_limit;  // "" = default
    std::vector<std::string> group_add;
    bool network_host = false;  // net.* sysctls are refused then
};

// Fills c.security from the flags. seccomp=PATH is read and checked here
// (the profile's JSON is kept in the record, so later edits of the file do
// not change an existing container).
void apply_security_flags(ContainerConfig& c, const SecurityFlags& f);

// "nofile=1024:2048", "nproc=512" -> Rlimit; the type must be known.
Rlimit parse_ulimit(const std::string& s);
// Raises or adds each limit in `wanted` to `base`, clamped to what this
// process may set (the hard limit cannot be raised here, even as root).
std::vector<Rlimit> merge_rlimits(std::vector<Rlimit> base, const std::vector<Rlimit>& wanted);

// The container's rlimits: conman's defaults with its --ulimit values, all
// clamped to what this process may set.
std::vector<Rlimit> container_rlimits(const ContainerConfig& c);

// The OCI linux.seccomp for c ("null" when unconfined).
nlohmann::json container_seccomp(const ContainerConfig& c);

}  // namespace conman
