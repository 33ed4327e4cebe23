// Network definitions: IPv4 subnets, the CNI conflist conman writes for a
// network (and reads back), and podman's network inspect object.
#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>

#include "conman/error.hpp"
#include "conman/network.hpp"
#include "conman/timeutil.hpp"

namespace conman {

using nlohmann::json;

namespace {
uint32_t mask_of(int prefix) { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
}  // namespace

bool Ipv4Net::contains(uint32_t a) const { return (a & mask_of(prefix)) == addr; }

bool Ipv4Net::overlaps(const Ipv4Net& o) const {
    int p = std::min(prefix, o.prefix);
    return (addr & mask_of(p)) == (o.addr & mask_of(p));
}

std::string Ipv4Net::str() const { return fmt::format("{}/{}", ipv4_str(addr), prefix); }

std::optional<uint32_t> parse_ipv4(std::string_view s) {
    std::string t(s);
    in_addr a;
    if (::inet_pton(AF_INET, t.c_str(), &a) != 1) return std::nullopt;
    return ntohl(a.s_addr);
}

std::string ipv4_str(uint32_t a) {
    return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

Ipv4Net parse_subnet(std::string_view s) {
    auto slash = s.find('/');
    if (slash == std::string_view::npos) fail(ErrorKind::Usage, "invalid subnet {}: expected ADDRESS/PREFIX", s);
    auto a = parse_ipv4(s.substr(0, slash));
    int prefix = -1;
    std::string_view ps = s.substr(slash + 1);
    auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), prefix);
    if (!a || ec != std::errc() || p != ps.data() + ps.size() || prefix < 8 || prefix > 30)
        fail(ErrorKind::Usage, "invalid subnet {}: expected an IPv4 ADDRESS/PREFIX with a prefix of 8 to 30", s);
    if ((*a & mask_of(prefix)) != *a)
        fail(ErrorKind::Usage, "invalid subnet {}: host bits are set (did you mean {}/{}?)", s,
             ipv4_str(*a & mask_of(prefix)), prefix);
    return {*a, prefix};
}

bool valid_network_name(std::string_view name) {
    if (name.empty() || name.size() > 128) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    if (!alnum(name[0])) return false;
    for (char c : name)
        if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
    return true;
}

json network_conflist(const NetworkDef& d) {
    json range = {{"subnet", d.subnet}};
    if (!d.gateway.empty()) range["gateway"] = d.gateway;
    json ipam = {
        {"type", "host-local"},
        {"ranges", json::array({json::array({range})})},
        {"routes", d.internal ? json::array() : json::array({{{"dst", "0.0.0.0/0"}}})},
        // Leases are per bridge: bridges are host-wide, so are their addresses.
        {"dataDir", std::string(kIpamDir) + "/" + d.bridge},
    };
    json bridge = {
        {"type", "bridge"},
        {"bridge", d.bridge},
        {"isGateway", !d.internal},
        {"ipMasq", !d.internal},
        {"hairpinMode", true},
        {"capabilities", {{"ips", true}, {"mac", true}}},
        {"ipam", ipam},
    };
    json plugins = json::array({bridge, {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}});
    plugins.push_back({{"type", "firewall"}, {"backend", "iptables"}});
    return {
        {"cniVersion", "1.0.0"},
        {"name", d.name},
        {"plugins", plugins},
        {"conman",
         {{"id", d.id}, {"driver", d.driver}, {"internal", d.internal}, {"created", d.created}, {"labels", d.labels}}},
    };
}

NetworkDef network_from_conflist(const json& j) {
    NetworkDef d;
    d.name = j.value("name", "");
    if (d.name.empty() || !j.contains("plugins") || !j["plugins"].is_array())
        fail(ErrorKind::System, "network {}: not a CNI conflist (no name or plugins)", d.name);
    if (j.contains("conman") && j["conman"].is_object()) {
        const json& m = j["conman"];
        d.id = m.value("id", "");
        d.driver = m.value("driver", "bridge");
        d.internal = m.value("internal", false);
        d.created = m.value("created", int64_t{0});
        if (m.contains("labels") && m["labels"].is_object()) d.labels = m["labels"].get<std::map<std::string, std::string>>();
    }
    for (const json& p : j["plugins"]) {
        if (p.value("type", "") != "bridge") continue;
        d.bridge = p.value("bridge", "");
        if (!j.contains("conman")) d.internal = !p.value("isGateway", false);
        const json* ipam = p.contains("ipam") ? &p["ipam"] : nullptr;
        if (ipam && ipam->contains("ranges") && (*ipam)["ranges"].is_array() && !(*ipam)["ranges"].empty() &&
            (*ipam)["ranges"][0].is_array() && !(*ipam)["ranges"][0].empty()) {
            const json& r = (*ipam)["ranges"][0][0];
            d.subnet = r.value("subnet", "");
            d.gateway = r.value("gateway", "");
        }
    }
    if (d.gateway.empty() && !d.subnet.empty()) {
        try {
            d.gateway = ipv4_str(parse_subnet(d.subnet).addr + 1);
        } catch (const Error&) {
        }
    }
    return d;
}

json network_inspect_json(const NetworkDef& d) {
    json subnet = {{"subnet", d.subnet}};
    if (!d.gateway.empty()) subnet["gateway"] = d.gateway;
    return {
        {"name", d.name},
        {"id", d.id},
        {"driver", d.driver},
        {"network_interface", d.bridge},
        {"created", format_rfc3339nano(d.created)},
        {"subnets", json::array({subnet})},
        {"ipv6_enabled", false},
        {"internal", d.internal},
        {"dns_enabled", false},
        {"labels", d.labels},
        {"ipam_options", {{"driver", "host-local"}}},
    };
}

}  // namespace conman
