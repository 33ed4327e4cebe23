// Networking parsers and generators: -p/--expose/--add-host, subnets, the
// conflist conman writes, and what each CNI plugin gets on stdin.
#include <catch2/catch.hpp>

#include "conman/container.hpp"
#include "conman/error.hpp"
#include "conman/network.hpp"
#include "src/network_internal.hpp"

using namespace conman;
using nlohmann::json;

TEST_CASE("port spec: container port only") {
    auto m = parse_port_spec("80");
    REQUIRE(m.size() == 1);
    CHECK(m[0].container_port == 80);
    CHECK(m[0].host_port == 0);
    CHECK(m[0].host_ip.empty());
    CHECK(m[0].protocol == "tcp");
}

TEST_CASE("port spec: host and container ports, protocol") {
    auto m = parse_port_spec("8080:80/udp");
    REQUIRE(m.size() == 1);
    CHECK(m[0].host_port == 8080);
    CHECK(m[0].container_port == 80);
    CHECK(m[0].protocol == "udp");
}

TEST_CASE("port spec: address forms") {
    auto a = parse_port_spec("127.0.0.1:8080:80");
    REQUIRE(a.size() == 1);
    CHECK(a[0].host_ip == "127.0.0.1");
    CHECK(a[0].host_port == 8080);
    auto b = parse_port_spec("127.0.0.1::80");
    CHECK(b[0].host_ip == "127.0.0.1");
    CHECK(b[0].host_port == 0);
    auto c = parse_port_spec("[::1]:8080:80/sctp");
    CHECK(c[0].host_ip == "::1");
    CHECK(c[0].host_port == 8080);
    CHECK(c[0].protocol == "sctp");
    auto d = parse_port_spec("0:80");
    CHECK(d[0].host_port == 0);
}

TEST_CASE("port spec: ranges") {
    auto m = parse_port_spec("9000-9002:80-82/tcp");
    REQUIRE(m.size() == 3);
    CHECK(m[0].host_port == 9000);
    CHECK(m[0].container_port == 80);
    CHECK(m[2].host_port == 9002);
    CHECK(m[2].container_port == 82);
    auto r = parse_port_spec("5000-5001");
    REQUIRE(r.size() == 2);
    CHECK(r[1].container_port == 5001);
    CHECK(r[1].host_port == 0);
}

TEST_CASE("port spec: bad input is a usage error") {
    for (const char* bad : {"", "0", "65536", "abc", "80/xtp", "1:2:3:4", "300.1.1.1:80:80", "9000-9001:80",
                            "90-80", "[::1]80", "8080:", ":80x", "-5"}) {
        INFO(bad);
        try {
            parse_port_spec(bad);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::Usage);
            CHECK(std::string(e.what()).find("invalid port") != std::string::npos);
        }
    }
}

TEST_CASE("expose and add-host") {
    CHECK(parse_expose("80") == std::vector<std::string>{"80/tcp"});
    CHECK(parse_expose("53/udp") == std::vector<std::string>{"53/udp"});
    CHECK(parse_expose("8000-8002").size() == 3);
    CHECK_THROWS_AS(parse_expose("x"), Error);
    CHECK(parse_add_host("db:10.0.0.5") == "db:10.0.0.5");
    CHECK(parse_add_host("v6:[::1]") == "v6:::1");
    CHECK(parse_add_host("gw:host-gateway") == "gw:host-gateway");
    CHECK_THROWS_AS(parse_add_host("nohost"), Error);
    CHECK_THROWS_AS(parse_add_host("db:notanip"), Error);
}

TEST_CASE("port lines for conman port and ps") {
    PortMapping p{"", 8080, 80, "tcp"};
    CHECK(format_port_line(p) == "80/tcp -> 0.0.0.0:8080");
    PortMapping q{"127.0.0.1", 5353, 53, "udp"};
    CHECK(ports_summary({p, q}) == "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp");
}

TEST_CASE("subnets") {
    auto n = parse_subnet("10.86.0.0/16");
    CHECK(n.str() == "10.86.0.0/16");
    CHECK(n.contains(*parse_ipv4("10.86.200.3")));
    CHECK(!n.contains(*parse_ipv4("10.87.0.1")));
    CHECK(n.overlaps(parse_subnet("10.86.5.0/24")));
    CHECK(!n.overlaps(parse_subnet("10.88.0.0/16")));
    CHECK_THROWS_AS(parse_subnet("10.86.0.1/16"), Error);  // host bits
    CHECK_THROWS_AS(parse_subnet("10.86.0.0"), Error);
    CHECK_THROWS_AS(parse_subnet("10.86.0.0/31"), Error);
    CHECK_THROWS_AS(parse_subnet("fd00::/64"), Error);
    CHECK(ipv4_str(*parse_ipv4("192.168.1.254")) == "192.168.1.254");
}

TEST_CASE("network names") {
    CHECK(valid_network_name("conman"));
    CHECK(valid_network_name("my_net-1.a"));
    CHECK(!valid_network_name(""));
    CHECK(!valid_network_name("-x"));
    CHECK(!valid_network_name("a/b"));
}

TEST_CASE("conflist: a bridge with host-local, portmap and firewall; read back") {
    NetworkDef d;
    d.name = "testnet";
    d.id = std::string(64, 'a');
    d.bridge = "cmt0";
    d.subnet = "10.99.1.0/24";
    d.gateway = "10.99.1.1";
    d.labels = {{"k", "v"}};
    json j = network_conflist(d);
    CHECK(j["cniVersion"] == "1.0.0");
    CHECK(j["name"] == "testnet");
    REQUIRE(j["plugins"].size() == 3);
    const json& br = j["plugins"][0];
    CHECK(br["type"] == "bridge");
    CHECK(br["bridge"] == "cmt0");
    CHECK(br["isGateway"] == true);
    CHECK(br["ipMasq"] == true);
    CHECK(br["ipam"]["type"] == "host-local");
    CHECK(br["ipam"]["ranges"][0][0]["subnet"] == "10.99.1.0/24");
    CHECK(br["ipam"]["ranges"][0][0]["gateway"] == "10.99.1.1");
    CHECK(br["ipam"]["routes"][0]["dst"] == "0.0.0.0/0");
    CHECK(br["ipam"]["dataDir"] == std::string(kIpamDir) + "/cmt0");
    CHECK(j["plugins"][1]["type"] == "portmap");
    CHECK(j["plugins"][1]["capabilities"]["portMappings"] == true);
    CHECK(j["plugins"][2]["type"] == "firewall");
    NetworkDef back = network_from_conflist(j);
    CHECK(back.name == d.name);
    CHECK(back.id == d.id);
    CHECK(back.bridge == "cmt0");
    CHECK(back.subnet == d.subnet);
    CHECK(back.gateway == d.gateway);
    CHECK(!back.internal);
    CHECK(back.labels == d.labels);
}

TEST_CASE("conflist: internal networks have no gateway role, masquerade or routes") {
    NetworkDef d;
    d.name = "inner";
    d.bridge = "cmt1";
    d.subnet = "10.99.2.0/24";
    d.gateway = "10.99.2.1";
    d.internal = true;
    json j = network_conflist(d);
    CHECK(j["plugins"][0]["isGateway"] == false);
    CHECK(j["plugins"][0]["ipMasq"] == false);
    CHECK(j["plugins"][0]["ipam"]["routes"].empty());
    CHECK(network_from_conflist(j).internal);
    auto insp = network_inspect_json(network_from_conflist(j));
    CHECK(insp["internal"] == true);
    CHECK(insp["network_interface"] == "cmt1");
    CHECK(insp["subnets"][0]["subnet"] == "10.99.2.0/24");
}

TEST_CASE("plugin stdin: name, version, prevResult and only the capabilities a plugin declares") {
    NetworkDef d;
    d.name = "n";
    d.bridge = "cmt2";
    d.subnet = "10.99.3.0/24";
    d.gateway = "10.99.3.1";
    CniCall call;
    call.container_id = "abc";
    call.runtime_config = {{"portMappings", json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}})},
                           {"mac", "92:d0:c6:0a:29:33"}};
    json eff = effective_conflist(network_conflist(d), call);
    REQUIRE(eff["plugins"].size() == 3);
    CHECK(!eff.contains("conman"));
    json prev = {{"cniVersion", "1.0.0"}, {"ips", json::array()}};
    json br = plugin_stdin(eff, 0, call, json());
    CHECK(br["name"] == "n");
    CHECK(br["cniVersion"] == "1.0.0");
    CHECK(!br.contains("prevResult"));
    CHECK(br["runtimeConfig"]["mac"] == "92:d0:c6:0a:29:33");
    CHECK(!br["runtimeConfig"].contains("portMappings"));
    json pm = plugin_stdin(eff, 1, call, prev);
    CHECK(pm["prevResult"] == prev);
    CHECK(pm["runtimeConfig"]["portMappings"][0]["hostPort"] == 8080);
    CHECK(!pm["runtimeConfig"].contains("mac"));
    json fw = plugin_stdin(eff, 2, call, prev);
    CHECK(!fw.contains("runtimeConfig"));

    // Without published ports portmap is left out of the chain (ADD and DEL alike).
    CniCall plain;
    json eff2 = effective_conflist(network_conflist(d), plain);
    REQUIRE(eff2["plugins"].size() == 2);
    CHECK(eff2["plugins"][0]["type"] == "bridge");
    CHECK(eff2["plugins"][1]["type"] == "firewall");
}

TEST_CASE("records without network settings load with an empty mode") {
    json old = {{"id", "x"}, {"name", "n"}};
    auto c = old.get<ContainerConfig>();
    CHECK(c.network.mode.empty());
    CHECK(c.network.ports.empty());
    ContainerConfig k;
    k.network.mode = "bridge";
    k.network.networks = {"conman"};
    k.network.ports = {{"", 8080, 80, "tcp"}};
    auto back = json(k).get<ContainerConfig>();
    CHECK(back.network.networks == k.network.networks);
    CHECK(back.network.ports[0].host_port == 8080);
}

TEST_CASE("resolv.conf: --dns, --dns-search and --dns-option replace the host's") {
    ContainerConfig c;
    c.network.mode = "bridge";
    c.network.dns = {"10.1.1.1"};
    c.network.dns_search = {"example.test"};
    c.network.dns_options = {"ndots:2"};
    std::string r = resolv_content(c);
    CHECK(r.find("nameserver 10.1.1.1\n") != std::string::npos);
    CHECK(r.find("search example.test\n") != std::string::npos);
    CHECK(r.find("options ndots:2\n") != std::string::npos);
    size_t count = 0;
    for (size_t p = r.find("nameserver"); p != std::string::npos; p = r.find("nameserver", p + 1)) ++count;
    CHECK(count == 1);
}

TEST_CASE("hosts: --add-host entries and the container's own names") {
    ContainerConfig c;
    c.name = "web";
    c.hostname = "h1";
    c.network.mode = "bridge";
    c.network.add_hosts = {"db:10.1.2.3"};
    std::string h = initial_hosts_content(c);
    CHECK(h.find("127.0.0.1\tlocalhost") != std::string::npos);
    CHECK(h.find("10.1.2.3\tdb\n") != std::string::npos);
    CHECK(h.find("h1 web") != std::string::npos);
}
