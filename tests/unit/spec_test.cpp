#include <catch2/catch.hpp>
#include <sys/resource.h>

#include "conman/engine.hpp"
#include "conman/error.hpp"
#include "conman/rootfs.hpp"
#include "conman/spec.hpp"
#include "test_util.hpp"

using namespace conman;

namespace {
ContainerConfig sample() {
    ContainerConfig c;
    c.id = std::string(64, 'a');
    c.name = "web";
    c.rootfs = "/srv/rootfs";
    c.args = {"sh", "-c", "echo hi"};
    c.env = {"PATH=/bin", "A=1"};
    c.workdir = "/tmp";
    c.uid = 1000;
    c.gid = 100;
    c.hostname = "box";
    return c;
}
}  // namespace

TEST_CASE("spec carries process, root, hostname and namespaces") {
    SpecInputs in;
    in.hosts_path = "/u/hosts";
    in.rlimits = {{"RLIMIT_NOFILE", 1024, 1024}};
    auto j = build_spec(sample(), in);
    REQUIRE(j["ociVersion"] == "1.0.2");
    REQUIRE(j["process"]["args"] == nlohmann::json({"sh", "-c", "echo hi"}));
    REQUIRE(j["process"]["cwd"] == "/tmp");
    REQUIRE(j["process"]["user"]["uid"] == 1000);
    REQUIRE(j["process"]["user"]["gid"] == 100);
    REQUIRE(j["process"]["terminal"] == false);
    REQUIRE(j["root"]["path"] == "/srv/rootfs");
    REQUIRE(j["hostname"] == "box");
    std::vector<std::string> ns;
    for (auto& n : j["linux"]["namespaces"]) ns.push_back(n["type"]);
    REQUIRE(ns == std::vector<std::string>{"pid", "network", "ipc", "uts", "mount"});
    REQUIRE(j["process"]["rlimits"][0]["hard"] == 1024);
}

TEST_CASE("spec mounts the standard filesystems and the generated /etc files") {
    SpecInputs in;
    in.hosts_path = "/u/hosts";
    in.hostname_path = "/u/hostname";
    in.resolv_path = "/u/resolv.conf";
    auto j = build_spec(sample(), in);
    std::map<std::string, nlohmann::json> by_dst;
    for (auto& m : j["mounts"]) by_dst[m["destination"]] = m;
    for (auto d : {"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/etc/hosts", "/etc/hostname",
                   "/etc/resolv.conf"})
        REQUIRE(by_dst.count(d));
    auto sys_opts = by_dst["/sys"]["options"].get<std::vector<std::string>>();
    REQUIRE(std::find(sys_opts.begin(), sys_opts.end(), "ro") != sys_opts.end());
    REQUIRE(by_dst["/etc/hosts"]["source"] == "/u/hosts");
    REQUIRE(j["linux"]["maskedPaths"].size() > 5);
    REQUIRE(j["linux"]["readonlyPaths"].size() > 3);
}

TEST_CASE("default capabilities are podman's eleven") {
    auto j = build_spec(sample(), {});
    auto eff = j["process"]["capabilities"]["effective"].get<std::vector<std::string>>();
    REQUIRE(eff.size() == 11);
    REQUIRE(std::find(eff.begin(), eff.end(), "CAP_NET_BIND_SERVICE") != eff.end());
    REQUIRE(std::find(eff.begin(), eff.end(), "CAP_SYS_ADMIN") == eff.end());
}

TEST_CASE("rlimits never exceed the caller's hard limits") {
    struct rlimit cur;
    getrlimit(RLIMIT_NOFILE, &cur);
    for (auto& r : clamped_default_rlimits()) {
        if (r.type == "RLIMIT_NOFILE" && cur.rlim_max != RLIM_INFINITY) REQUIRE(r.hard <= cur.rlim_max);
        REQUIRE(r.soft <= r.hard);
    }
}

TEST_CASE("env files: comments, blanks, KEY from the environment, bad lines") {
    ::setenv("CONMAN_UNIT_X", "fromhost", 1);
    ::unsetenv("CONMAN_UNIT_UNSET");
    auto e = parse_env_file("# c\n\nA=1\n  B=x y \nCONMAN_UNIT_X\nCONMAN_UNIT_UNSET\nC=a=b\n", "f.env");
    REQUIRE(e == std::vector<std::string>{"A=1", "B=x y", "CONMAN_UNIT_X=fromhost", "C=a=b"});
    REQUIRE_THROWS_WITH(parse_env_file("A=1\n=oops\n", "f.env"), Catch::Contains("f.env line 2"));
    REQUIRE_THROWS_WITH(parse_env_file("B = x\n", "f.env"), Catch::Contains("f.env line 1"));
}

TEST_CASE("merge_env: later entries win per key") {
    auto e = merge_env({"PATH=/bin", "A=1"}, {"A=2", "B=3"});
    REQUIRE(e == std::vector<std::string>{"PATH=/bin", "A=2", "B=3"});
    REQUIRE_THROWS_AS(merge_env({}, {"=x"}), Error);
}

TEST_CASE("users resolve through the rootfs passwd and group files") {
    TempDir d;
    mkdir_p(d.path + "/etc");
    atomic_write(d.path + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nbob:x:1000:1001:Bob:/home/bob:/bin/sh\n");
    atomic_write(d.path + "/etc/group", "root:x:0:\nstaff:x:50:bob\n");
    auto u = resolve_user(d.path, "bob");
    REQUIRE(u.uid == 1000);
    REQUIRE(u.gid == 1001);
    REQUIRE(u.home == "/home/bob");
    REQUIRE(resolve_user(d.path, "1000").gid == 1001);
    REQUIRE(resolve_user(d.path, "bob:staff").gid == 50);
    REQUIRE(resolve_user(d.path, "42:7").uid == 42);
    REQUIRE(resolve_user(d.path, "42:7").gid == 7);
    REQUIRE_THROWS_WITH(resolve_user(d.path, "alice"), Catch::Contains("unable to find user alice"));
}

TEST_CASE("classify_command: 127 missing, 126 not executable, symlinks resolve inside the root") {
    TempDir d;
    mkdir_p(d.path + "/bin");
    atomic_write(d.path + "/bin/tool", "#!/bin/sh\n", 0755);
    atomic_write(d.path + "/bin/data", "x", 0644);
    REQUIRE(::symlink("/bin/tool", (d.path + "/bin/abs").c_str()) == 0);
    std::vector<std::string> env = {"PATH=/bin"};
    REQUIRE(classify_command(d.path, "tool", env) == 0);
    REQUIRE(classify_command(d.path, "abs", env) == 0);
    REQUIRE(classify_command(d.path, "nope", env) == 127);
    REQUIRE(classify_command(d.path, "/bin/nope", env) == 127);
    REQUIRE(classify_command(d.path, "/bin/data", env) == 126);
    REQUIRE(classify_command(d.path, "/bin", env) == 126);
}
