// A container's side of networking: the --network/-p/--dns/... flags into
// its record, its /etc/hosts and /etc/resolv.conf, and the setup and
// teardown of its network namespace through CNI. While set up, a container
// has <runroot>/netns/<id> (the namespace, bind-mounted) and <id>.json
// (what CNI returned, kept for DEL and inspect).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include <fmt/format.h>

#include "conman/container.hpp"
#include "conman/engine.hpp"
#include "conman/context.hpp"
#include "conman/error.hpp"
#include "conman/slirp.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/lock.hpp"
#include "conman/network.hpp"
#include "conman/store.hpp"
#include "network_attachments.hpp"
#include "network_internal.hpp"

namespace conman {

using namespace net;

namespace {

constexpr const char* kLocalhostLines =
    "127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost localhost.localdomain\n";

// Rootless default, as podman's: slirp4netns when this host lets the user
// use it (installed, /dev/net/tun usable), else a namespace with only lo.
const char* rootless_default_network() {
    bool usable = !find_program("slirp4netns").empty() && ::access("/dev/net/tun", R_OK | W_OK) == 0;
    return usable ? "slirp4netns" : "none";
}

std::string add_host_lines(const ContainerConfig& c, const std::string& gateway) {
    std::string out;
    for (auto& h : c.network.add_hosts) {
        auto colon = h.find(':');
        std::string ip = h.substr(colon + 1);
        if (ip == "host-gateway") {
            if (gateway.empty()) continue;
            ip = gateway;
        }
        out += ip + "\t" + h.substr(0, colon) + "\n";
    }
    return out;
}

json runtime_config_for(const ContainerConfig& c, size_t index) {
    json rc = json::object();
    if (index != 0) return rc;  // ports, MAC and address apply to the first network
    if (!c.network.ports.empty()) {
        json pm = json::array();
        for (auto& p : c.network.ports) {
            json m = {{"hostPort", p.host_port}, {"containerPort", p.container_port}, {"protocol", p.protocol}};
            if (!p.host_ip.empty()) m["hostIP"] = p.host_ip;
            pm.push_back(m);
        }
        rc["portMappings"] = pm;
    }
    if (!c.network.mac.empty()) rc["mac"] = c.network.mac;
    if (!c.network.ip.empty()) rc["ips"] = json::array({c.network.ip});
    return rc;
}

std::string own_hosts_base(const ContainerConfig& c, const Attachment* first) {
    std::string s = kLocalhostLines;
    std::string gw = first && !first->gateway.empty() ? first->gateway : "";
    s += add_host_lines(c, gw);
    if (first && !first->ip.empty())
        s += fmt::format("{}\t{} {}\n", first->ip, c.hostname, c.name);
    else
        s += fmt::format("127.0.1.1\t{} {}\n", c.hostname, c.name);
    if (!gw.empty()) s += gw + "\thost.containers.internal host.docker.internal\n";
    return s;
}

bool valid_mac(const std::string& m) {
    if (m.size() != 17) return false;
    for (size_t i = 0; i < m.size(); ++i) {
        if (i % 3 == 2 ? m[i] != ':' : !std::isxdigit(static_cast<unsigned char>(m[i]))) return false;
    }
    return true;
}

// A free port on ip for proto, as the kernel picks one for port 0.
uint16_t free_port(const std::string& ip, const std::string& proto) {
    int type = proto == "udp" ? SOCK_DGRAM : SOCK_STREAM;
    bool v6 = ip.find(':') != std::string::npos;
    UniqueFd s(::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0));
    if (!s) throw_sys(errno, "socket");
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        ::inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        if (!ip.empty()) ::inet_pton(AF_INET, ip.c_str(), &a->sin_addr);
        len = sizeof *a;
    }
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0) throw_sys(errno, "finding a free port on {}", ip.empty() ? "0.0.0.0" : ip);
    if (::getsockname(s.get(), reinterpret_cast<sockaddr*>(&ss), &len) < 0) throw_sys(errno, "getsockname");
    return ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

std::vector<std::string> split_commas(const std::vector<std::string>& in) {
    std::vector<std::string> out;
    for (auto& v : in) {
        size_t start = 0;
        for (;;) {
            auto c = v.find(',', start);
            std::string part = v.substr(start, c == std::string::npos ? std::string::npos : c - start);
            if (!part.empty()) out.push_back(part);
            if (c == std::string::npos) break;
            start = c + 1;
        }
    }
    return out;
}

bool valid_ip_any(const std::string& s) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

void apply_network_flags(const Context& ctx, const Store& store, ContainerConfig& c, const NetworkFlags& f,
                         const std::vector<std::string>& image_exposed) {
    NetworkConfig& n = c.network;
    auto values = split_commas(f.network);
    if (values.empty()) values.push_back(ctx.rootless ? rootless_default_network() : "bridge");
    for (auto& v : values) {
        std::string mode;
        if (v == "none" || v == "host") mode = v;
        else if (v == "bridge" || v == "private" || v == "default") mode = "bridge";
        else if (v.rfind("container:", 0) == 0) mode = "container";
        else if (v == "slirp4netns" || v.rfind("slirp4netns:", 0) == 0) {
            mode = "slirp4netns";
            n.slirp_options = v.size() > 12 ? v.substr(12) : "";
            parse_slirp_options(v, n.slirp_options);  // checked now: nothing is made for bad options
        }
        else if (v == "pasta" || v.rfind("pasta:", 0) == 0 || v.rfind("ns:", 0) == 0)
            fail(ErrorKind::Usage, "--network {}: not supported (use bridge, a network name, none, host or container:NAME)", v);
        else mode = "bridge";
        if (!n.mode.empty() && (n.mode != "bridge" || mode != "bridge"))
            fail(ErrorKind::Usage, "--network {}: only bridge networks can be combined", v);
        n.mode = mode;
        if (mode == "container") {
            std::string ref = v.substr(10);
            if (ref.empty()) fail(ErrorKind::Usage, "--network container: needs a container name or ID");
            n.container = store.resolve(ref);
        } else if (mode == "bridge") {
            std::string name = v == "bridge" || v == "private" || v == "default" ? kDefaultNetwork : v;
            if (!valid_network_name(name)) fail(ErrorKind::Usage, "--network {}: not a network name", v);
            name = NetworkStore(ctx).get(name).name;
            if (std::find(n.networks.begin(), n.networks.end(), name) != n.networks.end())
                fail(ErrorKind::Usage, "--network {}: given twice", name);
            n.networks.push_back(name);
        }
    }
    if (n.mode == "bridge" && ctx.rootless)
        fail(ErrorKind::Usage, "bridge networks need root: rootless containers support --network slirp4netns, none or host");

    for (auto& p : f.publish) {
        auto ms = parse_port_spec(p);
        n.ports.insert(n.ports.end(), ms.begin(), ms.end());
    }
    for (auto& e : f.expose) {
        for (auto& x : parse_expose(e))
            if (std::find(n.expose.begin(), n.expose.end(), x) == n.expose.end()) n.expose.push_back(x);
    }
    for (auto& e : image_exposed) {
        std::string x = e.find('/') == std::string::npos ? e + "/tcp" : e;
        if (std::find(n.expose.begin(), n.expose.end(), x) == n.expose.end()) n.expose.push_back(x);
    }
    n.publish_all = f.publish_all;
    if (n.publish_all) {
        for (auto& x : n.expose) {
            auto slash = x.find('/');
            uint16_t port = static_cast<uint16_t>(std::stoi(x.substr(0, slash)));
            std::string proto = x.substr(slash + 1);
            bool done = std::any_of(n.ports.begin(), n.ports.end(),
                                    [&](const PortMapping& m) { return m.container_port == port && m.protocol == proto; });
            if (!done) n.ports.push_back({"", 0, port, proto});
        }
    }
    if (!n.ports.empty() && n.mode != "bridge" && n.mode != "slirp4netns")
        fail(ErrorKind::Usage, "publishing ports needs a bridge{} network, not --network {}",
             ctx.rootless ? " or slirp4netns" : "", n.mode);
    std::set<std::string> seen;
    for (auto& p : n.ports) {
        if (p.host_port == 0) p.host_port = free_port(p.host_ip, p.protocol);
        std::string key = fmt::format("{}/{}/{}", p.host_ip, p.host_port, p.protocol);
        if (!seen.insert(key).second)
            fail(ErrorKind::Usage, "host port {}/{} is published twice", p.host_port, p.protocol);
    }
    for (auto& d : f.dns)
        if (!valid_ip_any(d)) fail(ErrorKind::Usage, "invalid --dns {}: not an IP address", d);
    n.dns = f.dns;
    n.dns_search = f.dns_search;
    n.dns_options = f.dns_options;
    for (auto& h : f.add_hosts) n.add_hosts.push_back(parse_add_host(h));
    if (!f.mac.empty()) {
        if (n.mode != "bridge") fail(ErrorKind::Usage, "--mac-address needs a bridge network");
        if (!valid_mac(f.mac)) fail(ErrorKind::Usage, "invalid --mac-address {}: expected six hex pairs like 92:d0:c6:0a:29:33", f.mac);
        n.mac = f.mac;
    }
    if (!f.ip.empty()) {
        if (n.mode != "bridge") fail(ErrorKind::Usage, "--ip needs a bridge network");
        auto a = parse_ipv4(f.ip);
        if (!a) fail(ErrorKind::Usage, "invalid --ip {}: not an IPv4 address", f.ip);
        NetworkDef d = NetworkStore(ctx).get(n.networks[0]);
        if (!parse_subnet(d.subnet).contains(*a))
            fail(ErrorKind::Usage, "--ip {} is not in subnet {} of network {}", f.ip, d.subnet, d.name);
        n.ip = f.ip;
    }
}

bool has_network_teardown(const ContainerConfig& c) {
    return c.network.mode == "bridge" || c.network.mode == "slirp4netns";
}

std::string spec_netns_path(const Context& ctx, const ContainerConfig& c) {
    const std::string& mode = c.network.mode;
    if (mode == "bridge" || mode == "slirp4netns") return netns_path(ctx, c.id);
    if (mode == "host") return "host";
    if (mode != "container") return "";
    Store store(ctx);
    if (!path_exists(store.record_path(c.network.container)))
        fail(ErrorKind::NotFound, "--network container:{}: the container no longer exists", c.network.container.substr(0, 12));
    Container t = store.load(c.network.container);
    if (t.config.network.mode == "host") return "host";
    if (t.config.network.mode == "bridge" || t.config.network.mode == "slirp4netns") {
        std::string p = netns_path(ctx, t.config.id);
        if (!is_netns_mount(p))
            fail(ErrorKind::Conflict, "container {} is not running: its network namespace cannot be joined", t.config.name);
        return p;
    }
    if (t.state.status != kRunning || t.state.pid <= 0)
        fail(ErrorKind::Conflict, "container {} is not running: its network namespace cannot be joined", t.config.name);
    return fmt::format("/proc/{}/ns/net", t.state.pid);
}

std::string initial_hosts_content(const ContainerConfig& c) {
    if (c.network.mode == "host") {
        std::string s = read_file_if_exists("/etc/hosts").value_or(kLocalhostLines);
        if (!s.empty() && s.back() != '\n') s += "\n";
        return s + add_host_lines(c, "");
    }
    return own_hosts_base(c, nullptr);
}

std::string resolv_content(const ContainerConfig& c) {
    const NetworkConfig& n = c.network;
    bool host = n.mode == "host";
    std::string out;
    auto text = read_file_if_exists("/etc/resolv.conf").value_or("");
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        bool ns = line.rfind("nameserver", 0) == 0;
        if (ns && n.mode == "slirp4netns") continue;
        // Loopback resolvers only work in the host's own namespace.
        if (ns && !host && (line.find(" 127.") != std::string::npos || line.find(" ::1") != std::string::npos)) continue;
        if (ns && !n.dns.empty()) continue;
        if ((line.rfind("search", 0) == 0 || line.rfind("domain", 0) == 0) && !n.dns_search.empty()) continue;
        if (line.rfind("options", 0) == 0 && !n.dns_options.empty()) continue;
        out += line + "\n";
    }
    if (!n.dns_search.empty() && !(n.dns_search.size() == 1 && n.dns_search[0] == ".")) {
        out += "search";
        for (auto& s : n.dns_search) out += " " + s;
        out += "\n";
    }
    // slirp4netns answers DNS itself, at its fixed address.
    if (n.mode == "slirp4netns" && n.dns.empty()) out += fmt::format("nameserver {}\n", kSlirpDns);
    for (auto& d : n.dns) out += "nameserver " + d + "\n";
    if (!n.dns_options.empty()) {
        out += "options";
        for (auto& o : n.dns_options) out += " " + o;
        out += "\n";
    }
    return out;
}

void setup_container_network(const Context& ctx, const Store& store, const ContainerConfig& c) {
    if (!has_network_teardown(c)) return;
    FileLock lock = net_lock(ctx);
    teardown_locked(ctx, c.id);  // whatever an earlier run left
    NetState st;
    st.id = c.id;
    st.name = c.name;
    st.hostname = c.hostname;
    st.netns = netns_path(ctx, c.id);
    st.hosts_path = store.userdata_dir(c.id) + "/hosts";
    if (c.network.mode == "slirp4netns") {
        try {
            create_netns(st.netns);
            std::vector<SlirpForward> fw;
            for (auto& p : c.network.ports) fw.push_back({p.protocol, p.host_ip, p.host_port, p.container_port});
            slirp_start(st.netns, slirp_dir(ctx, c.id), parse_slirp_options("slirp4netns", c.network.slirp_options), fw);
        } catch (...) {
            teardown_locked(ctx, c.id);
            throw;
        }
        return;
    }
    try {
        create_netns(st.netns);
        save_state(ctx, st);  // from here a teardown finds what to undo
        for (size_t i = 0; i < c.network.networks.size(); ++i) {
            attach(ctx, st, c.network.networks[i], fmt::format("eth{}", i), runtime_config_for(c, i));
        }
        st.hosts_base = own_hosts_base(c, st.attachments.empty() ? nullptr : &st.attachments[0]);
        save_state(ctx, st);
        auto all = all_states(ctx);
        write_in_place(st.hosts_path, st.hosts_base + peer_lines(st, all));
        refresh_hosts(ctx, st);
    } catch (...) {
        teardown_locked(ctx, c.id);
        throw;
    }
}

void teardown_container_network(const Context& ctx, const std::string& id) {
    try {
        if (!path_exists(state_path(ctx, id)) && !path_exists(netns_path(ctx, id)) && !path_exists(slirp_dir(ctx, id)))
            return;
        FileLock lock = net_lock(ctx);
        teardown_locked(ctx, id);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "conman: warning: tearing down the network of %s: %s\n", id.substr(0, 12).c_str(), e.what());
    }
}

std::string network_mode_string(const ContainerConfig& c) {
    const std::string& m = c.network.mode;
    if (m.empty()) return "none";
    if (m == "container") return "container:" + c.network.container;
    return m;
}

json port_bindings_json(const ContainerConfig& c) {
    json out = json::object();
    for (auto& p : c.network.ports) {
        out[fmt::format("{}/{}", p.container_port, p.protocol)].push_back(
            {{"HostIp", p.host_ip}, {"HostPort", std::to_string(p.host_port)}});
    }
    return out;
}

json network_settings_json(const Context& ctx, const ContainerConfig& c) {
    json ports = json::object();
    for (auto& e : c.network.expose) ports[e] = nullptr;
    json bindings = port_bindings_json(c);
    for (auto& [k, v] : bindings.items()) ports[k] = v;
    json s = {
        {"EndpointID", ""}, {"Gateway", ""}, {"IPAddress", ""}, {"IPPrefixLen", 0}, {"IPv6Gateway", ""},
        {"GlobalIPv6Address", ""}, {"GlobalIPv6PrefixLen", 0}, {"MacAddress", ""}, {"Bridge", ""},
        {"SandboxID", ""}, {"HairpinMode", false}, {"LinkLocalIPv6Address", ""}, {"LinkLocalIPv6PrefixLen", 0},
        {"Ports", ports}, {"SandboxKey", ""},
    };
    if (c.network.mode == "slirp4netns") {
        s["IPAddress"] = kSlirpGuestIp;
        s["IPPrefixLen"] = 24;
        s["Gateway"] = "10.0.2.2";
        s["SandboxKey"] = netns_path(ctx, c.id);
    }
    if (c.network.mode != "bridge") return s;
    auto st = load_state(ctx, c.id);
    if (st) s["SandboxKey"] = st->netns;
    json nets = json::object();
    for (auto& name : c.network.networks) {
        json e = {{"EndpointID", ""}, {"Gateway", ""}, {"IPAddress", ""}, {"IPPrefixLen", 0}, {"IPv6Gateway", ""},
                  {"GlobalIPv6Address", ""}, {"GlobalIPv6PrefixLen", 0}, {"MacAddress", ""}, {"NetworkID", name},
                  {"DriverOpts", nullptr}, {"IPAMConfig", nullptr}, {"Links", nullptr},
                  {"Aliases", json::array({c.id.substr(0, 12)})}};
        if (st) {
            for (auto& a : st->attachments) {
                if (a.network != name) continue;
                e["Gateway"] = a.gateway;
                e["IPAddress"] = a.ip;
                e["IPPrefixLen"] = a.prefix;
                e["MacAddress"] = a.mac;
            }
        }
        nets[name] = e;
    }
    s["Networks"] = nets;
    if (st && !st->attachments.empty()) {
        const Attachment& a = st->attachments[0];
        s["Gateway"] = a.gateway;
        s["IPAddress"] = a.ip;
        s["IPPrefixLen"] = a.prefix;
        s["MacAddress"] = a.mac;
    }
    return s;
}

}  // namespace conman
