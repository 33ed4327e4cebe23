// NetworkStore: network definitions as CNI conflists under <root>/networks
// (NAME.conflist, conman's metadata inside). The default network is written
// the first time anything asks for it.
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sockios.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "conman/context.hpp"
#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/network.hpp"
#include "conman/timeutil.hpp"

namespace conman {

using nlohmann::json;

namespace {

NetworkDef default_network() {
    NetworkDef d;
    d.name = kDefaultNetwork;
    d.id = sha256_hex(d.name);
    d.bridge = kDefaultBridge;
    d.subnet = kDefaultSubnet;
    d.gateway = ipv4_str(parse_subnet(d.subnet).addr + 1);
    return d;
}

// IPv4 routes of the host (destination networks), to keep new subnets clear of them.
std::vector<Ipv4Net> host_routes() {
    std::vector<Ipv4Net> out;
    auto text = read_file_if_exists("/proc/net/route").value_or("");
    size_t start = text.find('\n');
    while (start != std::string::npos && start + 1 < text.size()) {
        size_t end = text.find('\n', start + 1);
        std::string line = text.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
        start = end;
        char ifname[64];
        unsigned dst = 0, gw = 0, flags = 0, refcnt = 0, use = 0, metric = 0, mask = 0;
        if (std::sscanf(line.c_str(), "%63s %x %x %x %u %u %u %x", ifname, &dst, &gw, &flags, &refcnt, &use, &metric,
                        &mask) != 8)
            continue;
        if (mask == 0) continue;  // the default route covers everything: ignore it
        uint32_t d = ntohl(dst), m = ntohl(mask);
        int prefix = __builtin_popcount(m);
        out.push_back({d & m, prefix});
    }
    return out;
}

bool interface_exists(const std::string& name) { return path_exists("/sys/class/net/" + name); }

// Deletes a bridge interface (down first: the kernel refuses a running one).
void delete_bridge(const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ || !interface_exists(name)) return;
    UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s) return;
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.c_str(), name.size());
    if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags = static_cast<short>(ifr.ifr_flags & ~IFF_UP);
        (void)::ioctl(s.get(), SIOCSIFFLAGS, &ifr);
    }
    char buf[IFNAMSIZ] = {};
    std::memcpy(buf, name.c_str(), name.size());
    if (::ioctl(s.get(), SIOCBRDELBR, buf) < 0 && errno != ENXIO && errno != ENODEV)
        std::fprintf(stderr, "conman: warning: deleting bridge %s: %s\n", name.c_str(), std::strerror(errno));
}

}  // namespace

NetworkStore::NetworkStore(const Context& ctx) : ctx_(ctx) {}

std::string NetworkStore::dir() const { return ctx_.root + "/networks"; }

std::string NetworkStore::conflist_path(const std::string& name) const { return dir() + "/" + name + ".conflist"; }

json NetworkStore::conflist(const std::string& name) const {
    auto text = read_file_if_exists(conflist_path(name));
    if (!text) {
        if (name != kDefaultNetwork) fail(ErrorKind::NotFound, "network {}: no such network", name);
        json j = network_conflist(default_network());
        mkdir_p(dir());
        atomic_write(conflist_path(name), j.dump(2) + "\n", 0644, true);
        return j;
    }
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) fail(ErrorKind::System, "network {}: {} is not valid JSON", name, conflist_path(name));
    return j;
}

std::vector<NetworkDef> NetworkStore::list() const {
    std::vector<NetworkDef> out;
    bool have_default = false;
    for (auto& f : list_dir(dir())) {
        if (f.size() <= 9 || f.substr(f.size() - 9) != ".conflist") continue;
        std::string name = f.substr(0, f.size() - 9);
        try {
            out.push_back(network_from_conflist(conflist(name)));
            have_default |= name == kDefaultNetwork;
        } catch (const Error& e) {
            std::fprintf(stderr, "conman: warning: %s\n", e.what());
        }
    }
    if (!have_default) out.push_back(network_from_conflist(conflist(kDefaultNetwork)));
    std::sort(out.begin(), out.end(), [](const NetworkDef& a, const NetworkDef& b) { return a.name < b.name; });
    return out;
}

std::optional<NetworkDef> NetworkStore::find(const std::string& ref) const {
    if (valid_network_name(ref) && (path_exists(conflist_path(ref)) || ref == kDefaultNetwork))
        return network_from_conflist(conflist(ref));
    // An ID or a unique ID prefix.
    if (ref.empty() || ref.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
    std::optional<NetworkDef> hit;
    for (auto& d : list()) {
        if (d.id.rfind(ref, 0) != 0) continue;
        if (hit) fail(ErrorKind::Conflict, "network ID {} is ambiguous: give more characters", ref);
        hit = d;
    }
    return hit;
}

NetworkDef NetworkStore::get(const std::string& ref) const {
    auto d = find(ref);
    if (!d) fail(ErrorKind::NotFound, "network {}: no such network", ref);
    return *d;
}

NetworkDef NetworkStore::create(const NetworkCreateOptions& o) const {
    if (o.driver != "bridge") fail(ErrorKind::Usage, "network driver {} is not supported: only bridge is", o.driver);
    auto existing = list();
    NetworkDef d;
    d.name = o.name;
    if (d.name.empty()) {
        for (int i = 1; i < 10000 && d.name.empty(); ++i) {
            std::string n = fmt::format("conman{}", i);
            if (!std::any_of(existing.begin(), existing.end(), [&](const NetworkDef& e) { return e.name == n; })) d.name = n;
        }
    }
    if (!valid_network_name(d.name))
        fail(ErrorKind::Usage, "invalid network name \"{}\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", d.name);
    for (auto& e : existing)
        if (e.name == d.name) fail(ErrorKind::Conflict, "network name {} already used", d.name);

    // The bridge: as asked, or the next conmanN no network or host interface uses.
    d.bridge = o.interface_name;
    auto bridge_taken = [&](const std::string& b) {
        return std::any_of(existing.begin(), existing.end(), [&](const NetworkDef& e) { return e.bridge == b; });
    };
    if (d.bridge.empty()) {
        for (int i = 1; i < 10000 && d.bridge.empty(); ++i) {
            std::string b = fmt::format("conman{}", i);
            if (!bridge_taken(b) && !interface_exists(b)) d.bridge = b;
        }
    } else {
        if (d.bridge.size() >= IFNAMSIZ || !valid_network_name(d.bridge))
            fail(ErrorKind::Usage, "invalid interface name \"{}\": at most {} characters of [a-zA-Z0-9_.-]", d.bridge,
                 IFNAMSIZ - 1);
        if (bridge_taken(d.bridge)) fail(ErrorKind::Conflict, "interface name {} already used by another network", d.bridge);
    }

    // The subnet: as asked (checked against the other networks and the
    // host's routes), or the first free 10.87.N.0/24.
    std::vector<Ipv4Net> used;
    for (auto& e : existing) {
        try {
            used.push_back(parse_subnet(e.subnet));
        } catch (const Error&) {
        }
    }
    auto routes = host_routes();
    auto clash = [&](const Ipv4Net& n) -> std::string {
        for (size_t i = 0; i < existing.size(); ++i) {
            if (!existing[i].subnet.empty() && n.overlaps(parse_subnet(existing[i].subnet)))
                return "network " + existing[i].name;
        }
        for (auto& r : routes)
            if (n.overlaps(r)) return "a route of this host (" + r.str() + ")";
        return "";
    };
    Ipv4Net net;
    if (!o.subnet.empty()) {
        net = parse_subnet(o.subnet);
        if (auto who = clash(net); !who.empty()) fail(ErrorKind::Conflict, "subnet {} overlaps {}", net.str(), who);
    } else {
        bool found = false;
        for (uint32_t i = 0; i < 256 && !found; ++i) {
            Ipv4Net cand{(10u << 24) | (87u << 16) | (i << 8), 24};
            if (clash(cand).empty()) {
                net = cand;
                found = true;
            }
        }
        if (!found) fail(ErrorKind::Conflict, "no free subnet in 10.87.0.0/16: give one with --subnet");
    }
    d.subnet = net.str();
    if (!o.gateway.empty()) {
        auto gw = parse_ipv4(o.gateway);
        if (!gw) fail(ErrorKind::Usage, "invalid gateway {}: not an IPv4 address", o.gateway);
        uint32_t bcast = net.addr | ~(net.prefix == 0 ? 0 : ~uint32_t{0} << (32 - net.prefix));
        if (!net.contains(*gw) || *gw == net.addr || *gw == bcast)
            fail(ErrorKind::Usage, "gateway {} is not a host address of subnet {}", o.gateway, d.subnet);
        d.gateway = o.gateway;
    } else {
        d.gateway = ipv4_str(net.addr + 1);
    }
    d.internal = o.internal;
    for (auto& l : o.labels) {
        auto eq = l.find('=');
        if (eq == 0) fail(ErrorKind::Usage, "invalid label \"{}\": the key is empty", l);
        d.labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
    }
    d.created = now_ns();
    d.id = sha256_hex(d.name + ":" + std::to_string(d.created));
    mkdir_p(dir());
    atomic_write(conflist_path(d.name), network_conflist(d).dump(2) + "\n", 0644, true);
    return d;
}

void NetworkStore::remove(const std::string& name) const {
    if (name == kDefaultNetwork) fail(ErrorKind::Conflict, "the default network {} cannot be removed", name);
    NetworkDef d = get(name);
    if (::unlink(conflist_path(d.name).c_str()) < 0 && errno != ENOENT) throw_sys(errno, "removing network {}", d.name);
    delete_bridge(d.bridge);
    remove_all(std::string(kIpamDir) + "/" + d.bridge);
}

}  // namespace conman
