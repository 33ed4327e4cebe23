// conman top: the processes of a running container, read from /proc (every
// process in the container's pid namespace, exec sessions included), with
// podman's default columns (USER PID PPID %CPU ELAPSED TTY TIME COMMAND) or
// the ps-style descriptors given after the container.
#include <ctime>
#include <iostream>
#include <map>
#include <sstream>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "conman/cgroup_stats.hpp"
#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/store.hpp"
#include "conman/table.hpp"

namespace conman::cli {

namespace {

struct Proc {
    pid_t host_pid = 0, host_ppid = 0;
    pid_t pid = 0, ppid = 0, pgid = 0;  // in the container's namespace
    char state = '?';
    int tty_nr = 0;
    long nice = 0;
    uint64_t utime = 0, stime = 0, start_ticks = 0, vsize = 0, rss_pages = 0;
    uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
    std::string comm, args;
    int seccomp = 0;
};

// The last field of an "NSpid:" style line: the id in the innermost namespace.
pid_t last_field(const std::string& v) {
    std::istringstream in(v);
    long x = 0, last = 0;
    while (in >> x) last = x;
    return static_cast<pid_t>(last);
}

std::optional<Proc> read_proc_or_throw(pid_t pid) {
    std::string dir = "/proc/" + std::to_string(pid);
    auto stat = read_file_if_exists(dir + "/stat");
    auto status = read_file_if_exists(dir + "/status");
    if (!stat || !status) return std::nullopt;
    Proc p;
    p.host_pid = pid;
    auto lp = stat->find('('), rp = stat->rfind(')');
    if (lp == std::string::npos || rp == std::string::npos) return std::nullopt;
    p.comm = stat->substr(lp + 1, rp - lp - 1);
    std::istringstream in(stat->substr(rp + 2));
    std::vector<std::string> f;
    std::string x;
    while (in >> x) f.push_back(x);
    if (f.size() < 22) return std::nullopt;
    // f[0] is field 3 (state) of proc(5).
    p.state = f[0].empty() ? '?' : f[0][0];
    p.host_ppid = std::stoi(f[1]);
    p.tty_nr = std::stoi(f[4]);
    p.utime = std::stoull(f[11]);
    p.stime = std::stoull(f[12]);
    p.nice = std::stol(f[16]);
    p.start_ticks = std::stoull(f[19]);
    p.vsize = std::stoull(f[20]);
    p.rss_pages = std::stoull(f[21]);
    std::istringstream st(*status);
    std::string line;
    while (std::getline(st, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key = line.substr(0, colon), val = line.substr(colon + 1);
        std::istringstream vs(val);
        if (key == "Uid") vs >> p.uid >> p.euid;
        else if (key == "Gid") vs >> p.gid >> p.egid;
        else if (key == "NSpid") p.pid = last_field(val);
        else if (key == "NSpgid") p.pgid = last_field(val);
        else if (key == "Seccomp") vs >> p.seccomp;
    }
    if (!p.pid) p.pid = pid;
    std::string cmd = read_file_if_exists(dir + "/cmdline").value_or("");
    while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
    for (auto& ch : cmd)
        if (ch == '\0') ch = ' ';
    p.args = cmd.empty() ? "[" + p.comm + "]" : cmd;
    return p;
}

// A process that exits while we read it (or shows odd fields) is left out.
std::optional<Proc> read_proc(pid_t pid) {
    try {
        return read_proc_or_throw(pid);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// uid/gid -> name from the container's own /etc/passwd and /etc/group.
std::map<uint32_t, std::string> id_names(pid_t init, const char* file) {
    std::map<uint32_t, std::string> out;
    std::string text;
    try {
        text = read_file_if_exists("/proc/" + std::to_string(init) + "/root" + file).value_or("");
    } catch (...) {
    }
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::istringstream ls(line);
        std::string part;
        while (std::getline(ls, part, ':')) f.push_back(part);
        if (f.size() < 3 || f[2].empty() || f[2].find_first_not_of("0123456789") != std::string::npos) continue;
        out.emplace(static_cast<uint32_t>(std::stoul(f[2])), f[0]);
    }
    return out;
}

std::string tty_name(int nr) {
    if (nr == 0) return "?";
    unsigned maj = major(static_cast<dev_t>(nr)), min = minor(static_cast<dev_t>(nr));
    if (maj >= 136 && maj <= 143) return "pts/" + std::to_string((maj - 136) * 256 + min);
    if (maj == 4 && min < 64) return "tty" + std::to_string(min);
    if (maj == 4) return "ttyS" + std::to_string(min - 64);
    return "?";
}

struct Descriptor {
    const char* name;
    const char* header;
};
constexpr Descriptor kDescriptors[] = {
    {"user", "USER"},     {"pid", "PID"},       {"ppid", "PPID"},     {"pcpu", "%CPU"},   {"etime", "ELAPSED"},
    {"tty", "TTY"},       {"time", "TIME"},     {"args", "COMMAND"},  {"comm", "COMMAND"}, {"group", "GROUP"},
    {"ruser", "RUSER"},   {"rgroup", "RGROUP"}, {"nice", "NI"},       {"pgid", "PGID"},   {"state", "STATE"},
    {"vsz", "VSZ"},       {"rss", "RSS"},       {"hpid", "HPID"},     {"hppid", "HPPID"}, {"huser", "HUSER"},
    {"hgroup", "HGROUP"}, {"uid", "UID"},       {"gid", "GID"},       {"seccomp", "SECCOMP"},
};
// ps(1) spellings of the same columns.
const std::map<std::string, std::string> kAliases = {
    {"%cpu", "pcpu"}, {"cmd", "args"}, {"command", "args"}, {"ucomm", "comm"}, {"elapsed", "etime"},
    {"cputime", "time"}, {"ni", "nice"}, {"s", "state"}, {"stat", "state"}, {"uname", "user"},
    {"euser", "user"}, {"egroup", "group"}, {"euid", "uid"}, {"egid", "gid"}, {"rsz", "rss"}, {"vsize", "vsz"},
};

std::vector<std::string> parse_descriptors(const std::vector<std::string>& raw) {
    std::vector<std::string> out;
    for (auto& arg : raw) {
        std::istringstream in(arg);
        std::string d;
        while (std::getline(in, d, ',')) {
            if (d.empty()) continue;
            std::string low = d;
            for (auto& ch : low) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (auto a = kAliases.find(low); a != kAliases.end()) low = a->second;
            bool known = false;
            for (auto& k : kDescriptors) known = known || low == k.name;
            if (!known) {
                std::string names;
                for (auto& k : kDescriptors) names += std::string(names.empty() ? "" : ", ") + k.name;
                fail(ErrorKind::Usage, "unknown top descriptor \"{}\": use {}", d, names);
            }
            out.push_back(low);
        }
    }
    if (out.empty()) out = {"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"};
    return out;
}

std::string header_of(const std::string& d) {
    for (auto& k : kDescriptors)
        if (d == k.name) return k.header;
    return d;
}

}  // namespace

CLI::App* register_top(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("top", "Display the running processes of a container");
    auto args = std::make_shared<std::vector<std::string>>();
    cmd->add_option("CONTAINER [DESCRIPTORS...]", *args, "Container, then ps-style descriptors (user,pid,args, ...)")
        ->required();
    cmd->callback([args, &st] {
        Context ctx = st.context();
        auto descs = parse_descriptors(std::vector<std::string>(args->begin() + 1, args->end()));
        Container c = lookup_container(ctx, (*args)[0]);
        if ((c.state.status != kRunning && c.state.status != kPaused) || c.state.pid <= 0)
            fail(ErrorKind::Conflict, "top can only be used on running containers: {} is {}", c.config.name,
                 c.state.status);
        pid_t init = c.state.pid;
        std::vector<Proc> procs;
        for (pid_t p : namespace_pids(init))
            if (auto pr = read_proc(p)) procs.push_back(*pr);
        std::map<pid_t, pid_t> ns_of_host;
        for (auto& p : procs) ns_of_host[p.host_pid] = p.pid;
        for (auto& p : procs) p.ppid = ns_of_host.count(p.host_ppid) ? ns_of_host[p.host_ppid] : 0;
        auto users = id_names(init, "/etc/passwd");
        auto groups = id_names(init, "/etc/group");
        auto name = [](const std::map<uint32_t, std::string>& m, uint32_t id) {
            auto it = m.find(id);
            return it == m.end() ? std::to_string(id) : it->second;
        };
        long hz = ::sysconf(_SC_CLK_TCK);
        struct timespec boot;
        ::clock_gettime(CLOCK_BOOTTIME, &boot);
        int64_t uptime_ns = int64_t(boot.tv_sec) * 1000000000 + boot.tv_nsec;
        long page_kb = ::sysconf(_SC_PAGESIZE) / 1024;
        Table t;
        std::vector<std::string> head;
        for (auto& d : descs) head.push_back(header_of(d));
        t.add_row(head);
        for (auto& p : procs) {
            int64_t start_ns = int64_t(p.start_ticks) * 1000000000 / hz;
            int64_t elapsed = uptime_ns > start_ns ? uptime_ns - start_ns : 0;
            uint64_t cpu_ticks = p.utime + p.stime;
            std::vector<std::string> row;
            for (auto& d : descs) {
                if (d == "user") row.push_back(name(users, p.euid));
                else if (d == "ruser") row.push_back(name(users, p.uid));
                else if (d == "group") row.push_back(name(groups, p.egid));
                else if (d == "rgroup") row.push_back(name(groups, p.gid));
                else if (d == "huser") row.push_back(std::to_string(p.euid));
                else if (d == "hgroup") row.push_back(std::to_string(p.egid));
                else if (d == "uid") row.push_back(std::to_string(p.euid));
                else if (d == "gid") row.push_back(std::to_string(p.egid));
                else if (d == "pid") row.push_back(std::to_string(p.pid));
                else if (d == "ppid") row.push_back(std::to_string(p.ppid));
                else if (d == "pgid") row.push_back(std::to_string(p.pgid));
                else if (d == "hpid") row.push_back(std::to_string(p.host_pid));
                else if (d == "hppid") row.push_back(std::to_string(p.host_ppid));
                else if (d == "pcpu") {
                    double secs = double(elapsed) / 1e9;
                    double pct = secs > 0 ? double(cpu_ticks) / double(hz) / secs * 100.0 : 0.0;
                    row.push_back(fmt::format("{:.3f}", pct));
                } else if (d == "etime") row.push_back(go_duration(elapsed));
                else if (d == "time") row.push_back(go_duration(int64_t(cpu_ticks / uint64_t(hz)) * 1000000000));
                else if (d == "tty") row.push_back(tty_name(p.tty_nr));
                else if (d == "args") row.push_back(p.args);
                else if (d == "comm") row.push_back(p.comm);
                else if (d == "nice") row.push_back(std::to_string(p.nice));
                else if (d == "state") row.push_back(std::string(1, p.state));
                else if (d == "vsz") row.push_back(std::to_string(p.vsize / 1024));
                else if (d == "rss") row.push_back(std::to_string(p.rss_pages * uint64_t(page_kb)));
                else if (d == "seccomp")
                    row.push_back(p.seccomp == 2 ? "filter" : p.seccomp == 1 ? "strict" : "disabled");
            }
            t.add_row(row);
        }
        std::cout << t.render();
    });
    return cmd;
}

}  // namespace conman::cli
