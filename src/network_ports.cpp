// Parsers and printers for published ports (-p, --expose, conman port, ps)
// and --add-host.
#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>

#include "conman/error.hpp"
#include "conman/network.hpp"

namespace conman {

namespace {

struct Range {
    uint16_t first = 0, last = 0;
    size_t size() const { return static_cast<size_t>(last - first) + 1; }
};

std::optional<uint16_t> parse_port_number(std::string_view s, bool allow_zero) {
    if (s.empty() || s.size() > 5) return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > 65535 || (v == 0 && !allow_zero)) return std::nullopt;
    return static_cast<uint16_t>(v);
}

std::optional<Range> parse_range(std::string_view s, bool allow_zero) {
    auto dash = s.find('-');
    if (dash == std::string_view::npos) {
        auto p = parse_port_number(s, allow_zero);
        if (!p) return std::nullopt;
        return Range{*p, *p};
    }
    auto a = parse_port_number(s.substr(0, dash), false), b = parse_port_number(s.substr(dash + 1), false);
    if (!a || !b || *b < *a) return std::nullopt;
    return Range{*a, *b};
}

bool valid_ip(std::string_view s) {
    std::string t(s);
    unsigned char buf[16];
    return ::inet_pton(AF_INET, t.c_str(), buf) == 1 || ::inet_pton(AF_INET6, t.c_str(), buf) == 1;
}

std::string split_protocol(std::string_view& spec, std::string_view whole) {
    auto slash = spec.rfind('/');
    if (slash == std::string_view::npos) return "tcp";
    std::string proto(spec.substr(slash + 1));
    spec = spec.substr(0, slash);
    if (proto != "tcp" && proto != "udp" && proto != "sctp")
        fail(ErrorKind::Usage, "invalid port {}: protocol \"{}\" is not tcp, udp or sctp", whole, proto);
    return proto;
}

}  // namespace

std::vector<PortMapping> parse_port_spec(std::string_view whole) {
    std::string_view spec = whole;
    auto bad = [&](const char* why) -> std::vector<PortMapping> {
        fail(ErrorKind::Usage, "invalid port {}: {}", whole, why);
    };
    if (spec.empty()) return bad("empty");
    std::string proto = split_protocol(spec, whole);
    std::string host_ip;
    // [ipv6]:... or ip:hostport:ctrport / ip::ctrport
    if (!spec.empty() && spec[0] == '[') {
        auto close = spec.find(']');
        if (close == std::string_view::npos || close + 1 >= spec.size() || spec[close + 1] != ':')
            return bad("an IPv6 address must be written [ADDR]:HOSTPORT:PORT");
        host_ip = std::string(spec.substr(1, close - 1));
        if (!valid_ip(host_ip)) return bad("the host address is not an IP address");
        spec = spec.substr(close + 2);
        if (spec.find(':') == std::string_view::npos) return bad("expected HOSTPORT:PORT after the address");
    }
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        auto c = spec.find(':', start);
        parts.push_back(spec.substr(start, c == std::string_view::npos ? std::string_view::npos : c - start));
        if (c == std::string_view::npos) break;
        start = c + 1;
    }
    std::string_view host_part, ctr_part;
    if (parts.size() == 1) {
        ctr_part = parts[0];
    } else if (parts.size() == 2) {
        host_part = parts[0];
        ctr_part = parts[1];
    } else if (parts.size() == 3 && host_ip.empty()) {
        host_ip = std::string(parts[0]);
        if (!host_ip.empty() && !valid_ip(host_ip)) return bad("the host address is not an IP address");
        host_part = parts[1];
        ctr_part = parts[2];
    } else {
        return bad("expected [IP:][HOSTPORT:]PORT[/PROTOCOL]");
    }
    auto ctr = parse_range(ctr_part, false);
    if (!ctr) return bad("the container port must be a number 1-65535 or a range");
    Range host{0, 0};
    bool host_given = !host_part.empty();
    if (host_given) {
        auto h = parse_range(host_part, true);
        if (!h) return bad("the host port must be a number 0-65535 or a range");
        host = *h;
        if (host.first == 0 && host.last == 0) host_given = false;
    }
    if (host_given && host.size() != ctr->size()) return bad("the host and container port ranges differ in length");
    std::vector<PortMapping> out;
    for (size_t i = 0; i < ctr->size(); ++i) {
        PortMapping m;
        m.host_ip = host_ip;
        m.container_port = static_cast<uint16_t>(ctr->first + i);
        m.host_port = host_given ? static_cast<uint16_t>(host.first + i) : 0;
        m.protocol = proto;
        out.push_back(m);
    }
    return out;
}

std::vector<std::string> parse_expose(std::string_view whole) {
    std::string_view spec = whole;
    std::string proto = split_protocol(spec, whole);
    auto r = parse_range(spec, false);
    if (!r) fail(ErrorKind::Usage, "invalid port {}: expected PORT[/PROTOCOL] or a range START-END", whole);
    std::vector<std::string> out;
    for (size_t i = 0; i < r->size(); ++i) out.push_back(fmt::format("{}/{}", r->first + i, proto));
    return out;
}

std::string parse_add_host(std::string_view spec) {
    // NAME:IP, where IP may be IPv6 (colons): the name ends at the first colon.
    auto colon = spec.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 >= spec.size())
        fail(ErrorKind::Usage, "invalid --add-host {}: expected HOST:IP", spec);
    std::string_view ip = spec.substr(colon + 1);
    if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    if (ip != "host-gateway" && !valid_ip(ip)) fail(ErrorKind::Usage, "invalid --add-host {}: {} is not an IP address", spec, ip);
    return fmt::format("{}:{}", spec.substr(0, colon), ip);
}

std::string format_port_line(const PortMapping& p) {
    std::string ip = p.host_ip.empty() ? "0.0.0.0" : p.host_ip;
    if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
    return fmt::format("{}/{} -> {}:{}", p.container_port, p.protocol, ip, p.host_port);
}

std::string ports_summary(const std::vector<PortMapping>& ports) {
    std::string out;
    for (auto& p : ports) {
        if (!out.empty()) out += ", ";
        std::string ip = p.host_ip.empty() ? "0.0.0.0" : p.host_ip;
        if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
        out += fmt::format("{}:{}->{}/{}", ip, p.host_port, p.container_port, p.protocol);
    }
    return out;
}

}  // namespace conman
