// Seccomp profiles: conman's default profile, profiles read from files in the
// containers seccomp.json format (the one podman and docker read), and their
// translation into the OCI spec's linux.seccomp for one container.
//
// A profile's rules may depend on capabilities (includes/excludes.caps) and
// architectures; to_oci resolves those for the container's capability set and
// this host's architectures. Syscall names are checked with libseccomp for
// every architecture the profile covers on this host: with strict, a name no
// architecture knows, an unknown action or comparison, or a rule libseccomp
// refuses is an error naming it; without strict (the default profile, written
// for many kernels) unknown names are skipped.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace conman {

struct SeccompArg {
    unsigned index = 0;
    uint64_t value = 0, value_two = 0;
    std::string op;  // SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ, ...
};

struct SeccompFilter {  // includes / excludes of a rule
    std::vector<std::string> caps, arches;
};

struct SeccompRule {
    std::vector<std::string> names;
    std::string action;                // SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, ...
    std::optional<unsigned> errno_ret; // for SCMP_ACT_ERRNO / SCMP_ACT_TRACE
    std::vector<SeccompArg> args;
    SeccompFilter includes, excludes;
};

struct SeccompProfile {
    std::string default_action = "SCMP_ACT_ERRNO";
    std::optional<unsigned> default_errno_ret;
    // SCMP_ARCH_* names; empty: this host's native arch and its compat arches.
    std::vector<std::string> architectures;
    std::vector<SeccompRule> rules;
};

// conman's default: an allowlist of what ordinary programs need; namespaces,
// mounts, keyrings, module loading, clock setting, reboot, kexec, bpf, perf,
// ptrace of others, and the like only with the capability that governs them.
// Everything else fails with EPERM (clone3 with ENOSYS, so C libraries fall
// back to clone, which can be filtered by its flags).
SeccompProfile default_seccomp_profile();

// Parses the containers seccomp.json format; source names the file in errors.
// Throws Error(Usage) "seccomp profile SOURCE: REASON".
SeccompProfile parse_seccomp_profile(const std::string& text, const std::string& source);

// The OCI linux.seccomp object for a container holding caps (CAP_ names).
nlohmann::json seccomp_to_oci(const SeccompProfile& p, const std::vector<std::string>& caps, bool strict,
                              const std::string& source = "default profile");

}  // namespace conman
