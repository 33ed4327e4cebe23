#include "conman/spec.hpp"

#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include "conman/fs.hpp"
#include "conman/resources.hpp"
#include "conman/security.hpp"
#include "conman/volume.hpp"

namespace conman {

using nlohmann::json;

const std::vector<std::string>& default_capabilities() {
    static const std::vector<std::string> caps = {
        "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",    "CAP_KILL",       "CAP_NET_BIND_SERVICE",
        "CAP_SETFCAP", "CAP_SETGID",      "CAP_SETPCAP", "CAP_SETUID",   "CAP_SYS_CHROOT",
    };
    return caps;
}

std::vector<Rlimit> clamped_default_rlimits() {
    struct Want {
        const char* name;
        int resource;
        uint64_t value;
    };
    // This host (and many sandboxes) refuse raising a hard limit even as
    // root, so never ask for more than the caller already has.
    static const Want wants[] = {
        {"RLIMIT_NOFILE", RLIMIT_NOFILE, 1048576},
        {"RLIMIT_NPROC", RLIMIT_NPROC, 4194304},
    };
    std::vector<Rlimit> out;
    for (const auto& w : wants) {
        struct rlimit cur;
        if (getrlimit(w.resource, &cur) < 0) continue;
        uint64_t hard = cur.rlim_max == RLIM_INFINITY ? w.value : std::min<uint64_t>(w.value, cur.rlim_max);
        out.push_back({w.name, hard, hard});
    }
    return out;
}

namespace {
const char* const kCapabilityNames[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
}  // namespace

std::vector<std::string> known_capabilities() { return {std::begin(kCapabilityNames), std::end(kCapabilityNames)}; }

std::vector<std::string> all_capabilities() {
    // What this kernel has (cap_last_cap) and what we may still hand out (our
    // bounding set: sandboxes drop some even for root, and a runtime asked
    // for more fails with "unable to apply caps").
    int last = 40;
    if (std::FILE* f = std::fopen("/proc/sys/kernel/cap_last_cap", "re")) {
        if (std::fscanf(f, "%d", &last) != 1) last = 40;
        std::fclose(f);
    }
    uint64_t bounding = ~0ULL;
    if (auto status = read_file_if_exists("/proc/self/status")) {
        auto pos = status->find("CapBnd:");
        if (pos != std::string::npos) bounding = std::strtoull(status->c_str() + pos + 7, nullptr, 16);
    }
    std::vector<std::string> out;
    for (int i = 0; i <= last && i < static_cast<int>(std::size(kCapabilityNames)); ++i)
        if (bounding & (1ULL << i)) out.push_back(kCapabilityNames[i]);
    return out;
}

json build_process(const ProcessParams& p) {
    json caps = p.capabilities ? json(*p.capabilities)
                : p.privileged ? json(all_capabilities())
                               : json(default_capabilities());
    json rl = json::array();
    for (auto& r : p.rlimits) rl.push_back({{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}});
    json user = {{"uid", p.uid}, {"gid", p.gid}};
    if (!p.additional_gids.empty()) user["additionalGids"] = p.additional_gids;
    json j = {
        {"terminal", p.tty},
        {"user", user},
        {"args", p.args},
        {"env", p.env},
        {"cwd", p.cwd.empty() ? "/" : p.cwd},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
        {"rlimits", rl},
        {"noNewPrivileges", p.no_new_privileges},
        {"oomScoreAdj", 0},
    };
    if (p.tty && p.rows > 0 && p.cols > 0) j["consoleSize"] = {{"height", p.rows}, {"width", p.cols}};
    return j;
}

ProcessParams container_process_params(const ContainerConfig& c) {
    ProcessParams p;
    p.privileged = c.security.privileged;
    if (c.security.caps_set) p.capabilities = c.security.capabilities;
    p.no_new_privileges = c.security.no_new_privileges;
    return p;
}

namespace {

const char* const kMaskedPaths[] = {"/proc/acpi",         "/proc/kcore",     "/proc/keys",     "/proc/latency_stats",
                                    "/proc/timer_list",   "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                                    "/sys/firmware",      "/sys/fs/selinux", "/sys/dev/block"};
const char* const kReadonlyPaths[] = {"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

json process_section(const ContainerConfig& c, const SpecInputs& in) {
    ProcessParams p = container_process_params(c);
    p.args = c.args;
    p.env = c.env;
    p.cwd = c.workdir.empty() ? "/" : c.workdir;
    p.uid = c.uid;
    p.gid = c.gid;
    p.additional_gids = c.additional_gids;
    p.tty = c.tty;
    p.rows = in.console_rows;
    p.cols = in.console_cols;
    p.rlimits = in.rlimits;
    return build_process(p);
}

json mount(const char* dst, const char* type, const char* src, std::vector<std::string> opts) {
    return {{"destination", dst}, {"type", type}, {"source", src}, {"options", std::move(opts)}};
}

json bind(const std::string& src, const char* dst, bool ro = false) {
    std::vector<std::string> opts = {"rbind", "rprivate", "nosuid", "noexec", "nodev"};
    if (ro) opts.push_back("ro");
    return {{"destination", dst}, {"type", "bind"}, {"source", src}, {"options", opts}};
}

bool maps_container_id(const std::vector<IdMapping>& m, uint32_t id) {
    if (m.empty()) return true;
    return std::any_of(m.begin(), m.end(), [&](const IdMapping& x) { return id >= x.container_id && id - x.container_id < x.size; });
}

json mapping_json(const std::vector<IdMapping>& m) {
    json out = json::array();
    for (auto& x : m) out.push_back({{"containerID", x.container_id}, {"hostID", x.host_id}, {"size", x.size}});
    return out;
}

json mounts_section(const ContainerConfig& c, const SpecInputs& in) {
    const SecurityConfig& sec = c.security;
    const char* sys_mode = sec.privileged ? "rw" : "ro";
    json m = json::array();
    m.push_back(mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}));
    m.push_back(mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
    std::vector<std::string> pts = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
    if (in.tty_gid_mapped && maps_container_id(in.gid_mappings, 5)) pts.push_back("gid=5");  // tty group, when the namespace has it
    m.push_back(mount("/dev/pts", "devpts", "devpts", pts));
    m.push_back(mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
    m.push_back(mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
    // sysfs may only be mounted in a network namespace owned by the container's
    // user namespace: not the host's (rootless, or with a user namespace), nor
    // one conman made (bridge, slirp4netns) when the container has its own.
    bool userns = !in.uid_mappings.empty();
    bool foreign_netns = in.netns_path == "host" ? userns || in.rootless : userns && !in.netns_path.empty();
    if (foreign_netns)
        m.push_back(mount("/sys", "bind", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}));
    else
        m.push_back(mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", sys_mode}));
    if (in.uid_mappings.empty() && !in.rootless)
        m.push_back(mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", sys_mode}));
    else  // a user namespace may not mount cgroup v1: the host's tree, read-only
        m.push_back(mount("/sys/fs/cgroup", "bind", "/sys/fs/cgroup", {"rbind", "nosuid", "noexec", "nodev", "ro"}));
    if (sec.read_only && sec.read_only_tmpfs) {
        m.push_back(mount("/run", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=755"}));
        m.push_back(mount("/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=1777"}));
        m.push_back(mount("/var/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=1777"}));
    }
    if (!in.hosts_path.empty()) m.push_back(bind(in.hosts_path, "/etc/hosts"));
    if (!in.hostname_path.empty()) m.push_back(bind(in.hostname_path, "/etc/hostname"));
    if (!in.resolv_path.empty()) m.push_back(bind(in.resolv_path, "/etc/resolv.conf"));
    add_user_mounts(m, c.volumes.mounts);  // -v, --mount, --tmpfs, image VOLUMEs (volume.hpp)
    return m;
}

// Masked and read-only paths after --privileged and --security-opt mask=/unmask=.
std::pair<json, json> masks(const SecurityConfig& sec) {
    json masked = json::array(), ro = json::array();
    auto unmasked = [&](const std::string& p) {
        return std::any_of(sec.unmask.begin(), sec.unmask.end(), [&](const std::string& u) { return u == "ALL" || u == p; });
    };
    if (!sec.privileged) {
        for (const char* p : kMaskedPaths)
            if (!unmasked(p)) masked.push_back(p);
        for (const char* p : kReadonlyPaths)
            if (!unmasked(p)) ro.push_back(p);
    }
    for (auto& p : sec.mask) masked.push_back(p);
    return {masked, ro};
}

json device_entry(const DeviceConfig& d) {
    return {{"path", d.path}, {"type", d.type}, {"major", d.major}, {"minor", d.minor}, {"fileMode", d.file_mode},
            {"uid", 0}, {"gid", 0}};
}

// --privileged: the host's device nodes (those runc does not create itself).
std::vector<DeviceConfig> host_devices() {
    static const std::set<std::string> skip = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                                               "/dev/tty",  "/dev/ptmx", "/dev/console"};
    std::vector<DeviceConfig> out;
    std::vector<std::string> dirs = {"/dev"};
    while (!dirs.empty()) {
        std::string dir = dirs.back();
        dirs.pop_back();
        for (auto& name : list_dir(dir)) {
            std::string path = dir + "/" + name;
            struct stat st;
            if (::lstat(path.c_str(), &st) < 0) continue;
            if (S_ISDIR(st.st_mode)) {
                if (path != "/dev/pts" && path != "/dev/shm" && path != "/dev/mqueue") dirs.push_back(path);
                continue;
            }
            if ((!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) || skip.count(path)) continue;
            out.push_back({path, path, S_ISCHR(st.st_mode) ? "c" : "b", major(st.st_rdev), minor(st.st_rdev),
                           st.st_mode & 07777, "rwm"});
        }
    }
    return out;
}

json linux_section(const ContainerConfig& c, const SpecInputs& in) {
    const SecurityConfig& sec = c.security;
    json ns = json::array();
    for (auto t : {"pid", "network", "ipc", "uts", "mount"}) {
        std::string type = t;
        if (type == "network" && in.netns_path == "host") continue;
        if (type == "network" && !in.netns_path.empty()) ns.push_back({{"type", t}, {"path", in.netns_path}});
        else ns.push_back({{"type", t}});
    }
    bool userns = !in.uid_mappings.empty();
    if (userns) ns.push_back({{"type", "user"}});
    json dev_rules = json::array({{{"allow", sec.privileged}, {"access", "rwm"}}});
    json devices = json::array();
    std::vector<DeviceConfig> devs = sec.devices;
    if (sec.privileged) {
        auto host = host_devices();
        devs.insert(devs.end(), host.begin(), host.end());
    }
    for (auto& d : devs) {
        devices.push_back(device_entry(d));
        if (!sec.privileged)
            dev_rules.push_back({{"allow", true}, {"type", d.type}, {"major", d.major}, {"minor", d.minor}, {"access", d.access}});
    }
    json resources = {{"devices", dev_rules}};
    if (sec.pids_limit > 0) resources["pids"] = {{"limit", sec.pids_limit}};
    add_oci_resources(resources, c.resources, probe_cgroup_support());
    auto [masked, ro] = masks(sec);
    json l = {
        {"namespaces", ns},
        {"resources", resources},
        {"maskedPaths", masked},
        {"readonlyPaths", ro},
    };
    if (!devices.empty()) l["devices"] = devices;
    if (!sec.sysctls.empty()) l["sysctl"] = sec.sysctls;
    // As podman: unprivileged ICMP echo sockets for every group, so ping
    // works without CAP_NET_RAW, in a namespace of the container's own.
    // Not in a user namespace of the container's own: its gids are not the
    // namespace's, and the kernel refuses the write there.
    if (in.netns_path != "host" && in.uid_mappings.empty() && !sec.sysctls.count("net.ipv4.ping_group_range"))
        l["sysctl"]["net.ipv4.ping_group_range"] = "0 0";
    json seccomp = container_seccomp(c);
    if (!seccomp.is_null()) l["seccomp"] = seccomp;
    if (userns) {
        l["uidMappings"] = mapping_json(in.uid_mappings);
        l["gidMappings"] = mapping_json(in.gid_mappings);
    }
    if (in.rootless) {
        // No cgroup is ours without delegation: no path, no limits.
        l["resources"].erase("pids");
    } else if (!in.cgroups_path.empty()) {
        l["cgroupsPath"] = in.cgroups_path;
    }
    return l;
}

}  // namespace

json build_spec(const ContainerConfig& c, const SpecInputs& in) {
    return {
        {"ociVersion", "1.0.2"},
        {"process", process_section(c, in)},
        {"root", {{"path", c.rootfs}, {"readonly", c.security.read_only}}},
        {"hostname", c.hostname},
        {"mounts", mounts_section(c, in)},
        {"annotations", {{"io.conman.name", c.name}}},
        {"linux", linux_section(c, in)},
    };
}

}  // namespace conman
