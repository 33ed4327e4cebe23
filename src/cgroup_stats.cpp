// Container resource usage from cgroup files, and a container's processes
// from /proc. See cgroup_stats.hpp.
#include "conman/cgroup_stats.hpp"

#include <algorithm>
#include <climits>
#include <ctime>
#include <sstream>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"

namespace conman {

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

uint64_t to_u64(const std::string& s) {
    try {
        size_t used = 0;
        unsigned long long v = std::stoull(s, &used);
        return used ? v : 0;
    } catch (...) {
        return 0;
    }
}

std::string trim_ws(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

}  // namespace

std::map<std::string, std::string> parse_proc_cgroup(const std::string& text) {
    std::map<std::string, std::string> out;
    for (auto& line : lines_of(text)) {
        auto a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
        if (b == std::string::npos) continue;
        std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
        if (ctrls.empty()) {
            out[""] = path;
            continue;
        }
        std::istringstream cs(ctrls);
        std::string c;
        while (std::getline(cs, c, ',')) {
            if (c.rfind("name=", 0) == 0) continue;
            out[c] = path;
        }
    }
    return out;
}

std::map<std::string, uint64_t> parse_keyed(const std::string& text) {
    std::map<std::string, uint64_t> out;
    for (auto& line : lines_of(text)) {
        std::istringstream in(line);
        std::string key, value;
        if (in >> key >> value) out[key] = to_u64(value);
    }
    return out;
}

std::pair<uint64_t, uint64_t> parse_blkio_v1(const std::string& text) {
    uint64_t r = 0, w = 0;
    for (auto& line : lines_of(text)) {
        std::istringstream in(line);
        std::string dev, op, value;
        if (!(in >> dev >> op >> value)) continue;  // "Total N" has two fields
        if (op == "Read") r += to_u64(value);
        else if (op == "Write") w += to_u64(value);
    }
    return {r, w};
}

std::pair<uint64_t, uint64_t> parse_io_stat_v2(const std::string& text) {
    uint64_t r = 0, w = 0;
    for (auto& line : lines_of(text)) {
        std::istringstream in(line);
        std::string field;
        in >> field;  // MAJ:MIN
        while (in >> field) {
            auto eq = field.find('=');
            if (eq == std::string::npos) continue;
            std::string k = field.substr(0, eq);
            if (k == "rbytes") r += to_u64(field.substr(eq + 1));
            else if (k == "wbytes") w += to_u64(field.substr(eq + 1));
        }
    }
    return {r, w};
}

std::pair<uint64_t, uint64_t> parse_net_dev(const std::string& text) {
    uint64_t rx = 0, tx = 0;
    for (auto& line : lines_of(text)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string ifname = trim_ws(line.substr(0, colon));
        if (ifname == "lo" || ifname.find('|') != std::string::npos) continue;
        std::istringstream in(line.substr(colon + 1));
        std::vector<std::string> f;
        std::string x;
        while (in >> x) f.push_back(x);
        if (f.size() < 9) continue;
        rx += to_u64(f[0]);  // receive bytes
        tx += to_u64(f[8]);  // transmit bytes
    }
    return {rx, tx};
}

std::optional<uint64_t> parse_limit(const std::string& text) {
    std::string t = trim_ws(text);
    if (t.empty() || t == "max") return std::nullopt;
    uint64_t v = to_u64(t);
    if (v >= (uint64_t(1) << 62)) return std::nullopt;
    return v;
}

namespace {

uint64_t host_memory() {
    auto m = parse_keyed(read_file_if_exists("/proc/meminfo").value_or(""));
    return m["MemTotal:"] * 1024;
}

std::string read_or_empty(const std::string& path) {
    try {
        return read_file_if_exists(path).value_or("");
    } catch (...) {
        return "";
    }
}

// The v1 directory of controller ctrl for path, e.g. /sys/fs/cgroup/memory/conman/ID
// (or .../cpu,cpuacct/... where controllers share a hierarchy).
std::string v1_dir(const std::string& ctrl, const std::map<std::string, std::string>& cg) {
    auto it = cg.find(ctrl);
    if (it == cg.end()) return "";
    for (auto& name : list_dir("/sys/fs/cgroup")) {
        std::istringstream cs(name);
        std::string c;
        while (std::getline(cs, c, ','))
            if (c == ctrl) return "/sys/fs/cgroup/" + name + it->second;
    }
    return "";
}

}  // namespace

CgroupSample sample_cgroup(pid_t pid) {
    std::string proc = "/proc/" + std::to_string(pid);
    auto cgtext = read_file_if_exists(proc + "/cgroup");
    if (!cgtext) fail(ErrorKind::System, "process {} is gone", pid);
    auto cg = parse_proc_cgroup(*cgtext);
    CgroupSample s;
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    s.at = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    std::optional<uint64_t> limit;
    bool v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
    if (v2) {
        std::string dir = "/sys/fs/cgroup" + cg[""];
        if (!path_exists(dir + "/cgroup.procs")) fail(ErrorKind::System, "the cgroup {} is gone", dir);
        auto cpu = parse_keyed(read_or_empty(dir + "/cpu.stat"));
        s.cpu_ns = cpu["usage_usec"] * 1000;
        auto mstat = parse_keyed(read_or_empty(dir + "/memory.stat"));
        uint64_t cur = to_u64(trim_ws(read_or_empty(dir + "/memory.current")));
        s.mem_usage = cur > mstat["inactive_file"] ? cur - mstat["inactive_file"] : cur;
        limit = parse_limit(read_or_empty(dir + "/memory.max"));
        std::tie(s.blk_read, s.blk_write) = parse_io_stat_v2(read_or_empty(dir + "/io.stat"));
        s.pids = to_u64(trim_ws(read_or_empty(dir + "/pids.current")));
    } else {
        std::string mem = v1_dir("memory", cg), cpuacct = v1_dir("cpuacct", cg), blkio = v1_dir("blkio", cg),
                    pids = v1_dir("pids", cg);
        if (mem.empty() || !path_exists(mem + "/memory.usage_in_bytes"))
            fail(ErrorKind::System, "the memory cgroup of process {} is gone", pid);
        s.cpu_ns = to_u64(trim_ws(read_or_empty(cpuacct + "/cpuacct.usage")));
        auto mstat = parse_keyed(read_or_empty(mem + "/memory.stat"));
        uint64_t cur = to_u64(trim_ws(read_or_empty(mem + "/memory.usage_in_bytes")));
        uint64_t inactive = mstat["total_inactive_file"];
        s.mem_usage = cur > inactive ? cur - inactive : cur;
        limit = parse_limit(read_or_empty(mem + "/memory.limit_in_bytes"));
        std::string blk = read_or_empty(blkio + "/blkio.throttle.io_service_bytes_recursive");
        if (blk.empty()) blk = read_or_empty(blkio + "/blkio.throttle.io_service_bytes");
        std::tie(s.blk_read, s.blk_write) = parse_blkio_v1(blk);
        s.pids = to_u64(trim_ws(read_or_empty(pids + "/pids.current")));
    }
    uint64_t host = host_memory();
    s.mem_limit = limit && (!host || *limit < host) ? *limit : host;
    std::tie(s.net_rx, s.net_tx) = parse_net_dev(read_or_empty(proc + "/net/dev"));
    return s;
}

std::vector<pid_t> namespace_pids(pid_t init) {
    auto ns_of = [](const std::string& pid) {
        char buf[64];
        ssize_t n = ::readlink(("/proc/" + pid + "/ns/pid").c_str(), buf, sizeof buf - 1);
        return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    };
    std::string want = ns_of(std::to_string(init));
    if (want.empty()) fail(ErrorKind::System, "process {} is gone", init);
    std::vector<pid_t> out = {init};
    for (auto& name : list_dir("/proc")) {
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        pid_t p = static_cast<pid_t>(std::stol(name));
        if (p == init) continue;
        if (ns_of(name) == want) out.push_back(p);
    }
    std::sort(out.begin() + 1, out.end());
    return out;
}

std::string go_duration(int64_t ns) {
    if (ns == 0) return "0s";
    std::string sign = ns < 0 ? "-" : "";
    uint64_t u = ns < 0 ? uint64_t(-(ns + 1)) + 1 : uint64_t(ns);
    auto with_fraction = [](uint64_t whole, uint64_t frac, int digits) {
        std::string s = std::to_string(whole);
        if (frac) {
            std::string f = std::to_string(frac);
            f = std::string(static_cast<size_t>(digits) - f.size(), '0') + f;
            while (!f.empty() && f.back() == '0') f.pop_back();
            s += "." + f;
        }
        return s;
    };
    if (u < 1000) return sign + std::to_string(u) + "ns";
    if (u < 1000000) return sign + with_fraction(u / 1000, u % 1000, 3) + "\u00b5s";
    if (u < 1000000000) return sign + with_fraction(u / 1000000, u % 1000000, 6) + "ms";
    uint64_t secs = u / 1000000000, frac = u % 1000000000;
    uint64_t h = secs / 3600, m = secs / 60 % 60, sec = secs % 60;
    std::string out = sign;
    if (h) out += std::to_string(h) + "h";
    if (h || m) out += std::to_string(m) + "m";
    return out + with_fraction(sec, frac, 9) + "s";
}

}  // namespace conman
