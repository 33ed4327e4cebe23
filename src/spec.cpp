#include "conman/spec.hpp"

#include <sys/resource.h>

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

json process_section(const ContainerConfig& c, const SpecInputs& in) {
    json caps = default_capabilities();
    json rl = json::array();
    for (auto& r : in.rlimits) rl.push_back({{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}});
    json user = {{"uid", c.uid}, {"gid", c.gid}};
    if (!c.additional_gids.empty()) user["additionalGids"] = c.additional_gids;
    return {
        {"terminal", c.tty},
        {"user", user},
        {"args", c.args},
        {"env", c.env},
        {"cwd", c.workdir.empty() ? "/" : c.workdir},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
        {"rlimits", rl},
        {"noNewPrivileges", false},
        {"oomScoreAdj", 0},
    };
}

json mount(const char* dst, const char* type, const char* src, std::vector<std::string> opts) {
    return {{"destination", dst}, {"type", type}, {"source", src}, {"options", std::move(opts)}};
}

json bind(const std::string& src, const char* dst, bool ro = false) {
    std::vector<std::string> opts = {"rbind", "rprivate", "nosuid", "noexec", "nodev"};
    if (ro) opts.push_back("ro");
    return {{"destination", dst}, {"type", "bind"}, {"source", src}, {"options", opts}};
}

json mounts_section(const SpecInputs& in) {
    json m = json::array();
    m.push_back(mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}));
    m.push_back(mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
    m.push_back(mount("/dev/pts", "devpts", "devpts",
                      {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}));
    m.push_back(mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
    m.push_back(mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
    m.push_back(mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}));
    m.push_back(mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}));
    if (!in.hosts_path.empty()) m.push_back(bind(in.hosts_path, "/etc/hosts"));
    if (!in.hostname_path.empty()) m.push_back(bind(in.hostname_path, "/etc/hostname"));
    if (!in.resolv_path.empty()) m.push_back(bind(in.resolv_path, "/etc/resolv.conf"));
    return m;
}

json linux_section(const SpecInputs& in) {
    json ns = json::array();
    for (auto t : {"pid", "network", "ipc", "uts", "mount"}) ns.push_back({{"type", t}});
    json l = {
        {"namespaces", ns},
        {"resources", {{"devices", json::array({{{"allow", false}, {"access", "rwm"}}})}}},
        {"maskedPaths",
         {"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
          "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block"}},
        {"readonlyPaths",
         {"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
    };
    if (!in.cgroups_path.empty()) l["cgroupsPath"] = in.cgroups_path;
    return l;
}

}  // namespace

json build_spec(const ContainerConfig& c, const SpecInputs& in) {
    return {
        {"ociVersion", "1.0.2"},
        {"process", process_section(c, in)},
        {"root", {{"path", c.rootfs}, {"readonly", false}}},
        {"hostname", c.hostname},
        {"mounts", mounts_section(in)},
        {"annotations", {{"io.conman.name", c.name}}},
        {"linux", linux_section(in)},
    };
}

}  // namespace conman
