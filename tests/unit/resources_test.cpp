// Resource flags: units, validation, OCI resources, runc update arguments;
// cgroup stat parsing from sample files; Go durations.
#include <catch2/catch.hpp>

#include "conman/cgroup_stats.hpp"
#include "conman/error.hpp"
#include "conman/resources.hpp"

using namespace conman;

namespace {
CgroupSupport host() {
    CgroupSupport s;
    s.cpus = 4;
    s.mems = 1;
    return s;
}
ResourcesConfig apply(const ResourceFlags& f, CgroupSupport sup = host(), bool rootless = false) {
    ResourcesConfig r;
    apply_resource_flags(r, f, sup, rootless);
    return r;
}
}  // namespace

TEST_CASE("RAM sizes use podman's binary units") {
    CHECK(parse_ram_bytes("100") == 100);
    CHECK(parse_ram_bytes("1k") == 1024);
    CHECK(parse_ram_bytes("20m") == 20 * 1024 * 1024);
    CHECK(parse_ram_bytes("20M") == 20 * 1024 * 1024);
    CHECK(parse_ram_bytes("1g") == 1024LL * 1024 * 1024);
    CHECK(parse_ram_bytes("1GiB") == 1024LL * 1024 * 1024);
    CHECK(parse_ram_bytes("1gb") == 1024LL * 1024 * 1024);
    CHECK(parse_ram_bytes("1.5m") == 1572864);
    CHECK(parse_ram_bytes("10 MB") == 10 * 1024 * 1024);
    CHECK(parse_ram_bytes("1b") == 1);
    CHECK_FALSE(parse_ram_bytes(""));
    CHECK_FALSE(parse_ram_bytes("-1"));
    CHECK_FALSE(parse_ram_bytes("m"));
    CHECK_FALSE(parse_ram_bytes("12x"));
    CHECK_FALSE(parse_ram_bytes("1mm"));
    CHECK_FALSE(parse_ram_bytes("1.2.3m"));
    CHECK_FALSE(parse_ram_bytes("99999999999p"));
}

TEST_CASE("--cpus becomes nano CPUs and a quota per 100ms period") {
    CHECK(parse_nano_cpus("1.5") == 1500000000);
    CHECK(parse_nano_cpus("0.01") == 10000000);
    CHECK_FALSE(parse_nano_cpus("-1"));
    CHECK_FALSE(parse_nano_cpus("one"));
    ResourceFlags f;
    f.cpus = "0.5";
    auto r = apply(f);
    CHECK(r.nano_cpus == 500000000);
    nlohmann::json res = nlohmann::json::object();
    add_oci_resources(res, r, host());
    CHECK(res["cpu"]["period"] == 100000);
    CHECK(res["cpu"]["quota"] == 50000);
    f.cpus = "5";  // more than the 4 CPUs
    CHECK_THROWS_AS(apply(f), Error);
    f.cpus = "0.001";
    CHECK_THROWS_AS(apply(f), Error);
    f.cpus = "1";
    f.cpu_quota = "20000";
    CHECK_THROWS_WITH(apply(f), Catch::Contains("not both"));
}

TEST_CASE("memory limits: minimum, swap default and ordering") {
    ResourceFlags f;
    f.memory = "20m";
    auto r = apply(f);
    CHECK(r.memory == 20 * 1024 * 1024);
    nlohmann::json res = nlohmann::json::object();
    add_oci_resources(res, r, host());
    CHECK(res["memory"]["limit"] == 20 * 1024 * 1024);
    CHECK(res["memory"]["swap"] == 40 * 1024 * 1024);  // podman: as much swap as memory
    CgroupSupport noswap = host();
    noswap.swap = false;
    res = nlohmann::json::object();
    add_oci_resources(res, r, noswap);
    CHECK_FALSE(res["memory"].contains("swap"));

    f.memory = "4m";
    CHECK_THROWS_WITH(apply(f), Catch::Contains("6MiB"));
    f.memory = "lots";
    CHECK_THROWS_WITH(apply(f), Catch::Contains("invalid --memory \"lots\""));
    f.memory = "";
    f.memory_swap = "100m";
    CHECK_THROWS_WITH(apply(f), Catch::Contains("needs --memory"));
    f.memory = "200m";
    CHECK_THROWS_WITH(apply(f), Catch::Contains("at least --memory"));
    f.memory_swap = "-1";
    CHECK(apply(f).memory_swap == -1);
    CHECK_THROWS_AS(apply(f, noswap), Error);
    f.memory_swap = "";
    f.memory_reservation = "300m";
    CHECK_THROWS_WITH(apply(f), Catch::Contains("soft limit"));
    f.memory_reservation = "100m";
    CHECK(apply(f).memory_reservation == 100 * 1024 * 1024);
}

TEST_CASE("cpu shares, period, quota, cpusets and blkio weight are range checked") {
    ResourceFlags f;
    f.cpu_shares = "1";
    CHECK_THROWS_AS(apply(f), Error);
    f.cpu_shares = "512";
    CHECK(apply(f).cpu_shares == 512);
    f.cpu_period = "100";
    CHECK_THROWS_AS(apply(f), Error);
    f.cpu_period = "50000";
    f.cpu_quota = "25000";
    auto r = apply(f);
    CHECK(r.cpu_period == 50000);
    CHECK(r.cpu_quota == 25000);
    f = {};
    f.cpuset_cpus = "0-2,3";
    CHECK(apply(f).cpuset_cpus == "0-2,3");
    f.cpuset_cpus = "0-4";
    CHECK_THROWS_WITH(apply(f), Catch::Contains("4 CPUs"));
    f.cpuset_cpus = "2-1";
    CHECK_THROWS_AS(apply(f), Error);
    f.cpuset_cpus = "a";
    CHECK_THROWS_AS(apply(f), Error);
    f = {};
    f.blkio_weight = "5";
    CHECK_THROWS_AS(apply(f), Error);
    f.blkio_weight = "500";
    CHECK(apply(f).blkio_weight == 500);
    CgroupSupport noweight = host();
    noweight.blkio_weight = false;
    CHECK_THROWS_WITH(apply(f, noweight), Catch::Contains("no weight"));
}

TEST_CASE("rootless refuses every limit, naming the flag") {
    ResourceFlags f;
    f.memory = "100m";
    CHECK_THROWS_WITH(apply(f, host(), true), Catch::Contains("--memory 100m") && Catch::Contains("rootless"));
    CHECK_NOTHROW(apply(ResourceFlags{}, host(), true));
}

TEST_CASE("runc update arguments carry every set limit") {
    ResourcesConfig r;
    r.memory = 64 * 1024 * 1024;
    r.nano_cpus = 1500000000;
    r.cpu_shares = 100;
    auto a = runtime_update_args(r, host(), 0);
    auto has = [&](const std::string& k, const std::string& v) {
        for (size_t i = 0; i + 1 < a.size(); ++i)
            if (a[i] == k && a[i + 1] == v) return true;
        return false;
    };
    CHECK(has("--memory", "67108864"));
    CHECK(has("--memory-swap", "134217728"));
    CHECK(has("--cpu-period", "100000"));
    CHECK(has("--cpu-quota", "150000"));
    CHECK(has("--cpu-share", "100"));
    CHECK(has("--pids-limit", "-1"));
    CHECK(runtime_update_args(ResourcesConfig{}, host(), -1).empty());
}

TEST_CASE("cgroup files parse") {
    auto cg = parse_proc_cgroup("12:pids:/conman/abc\n4:memory:/conman/abc\n2:cpu,cpuacct:/conman/abc\n"
                                "1:name=systemd:/user.slice\n0::/unified/x\n");
    CHECK(cg["memory"] == "/conman/abc");
    CHECK(cg["cpuacct"] == "/conman/abc");
    CHECK(cg["cpu"] == "/conman/abc");
    CHECK(cg[""] == "/unified/x");
    CHECK(cg.count("name=systemd") == 0);

    auto m = parse_keyed("cache 4096\nrss 1024\ntotal_inactive_file 8192\n");
    CHECK(m["total_inactive_file"] == 8192);
    CHECK(m["rss"] == 1024);

    auto [r, w] = parse_blkio_v1("8:0 Read 4096\n8:0 Write 1024\n8:0 Sync 5120\n8:16 Read 10\nTotal 5130\n");
    CHECK(r == 4106);
    CHECK(w == 1024);
    auto [r2, w2] = parse_io_stat_v2("8:0 rbytes=100 wbytes=200 rios=1 wios=2\n259:0 rbytes=1 wbytes=2\n");
    CHECK(r2 == 101);
    CHECK(w2 == 202);

    const char* netdev =
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
        "    lo:     500       5    0    0    0     0          0         0      500       5    0    0    0     0       0          0\n"
        "  eth0:    1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0\n";
    auto [rx, tx] = parse_net_dev(netdev);
    CHECK(rx == 1000);
    CHECK(tx == 2000);

    CHECK(parse_limit("max\n") == std::nullopt);
    CHECK(parse_limit("9223372036854771712\n") == std::nullopt);
    CHECK(parse_limit("20971520\n") == 20971520u);
}

TEST_CASE("Go durations print as podman shows them") {
    CHECK(go_duration(0) == "0s");
    CHECK(go_duration(500) == "500ns");
    CHECK(go_duration(1500) == "1.5\u00b5s");
    CHECK(go_duration(2500000) == "2.5ms");
    CHECK(go_duration(1000000000) == "1s");
    CHECK(go_duration(10536208925) == "10.536208925s");
    CHECK(go_duration(int64_t(3723) * 1000000000 + 250000000) == "1h2m3.25s");
    CHECK(go_duration(int64_t(60) * 1000000000) == "1m0s");
}
