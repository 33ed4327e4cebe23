// Resource limit flags -> ResourcesConfig -> OCI linux.resources and `runc
// update` arguments. See resources.hpp.
#include "conman/resources.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"

namespace conman {

using nlohmann::json;

namespace {

bool all_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

// A non-negative decimal ("1", "0.5", "2.25"); nullopt otherwise.
std::optional<double> parse_decimal(const std::string& s) {
    if (s.empty() || s.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
    if (std::count(s.begin(), s.end(), '.') > 1 || s == ".") return std::nullopt;
    try {
        size_t used = 0;
        double v = std::stod(s, &used);
        if (used != s.size() || !std::isfinite(v)) return std::nullopt;
        return v;
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<int64_t> parse_int(const std::string& s) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

int64_t ram_or_fail(const char* flag, const std::string& v) {
    auto b = parse_ram_bytes(v);
    if (!b) fail(ErrorKind::Usage, "invalid {} \"{}\": use a size such as 512m or 1g (b, k, m, g units)", flag, v);
    return *b;
}

int count_list(const std::string& text) {
    // "0-3,5" -> 5 entries' highest + 1 (what sysfs online lists hold)
    return cpuset_max(text) + 1;
}

}  // namespace

std::optional<int64_t> parse_ram_bytes(const std::string& in) {
    std::string s = in;
    // Number, optional blank, optional unit letter, optional "i", optional "b".
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    std::string num = s.substr(0, i), unit = s.substr(i);
    if (!unit.empty() && unit[0] == ' ') unit = unit.substr(1);
    auto v = parse_decimal(num);
    if (!v) return std::nullopt;
    double mult = 1;
    if (!unit.empty()) {
        char u = static_cast<char>(std::tolower(static_cast<unsigned char>(unit[0])));
        const std::string letters = "kmgtp";
        size_t pos = letters.find(u);
        size_t rest = 0;
        if (pos != std::string::npos) {
            mult = std::pow(1024.0, static_cast<double>(pos + 1));
            rest = 1;
            if (rest < unit.size() && std::tolower(static_cast<unsigned char>(unit[rest])) == 'i') ++rest;
        }
        if (rest < unit.size() && std::tolower(static_cast<unsigned char>(unit[rest])) == 'b') ++rest;
        if (rest != unit.size()) return std::nullopt;
    }
    double bytes = *v * mult;
    if (bytes >= 9.2e18) return std::nullopt;
    return static_cast<int64_t>(bytes);
}

std::optional<int64_t> parse_nano_cpus(const std::string& s) {
    auto v = parse_decimal(s);
    if (!v) return std::nullopt;
    double n = *v * 1e9;
    if (n >= 9.2e18) return std::nullopt;
    return static_cast<int64_t>(std::llround(n));
}

bool valid_cpuset(const std::string& s) {
    if (s.empty()) return false;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(',', start);
        if (end == std::string::npos) end = s.size();
        std::string part = s.substr(start, end - start);
        start = end + 1;
        auto dash = part.find('-');
        std::string a = part.substr(0, dash), b = dash == std::string::npos ? a : part.substr(dash + 1);
        if (!all_digits(a) || !all_digits(b) || a.size() > 6 || b.size() > 6) return false;
        if (std::stoi(a) > std::stoi(b)) return false;
        if (end == s.size()) break;
    }
    return true;
}

int cpuset_max(const std::string& s) {
    int best = -1;
    std::string cur;
    for (char ch : s + ",") {
        if (std::isdigit(static_cast<unsigned char>(ch))) {
            cur += ch;
        } else {
            if (!cur.empty() && cur.size() <= 6) best = std::max(best, std::stoi(cur));
            cur.clear();
        }
    }
    return best;
}

bool ResourceFlags::any() const {
    for (auto* s : {&memory, &memory_reservation, &memory_swap, &cpus, &cpu_shares, &cpu_period, &cpu_quota,
                    &cpuset_cpus, &cpuset_mems, &blkio_weight})
        if (!s->empty()) return true;
    return false;
}

CgroupSupport probe_cgroup_support() {
    CgroupSupport s;
    s.v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
    if (s.v2) {
        // The root has no swap/weight files of its own: look at conman's parent or any child.
        s.swap = true;
        s.blkio_weight = true;
    } else {
        s.swap = path_exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
        s.blkio_weight = path_exists("/sys/fs/cgroup/blkio/blkio.weight") ||
                         path_exists("/sys/fs/cgroup/blkio/blkio.bfq.weight");
    }
    auto cpus = read_file_if_exists("/sys/devices/system/cpu/online");
    s.cpus = cpus ? count_list(*cpus) : static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
    auto mems = read_file_if_exists("/sys/devices/system/node/online");
    s.mems = mems ? count_list(*mems) : 1;
    if (s.cpus < 1) s.cpus = 1;
    if (s.mems < 1) s.mems = 1;
    return s;
}

void apply_resource_flags(ResourcesConfig& r, const ResourceFlags& f, const CgroupSupport& sup, bool rootless) {
    if (rootless) {
        const std::pair<const char*, const std::string*> given[] = {
            {"--memory", &f.memory},           {"--memory-reservation", &f.memory_reservation},
            {"--memory-swap", &f.memory_swap}, {"--cpus", &f.cpus},
            {"--cpu-shares", &f.cpu_shares},   {"--cpu-period", &f.cpu_period},
            {"--cpu-quota", &f.cpu_quota},     {"--cpuset-cpus", &f.cpuset_cpus},
            {"--cpuset-mems", &f.cpuset_mems}, {"--blkio-weight", &f.blkio_weight}};
        for (auto& [flag, v] : given)
            if (!v->empty())
                fail(ErrorKind::Usage, "{} {}: resource limits need a delegated cgroup, which rootless conman does not "
                                       "have here", flag, *v);
        return;
    }
    if (!f.memory.empty()) {
        r.memory = ram_or_fail("--memory", f.memory);
        if (r.memory != 0 && r.memory < kMinMemoryLimit)
            fail(ErrorKind::Usage, "invalid --memory \"{}\": the smallest memory limit the runtime accepts is 6MiB",
                 f.memory);
    }
    if (!f.memory_reservation.empty()) r.memory_reservation = ram_or_fail("--memory-reservation", f.memory_reservation);
    if (!f.memory_swap.empty()) {
        if (f.memory_swap == "-1") {
            r.memory_swap = -1;
        } else {
            r.memory_swap = ram_or_fail("--memory-swap", f.memory_swap);
            if (r.memory_swap != 0 && r.memory == 0)
                fail(ErrorKind::Usage, "--memory-swap {} needs --memory: the swap limit counts memory plus swap",
                     f.memory_swap);
            if (r.memory_swap != 0 && r.memory_swap < r.memory)
                fail(ErrorKind::Usage, "invalid --memory-swap \"{}\": it counts memory plus swap, so it must be at "
                                       "least --memory", f.memory_swap);
        }
        if (!sup.swap && r.memory_swap != 0)
            fail(ErrorKind::Usage, "--memory-swap {}: this kernel has no swap accounting (swapaccount=1 is off), so "
                                   "swap cannot be limited", f.memory_swap);
    } else if (!f.memory.empty() && r.memory_swap > 0 && r.memory_swap < r.memory) {
        r.memory_swap = 0;  // update of --memory alone past an old swap limit: back to the default
    }
    if (r.memory && r.memory_reservation > r.memory)
        fail(ErrorKind::Usage, "--memory-reservation {} is above --memory {}: the soft limit must not exceed the limit",
             f.memory_reservation.empty() ? std::to_string(r.memory_reservation) : f.memory_reservation,
             f.memory.empty() ? std::to_string(r.memory) : f.memory);
    if (!f.cpus.empty()) {
        if (!f.cpu_period.empty() || !f.cpu_quota.empty())
            fail(ErrorKind::Usage, "--cpus sets the CPU period and quota itself: use it or --cpu-period/--cpu-quota, "
                                   "not both");
        auto n = parse_nano_cpus(f.cpus);
        if (!n) fail(ErrorKind::Usage, "invalid --cpus \"{}\": use a number of CPUs such as 0.5 or 2", f.cpus);
        if (*n != 0 && (*n < 10000000 || *n > int64_t(sup.cpus) * 1000000000))
            fail(ErrorKind::Usage, "invalid --cpus \"{}\": use 0.01 to {} (the CPUs this host has)", f.cpus, sup.cpus);
        r.nano_cpus = *n;
        r.cpu_period = 0;
        r.cpu_quota = 0;
    }
    if (!f.cpu_period.empty()) {
        auto v = parse_int(f.cpu_period);
        if (!v || (*v != 0 && (*v < 1000 || *v > 1000000)))
            fail(ErrorKind::Usage, "invalid --cpu-period \"{}\": use 1000 to 1000000 microseconds", f.cpu_period);
        r.cpu_period = static_cast<uint64_t>(*v);
        r.nano_cpus = 0;
    }
    if (!f.cpu_quota.empty()) {
        auto v = parse_int(f.cpu_quota);
        if (!v || (*v != 0 && *v != -1 && *v < 1000))
            fail(ErrorKind::Usage, "invalid --cpu-quota \"{}\": use at least 1000 microseconds (-1: no quota)",
                 f.cpu_quota);
        r.cpu_quota = *v;
        r.nano_cpus = 0;
    }
    if (!f.cpu_shares.empty()) {
        auto v = parse_int(f.cpu_shares);
        if (!v || (*v != 0 && (*v < 2 || *v > 262144)))
            fail(ErrorKind::Usage, "invalid --cpu-shares \"{}\": use 2 to 262144", f.cpu_shares);
        r.cpu_shares = static_cast<uint64_t>(*v);
    }
    auto cpuset = [](const char* flag, const std::string& v, int have, const char* what) {
        if (!valid_cpuset(v))
            fail(ErrorKind::Usage, "invalid {} \"{}\": use a list such as 0-2,4", flag, v);
        if (cpuset_max(v) >= have)
            fail(ErrorKind::Usage, "invalid {} \"{}\": this host has {} {} (0-{})", flag, v, have, what, have - 1);
        return v;
    };
    if (!f.cpuset_cpus.empty()) r.cpuset_cpus = cpuset("--cpuset-cpus", f.cpuset_cpus, sup.cpus, "CPUs");
    if (!f.cpuset_mems.empty()) r.cpuset_mems = cpuset("--cpuset-mems", f.cpuset_mems, sup.mems, "memory nodes");
    if (!f.blkio_weight.empty()) {
        auto v = parse_int(f.blkio_weight);
        if (!v || (*v != 0 && (*v < 10 || *v > 1000)))
            fail(ErrorKind::Usage, "invalid --blkio-weight \"{}\": use 10 to 1000", f.blkio_weight);
        if (*v != 0 && !sup.blkio_weight)
            fail(ErrorKind::Usage, "--blkio-weight {}: this kernel's block I/O controller has no weight file (it needs "
                                   "the BFQ or CFQ I/O scheduler)", f.blkio_weight);
        r.blkio_weight = static_cast<uint16_t>(*v);
    }
}

namespace {

int64_t effective_swap(const ResourcesConfig& r, const CgroupSupport& sup) {
    if (!sup.swap || r.memory == 0) return 0;
    if (r.memory_swap == 0) return 2 * r.memory;  // podman: as much swap as memory
    return r.memory_swap;
}

}  // namespace

void add_oci_resources(json& resources, const ResourcesConfig& r, const CgroupSupport& sup) {
    json mem = json::object();
    if (r.memory) mem["limit"] = r.memory;
    if (r.memory_reservation) mem["reservation"] = r.memory_reservation;
    if (int64_t swap = effective_swap(r, sup)) mem["swap"] = swap;
    if (!mem.empty()) resources["memory"] = mem;
    json cpu = json::object();
    if (r.cpu_shares) cpu["shares"] = r.cpu_shares;
    if (r.nano_cpus) {
        cpu["period"] = 100000;
        cpu["quota"] = r.nano_cpus / 10000;  // nano CPUs * 100000 us / 1e9
    }
    if (r.cpu_period) cpu["period"] = r.cpu_period;
    if (r.cpu_quota) cpu["quota"] = r.cpu_quota;
    if (!r.cpuset_cpus.empty()) cpu["cpus"] = r.cpuset_cpus;
    if (!r.cpuset_mems.empty()) cpu["mems"] = r.cpuset_mems;
    if (!cpu.empty()) resources["cpu"] = cpu;
    if (r.blkio_weight) resources["blockIO"] = {{"weight", r.blkio_weight}};
}

std::vector<std::string> runtime_update_args(const ResourcesConfig& r, const CgroupSupport& sup, int64_t pids_limit) {
    json res = json::object();
    add_oci_resources(res, r, sup);
    std::vector<std::string> a;
    auto add = [&](const char* flag, const json& v) {
        a.push_back(flag);
        a.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    };
    if (res.contains("memory")) {
        auto& m = res["memory"];
        if (m.contains("limit")) add("--memory", m["limit"]);
        if (m.contains("reservation")) add("--memory-reservation", m["reservation"]);
        if (m.contains("swap")) add("--memory-swap", m["swap"]);
    }
    if (res.contains("cpu")) {
        auto& c = res["cpu"];
        if (c.contains("shares")) add("--cpu-share", c["shares"]);
        if (c.contains("period")) add("--cpu-period", c["period"]);
        if (c.contains("quota")) add("--cpu-quota", c["quota"]);
        if (c.contains("cpus")) add("--cpuset-cpus", c["cpus"]);
        if (c.contains("mems")) add("--cpuset-mems", c["mems"]);
    }
    if (res.contains("blockIO")) add("--blkio-weight", res["blockIO"]["weight"]);
    if (pids_limit >= 0) add("--pids-limit", pids_limit == 0 ? json(-1) : json(pids_limit));
    return a;
}

json resources_inspect_json(const ResourcesConfig& r) {
    int64_t period = r.nano_cpus ? 100000 : static_cast<int64_t>(r.cpu_period);
    int64_t quota = r.nano_cpus ? r.nano_cpus / 10000 : r.cpu_quota;
    return {
        {"Memory", r.memory},
        {"MemoryReservation", r.memory_reservation},
        {"MemorySwap", r.memory_swap ? r.memory_swap : (r.memory ? 2 * r.memory : 0)},
        {"NanoCpus", r.nano_cpus},
        {"CpuShares", r.cpu_shares},
        {"CpuPeriod", period},
        {"CpuQuota", quota},
        {"CpusetCpus", r.cpuset_cpus},
        {"CpusetMems", r.cpuset_mems},
        {"BlkioWeight", r.blkio_weight},
    };
}

}  // namespace conman
