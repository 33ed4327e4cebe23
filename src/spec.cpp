#include "conman/spec.hpp"

#include <cstdio>
#include <iterator>
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

std::vector<std::string> all_capabilities() {
    static const char* names[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    };
    int last = 40;
    if (std::FILE* f = std::fopen("/proc/sys/kernel/cap_last_cap", "re")) {
        if (std::fscanf(f, "%d", &last) != 1) last = 40;
        std::fclose(f);
    }
    std::vector<std::string> out;
    for (int i = 0; i <= last && i < static_cast<int>(std::size(names)); ++i) out.push_back(names[i]);
    return out;
}

json build_process(const ProcessParams& p) {
    json caps = p.privileged ? json(all_capabilities()) : json(default_capabilities());
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
        {"noNewPrivileges", false},
        {"oomScoreAdj", 0},
    };
    if (p.tty && p.rows > 0 && p.cols > 0) j["consoleSize"] = {{"height", p.rows}, {"width", p.cols}};
    return j;
}

namespace {

json process_section(const ContainerConfig& c, const SpecInputs& in) {
    ProcessParams p;
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
