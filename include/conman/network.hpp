// Container networking: the types a container record keeps about its
// network (mode, networks, published ports, DNS and hosts settings), the
// parsers for the -p/--expose/--network/--add-host flags, network
// definitions (CNI conflists under <root>/networks) and the per-container
// setup and teardown through CNI plugins. See docs/networking.md.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace conman {

struct Context;
struct ContainerConfig;
class Store;

// One published port: host [ip:]port -> container port/protocol.
struct PortMapping {
    std::string host_ip;         // "" = every address
    uint16_t host_port = 0;      // 0 = a free port picked at create
    uint16_t container_port = 0;
    std::string protocol = "tcp";  // tcp, udp or sctp
};

// What a container asked for, fixed at create (network connect/disconnect
// change networks).
struct NetworkConfig {
    // "bridge", "none", "host", "container" or "slirp4netns"; "" in records
    // older than networking: a private namespace with only loopback.
    std::string mode;
    std::vector<std::string> networks;  // bridge: attached networks, in order (eth0, eth1, ...)
    std::string container;              // container mode: the ID whose namespace is joined
    std::vector<PortMapping> ports;     // published (after -P), host ports resolved
    std::vector<std::string> expose;    // "80/tcp": --expose and the image's ExposedPorts
    bool publish_all = false;
    std::vector<std::string> dns, dns_search, dns_options;
    std::vector<std::string> add_hosts;  // "name:ip"
    std::string mac, ip;                 // --mac-address, --ip (first network)
    std::string slirp_options;           // slirp4netns: what followed "slirp4netns:" (slirp.hpp)
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortMapping, host_ip, host_port, container_port, protocol)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NetworkConfig, mode, networks, container, ports, expose, publish_all,
                                                dns, dns_search, dns_options, add_hosts, mac, ip, slirp_options)

// The network flags of create/run as typed.
struct NetworkFlags {
    std::vector<std::string> network;  // --network/--net (may repeat, or a,b)
    std::vector<std::string> publish;  // -p
    bool publish_all = false;          // -P
    std::vector<std::string> expose;   // --expose
    std::vector<std::string> dns, dns_search, dns_options, add_hosts;
    std::string mac, ip;
};

// ---- parsers (network_ports.cpp) ----

// -p [ip:][hostport:]ctrport[/proto]; either port may be a range a-b (both
// ranges the same length; a host range with a single container port is
// refused). IPv6 host addresses go in brackets: [::1]:8080:80.
std::vector<PortMapping> parse_port_spec(std::string_view spec);
// --expose PORT[/proto] or a range: "80/tcp" entries.
std::vector<std::string> parse_expose(std::string_view spec);
// --add-host NAME:IP -> "NAME:IP" checked (IP may be IPv6).
std::string parse_add_host(std::string_view spec);
// "80/tcp -> 0.0.0.0:8080" (podman port's line).
std::string format_port_line(const PortMapping& p);
// "0.0.0.0:8080->80/tcp, ..." for ps.
std::string ports_summary(const std::vector<PortMapping>& ports);

// ---- addresses (network_config.cpp) ----

struct Ipv4Net {
    uint32_t addr = 0;  // host order, masked to the prefix
    int prefix = 0;
    bool contains(uint32_t a) const;
    bool overlaps(const Ipv4Net& o) const;
    std::string str() const;  // "10.1.2.0/24"
};
// "10.1.2.0/24" (host bits must be zero); throws Usage.
Ipv4Net parse_subnet(std::string_view s);
std::optional<uint32_t> parse_ipv4(std::string_view s);
std::string ipv4_str(uint32_t a);

// ---- network definitions (network_config.cpp, network_store.cpp) ----

inline constexpr const char* kDefaultNetwork = "conman";
inline constexpr const char* kDefaultBridge = "conman0";
inline constexpr const char* kDefaultSubnet = "10.86.0.0/16";
// host-local leases: host-wide, like the bridges they number.
inline constexpr const char* kIpamDir = "/run/conman-cni/ipam";

struct NetworkDef {
    std::string name, id;  // id: 64 hex
    std::string driver = "bridge";
    std::string bridge;  // host interface
    std::string subnet, gateway;
    bool internal = false;
    int64_t created = 0;  // ns since the epoch
    std::map<std::string, std::string> labels;
};

// The conflist conman writes for a network: bridge (host-local IPAM),
// portmap, firewall, tuning; conman's own metadata under "conman".
nlohmann::json network_conflist(const NetworkDef& d);
// Reads a conflist back (metadata plus subnet, gateway and bridge); throws.
NetworkDef network_from_conflist(const nlohmann::json& j);
// podman network inspect's object.
nlohmann::json network_inspect_json(const NetworkDef& d);
bool valid_network_name(std::string_view name);

struct NetworkCreateOptions {
    std::string name;  // "" = the next free conmanN
    std::string driver = "bridge";
    std::string subnet, gateway, interface_name;
    bool internal = false;
    std::vector<std::string> labels;  // KEY=VALUE
};

class NetworkStore {
public:
    explicit NetworkStore(const Context& ctx);
    std::string dir() const;
    std::string conflist_path(const std::string& name) const;
    // Every network, the default one included (written on first use).
    std::vector<NetworkDef> list() const;
    std::optional<NetworkDef> find(const std::string& name_or_id) const;
    NetworkDef get(const std::string& name_or_id) const;  // throws NotFound
    nlohmann::json conflist(const std::string& name) const;
    NetworkDef create(const NetworkCreateOptions& o) const;
    void remove(const std::string& name) const;

private:
    const Context& ctx_;
};

// ---- container side (network_container.cpp) ----

// Turns the flags into c.network (validates, resolves container:, picks -P
// ports). Needs the store for container: and the image's exposed ports.
void apply_network_flags(const Context& ctx, const Store& store, ContainerConfig& c, const NetworkFlags& f,
                         const std::vector<std::string>& image_exposed);
// The network namespace the spec names: "" = a new private one made by
// the runtime; "host" = none (the host's).
std::string spec_netns_path(const Context& ctx, const ContainerConfig& c);
// /etc/hosts and /etc/resolv.conf before the addresses are known.
std::string initial_hosts_content(const ContainerConfig& c);
std::string resolv_content(const ContainerConfig& c);
// Whether the container has networking that must be torn down after exit.
bool has_network_teardown(const ContainerConfig& c);
// Creates the namespace and runs CNI ADD for each network (tearing down any
// earlier setup first). On failure nothing is left behind.
void setup_container_network(const Context& ctx, const Store& store, const ContainerConfig& c);
// CNI DEL for every attachment in reverse, then the namespace. Idempotent;
// never throws (problems are printed as warnings).
void teardown_container_network(const Context& ctx, const std::string& id);
// NetworkSettings for inspect; HostConfig's NetworkMode and PortBindings.
nlohmann::json network_settings_json(const Context& ctx, const ContainerConfig& c);
std::string network_mode_string(const ContainerConfig& c);
nlohmann::json port_bindings_json(const ContainerConfig& c);
// IDs of containers (records) attached to a network.
std::vector<std::string> containers_on_network(const Store& store, const std::string& network);
// network connect / disconnect.
void connect_container(const Context& ctx, const std::string& network, const std::string& ref, const std::string& ip);
void disconnect_container(const Context& ctx, const std::string& network, const std::string& ref);
// network rm: refused while containers use it, unless force (which removes them).
void remove_network(const Context& ctx, const std::string& ref, bool force);
// network prune: removes every network no container uses (never the default); returns their names.
std::vector<std::string> prune_networks(const Context& ctx);

}  // namespace conman
