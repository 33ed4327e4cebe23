// Confinement flags -> SecurityConfig: see security.hpp.
#include "conman/security.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "conman/error.hpp"
#include "conman/userns.hpp"
#include "conman/fs.hpp"
#include "conman/seccomp.hpp"

namespace conman {

namespace {

std::string upper(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t end = s.find(sep, start);
        out.push_back(s.substr(start, end - start));
        if (end == std::string::npos) return out;
        start = end + 1;
    }
}

bool parse_bool(const std::string& flag, const std::string& v) {
    if (v == "true" || v == "1" || v == "yes") return true;
    if (v == "false" || v == "0" || v == "no") return false;
    fail(ErrorKind::Usage, "invalid {} value \"{}\": use true or false", flag, v);
}

const struct {
    const char* name;
    const char* type;
    int resource;
} kUlimits[] = {
    {"core", "RLIMIT_CORE", RLIMIT_CORE},         {"cpu", "RLIMIT_CPU", RLIMIT_CPU},
    {"data", "RLIMIT_DATA", RLIMIT_DATA},         {"fsize", "RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"locks", "RLIMIT_LOCKS", RLIMIT_LOCKS},      {"memlock", "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"msgqueue", "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"nice", "RLIMIT_NICE", RLIMIT_NICE},
    {"nofile", "RLIMIT_NOFILE", RLIMIT_NOFILE},   {"nproc", "RLIMIT_NPROC", RLIMIT_NPROC},
    {"rss", "RLIMIT_RSS", RLIMIT_RSS},            {"rtprio", "RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"rttime", "RLIMIT_RTTIME", RLIMIT_RTTIME},   {"sigpending", "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"stack", "RLIMIT_STACK", RLIMIT_STACK},      {"as", "RLIMIT_AS", RLIMIT_AS},
};

uint64_t parse_limit_value(const std::string& flag, const std::string& v) {
    if (v == "-1" || v == "unlimited") return RLIM_INFINITY;
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
        fail(ErrorKind::Usage, "invalid --ulimit \"{}\": limits are numbers or -1 (unlimited)", flag);
    return std::stoull(v);
}

// Sysctls that belong to a container's own namespaces (podman's rules).
bool namespaced_sysctl(const std::string& key, bool network_host, const std::string& raw) {
    static const std::set<std::string> ipc = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                              "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
                                              "kernel.shm_rmid_forced"};
    if (ipc.count(key) || key.rfind("fs.mqueue.", 0) == 0) return true;
    if (key.rfind("net.", 0) == 0) {
        if (network_host)
            fail(ErrorKind::Usage, "invalid --sysctl {}: net.* sysctls cannot be set with --network host", raw);
        return true;
    }
    return false;
}

DeviceConfig parse_device(const std::string& spec) {
    auto parts = split(spec, ':');
    if (parts.size() > 3 || parts[0].empty()) fail(ErrorKind::Usage, "invalid --device \"{}\": use HOST[:CONTAINER][:rwm]", spec);
    DeviceConfig d;
    d.host_path = parts[0];
    d.path = parts[0];
    if (parts.size() == 2) {
        if (!parts[1].empty() && parts[1][0] == '/') d.path = parts[1];
        else d.access = parts[1];
    } else if (parts.size() == 3) {
        d.path = parts[1];
        d.access = parts[2];
    }
    if (d.access.empty() || d.access.find_first_not_of("rwm") != std::string::npos)
        fail(ErrorKind::Usage, "invalid --device \"{}\": permissions must be a combination of r, w and m", spec);
    if (d.path.empty() || d.path[0] != '/')
        fail(ErrorKind::Usage, "invalid --device \"{}\": the container path must be absolute", spec);
    struct stat st;
    if (::stat(d.host_path.c_str(), &st) < 0) throw_sys(errno, "--device {}", d.host_path);
    if (S_ISCHR(st.st_mode)) d.type = "c";
    else if (S_ISBLK(st.st_mode)) d.type = "b";
    else fail(ErrorKind::Usage, "--device {}: not a device node", d.host_path);
    d.major = major(st.st_rdev);
    d.minor = minor(st.st_rdev);
    d.file_mode = st.st_mode & 07777;
    return d;
}

}  // namespace

std::string normalize_capability(const std::string& name) {
    std::string u = upper(name);
    if (u == "ALL") return u;
    if (u.rfind("CAP_", 0) != 0) u = "CAP_" + u;
    auto known = known_capabilities();
    if (std::find(known.begin(), known.end(), u) == known.end())
        fail(ErrorKind::Usage, "unknown capability \"{}\"", name);
    return u;
}

std::vector<std::string> effective_capabilities(bool privileged, const std::vector<std::string>& add,
                                                const std::vector<std::string>& drop) {
    std::set<std::string> a, d;
    for (auto& x : add) a.insert(normalize_capability(x));
    for (auto& x : drop) d.insert(normalize_capability(x));
    std::set<std::string> out;
    auto all = all_capabilities();
    if (d.count("ALL")) {
        if (a.count("ALL")) out.insert(all.begin(), all.end());
        else out.insert(a.begin(), a.end());
        if (privileged) out.insert(all.begin(), all.end());
        return {out.begin(), out.end()};
    }
    if (privileged || a.count("ALL")) out.insert(all.begin(), all.end());
    else {
        out.insert(default_capabilities().begin(), default_capabilities().end());
        out.insert(a.begin(), a.end());
    }
    for (auto& x : d) out.erase(x);
    return {out.begin(), out.end()};
}

Rlimit parse_ulimit(const std::string& s) {
    auto eq = s.find('=');
    if (eq == std::string::npos) fail(ErrorKind::Usage, "invalid --ulimit \"{}\": use TYPE=SOFT[:HARD]", s);
    std::string name = s.substr(0, eq), vals = s.substr(eq + 1);
    for (auto& u : kUlimits) {
        if (name != u.name && upper(name) != u.type) continue;
        auto colon = vals.find(':');
        uint64_t soft = parse_limit_value(s, vals.substr(0, colon));
        uint64_t hard = colon == std::string::npos ? soft : parse_limit_value(s, vals.substr(colon + 1));
        if (soft > hard) fail(ErrorKind::Usage, "invalid --ulimit \"{}\": the soft limit exceeds the hard limit", s);
        return {u.type, soft, hard};
    }
    fail(ErrorKind::Usage, "invalid --ulimit \"{}\": unknown limit type \"{}\"", s, name);
}

std::vector<Rlimit> merge_rlimits(std::vector<Rlimit> base, const std::vector<Rlimit>& wanted) {
    for (auto& w : wanted) {
        Rlimit r = w;
        for (auto& u : kUlimits) {
            if (r.type != u.type) continue;
            struct rlimit cur;
            if (getrlimit(u.resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY) {
                if (r.hard > cur.rlim_max) {
                    std::fprintf(stderr, "conman: warning: --ulimit %s hard limit %llu exceeds this process's %llu: using %llu\n",
                                 r.type.c_str(), static_cast<unsigned long long>(r.hard),
                                 static_cast<unsigned long long>(cur.rlim_max),
                                 static_cast<unsigned long long>(cur.rlim_max));
                    r.hard = cur.rlim_max;
                }
                r.soft = std::min(r.soft, r.hard);
            }
        }
        auto it = std::find_if(base.begin(), base.end(), [&](const Rlimit& b) { return b.type == r.type; });
        if (it != base.end()) *it = r;
        else base.push_back(r);
    }
    return base;
}

void apply_security_flags(ContainerConfig& c, const SecurityFlags& f) {
    SecurityConfig& s = c.security;
    s.privileged = f.privileged;
    s.capabilities = effective_capabilities(f.privileged, f.cap_add, f.cap_drop);
    s.caps_set = true;
    auto available = all_capabilities();
    for (auto& cap : s.capabilities)
        if (std::find(available.begin(), available.end(), cap) == available.end())
            fail(ErrorKind::Usage, "--cap-add {}: this kernel or conman's own bounding set lacks it", cap);
    s.read_only = f.read_only;
    s.read_only_tmpfs = parse_bool("--read-only-tmpfs", f.read_only_tmpfs);
    if (f.privileged) s.seccomp = "unconfined";
    for (auto& opt : f.security_opts) {
        auto eq = opt.find('=');
        std::string key = opt.substr(0, eq), val = eq == std::string::npos ? "" : opt.substr(eq + 1);
        if (eq == std::string::npos && key.find(':') != std::string::npos) {  // docker's old "seccomp:PATH"
            eq = key.find(':');
            val = key.substr(eq + 1);
            key = key.substr(0, eq);
        }
        if (key == "no-new-privileges") {
            s.no_new_privileges = val.empty() || parse_bool("--security-opt no-new-privileges", val);
        } else if (key == "seccomp") {
            if (val == "unconfined") {
                s.seccomp = "unconfined";
            } else if (val.empty()) {
                fail(ErrorKind::Usage, "invalid --security-opt \"{}\": seccomp needs unconfined or a profile path", opt);
            } else {
                std::string text = read_file(val);
                // Checked now against the container's capabilities, so a bad
                // profile fails create instead of start.
                seccomp_to_oci(parse_seccomp_profile(text, val), s.capabilities, true, val);
                s.seccomp = "custom";
                s.seccomp_profile = text;
                s.seccomp_source = val;
            }
        } else if (key == "mask" || key == "unmask") {
            if (val.empty()) fail(ErrorKind::Usage, "invalid --security-opt \"{}\": {} needs paths", opt, key);
            for (auto& p : split(val, ':')) {
                if (p != "ALL" && (p.empty() || p[0] != '/'))
                    fail(ErrorKind::Usage, "invalid --security-opt \"{}\": {} paths must be absolute", opt, key);
                (key == "mask" ? s.mask : s.unmask).push_back(p);
            }
        } else if (key == "label" || key == "apparmor") {
            // No SELinux or AppArmor here: accepted for compatibility, nothing to apply.
        } else {
            fail(ErrorKind::Usage, "invalid --security-opt \"{}\": use seccomp=, no-new-privileges, mask=, unmask=, "
                                   "label= or apparmor=", opt);
        }
    }
    for (auto& u : f.ulimits) {
        Rlimit r = parse_ulimit(u);
        s.ulimits.push_back({r.type, r.soft, r.hard});
    }
    if (host_identity().rootless) {
        // Rootless: no cgroup of our own without delegation.
        s.pids_limit = 0;
        if (!f.pids_limit.empty() && f.pids_limit != "0" && f.pids_limit != "-1")
            fail(ErrorKind::Usage, "--pids-limit {}: resource limits need a delegated cgroup, which rootless conman "
                                   "does not have here", f.pids_limit);
    } else if (!f.pids_limit.empty()) {
        const std::string& v = f.pids_limit;
        if (v == "-1" || v == "0") s.pids_limit = 0;
        else if (v.find_first_not_of("0123456789") == std::string::npos) s.pids_limit = std::stoll(v);
        else fail(ErrorKind::Usage, "invalid --pids-limit \"{}\": use a number (0 or -1: unlimited)", v);
    }
    for (auto& kv : f.sysctls) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) fail(ErrorKind::Usage, "invalid --sysctl \"{}\": use KEY=VALUE", kv);
        std::string key = kv.substr(0, eq);
        std::replace(key.begin(), key.end(), '/', '.');
        if (!namespaced_sysctl(key, f.network_host, kv))
            fail(ErrorKind::Usage, "invalid --sysctl {}: {} is not namespaced, so a container may not set it", kv, key);
        s.sysctls[key] = kv.substr(eq + 1);
    }
    for (auto& d : f.devices) s.devices.push_back(parse_device(d));
    s.group_add = f.group_add;
}

std::vector<Rlimit> container_rlimits(const ContainerConfig& c) {
    std::vector<Rlimit> wanted;
    for (auto& u : c.security.ulimits) wanted.push_back({u.type, u.soft, u.hard});
    return merge_rlimits(clamped_default_rlimits(), wanted);
}

nlohmann::json container_seccomp(const ContainerConfig& c) {
    const SecurityConfig& s = c.security;
    if (s.seccomp == "unconfined") return nullptr;
    std::vector<std::string> caps = s.caps_set ? s.capabilities : default_capabilities();
    if (s.seccomp == "custom")
        return seccomp_to_oci(parse_seccomp_profile(s.seccomp_profile, s.seccomp_source), caps, true, s.seccomp_source);
    return seccomp_to_oci(default_seccomp_profile(), caps, false);
}

}  // namespace conman
