#include <catch2/catch.hpp>
#include <sys/resource.h>

#include <algorithm>

#include "conman/error.hpp"
#include "conman/seccomp.hpp"
#include "conman/security.hpp"
#include "conman/spec.hpp"

using namespace conman;

namespace {
bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// The names of every rule in an OCI seccomp object.
std::vector<std::string> allowed_names(const nlohmann::json& oci) {
    std::vector<std::string> out;
    for (auto& r : oci["syscalls"])
        if (r["action"] == "SCMP_ACT_ALLOW" && !r.contains("args"))
            for (auto& n : r["names"]) out.push_back(n);
    return out;
}
}  // namespace

TEST_CASE("capability names are normalised and checked") {
    CHECK(normalize_capability("net_admin") == "CAP_NET_ADMIN");
    CHECK(normalize_capability("CAP_SYS_ADMIN") == "CAP_SYS_ADMIN");
    CHECK(normalize_capability("Cap_Kill") == "CAP_KILL");
    CHECK(normalize_capability("all") == "ALL");
    CHECK_THROWS_WITH(normalize_capability("bogus"), "unknown capability \"bogus\"");
}

TEST_CASE("effective capabilities follow docker's add/drop rules") {
    auto def = effective_capabilities(false, {}, {});
    CHECK(def.size() == default_capabilities().size());
    auto only = effective_capabilities(false, {"net_admin"}, {"ALL"});
    CHECK(only == std::vector<std::string>{"CAP_NET_ADMIN"});
    auto fewer = effective_capabilities(false, {}, {"chown", "CAP_KILL"});
    CHECK(fewer.size() == default_capabilities().size() - 2);
    CHECK_FALSE(has(fewer, "CAP_CHOWN"));
    auto all_but = effective_capabilities(false, {"ALL"}, {"sys_admin"});
    CHECK_FALSE(has(all_but, "CAP_SYS_ADMIN"));
    CHECK(has(all_but, "CAP_NET_ADMIN"));
    CHECK(effective_capabilities(true, {}, {}) == [] {
        auto a = all_capabilities();
        std::sort(a.begin(), a.end());
        return a;
    }());
}

TEST_CASE("--ulimit parsing") {
    auto r = parse_ulimit("nofile=1024:2048");
    CHECK(r.type == "RLIMIT_NOFILE");
    CHECK(r.soft == 1024);
    CHECK(r.hard == 2048);
    CHECK(parse_ulimit("nproc=10").hard == 10);
    CHECK(parse_ulimit("core=-1").soft == RLIM_INFINITY);
    CHECK_THROWS_AS(parse_ulimit("nofile"), Error);
    CHECK_THROWS_AS(parse_ulimit("bogus=1"), Error);
    CHECK_THROWS_AS(parse_ulimit("nofile=2048:1024"), Error);
    CHECK_THROWS_AS(parse_ulimit("nofile=abc"), Error);
}

TEST_CASE("the default seccomp profile resolves on this host and depends on capabilities") {
    auto oci = seccomp_to_oci(default_seccomp_profile(), default_capabilities(), false);
    CHECK(oci["defaultAction"] == "SCMP_ACT_ERRNO");
    CHECK(oci["defaultErrnoRet"] == 1);
    CHECK_FALSE(oci["architectures"].empty());
    auto allowed = allowed_names(oci);
    CHECK(has(allowed, "read"));
    CHECK(has(allowed, "chroot"));  // CAP_SYS_CHROOT is a default capability
    CHECK_FALSE(has(allowed, "mount"));
    CHECK_FALSE(has(allowed, "unshare"));
    CHECK_FALSE(has(allowed, "keyctl"));
    bool clone3_enosys = false;
    for (auto& r : oci["syscalls"])
        if (r["names"] == nlohmann::json::array({"clone3"})) clone3_enosys = r["errnoRet"] == 38;
    CHECK(clone3_enosys);
    auto admin = allowed_names(seccomp_to_oci(default_seccomp_profile(), {"CAP_SYS_ADMIN"}, false));
    CHECK(has(admin, "mount"));
    CHECK(has(admin, "unshare"));
    CHECK(has(admin, "clone"));
    CHECK_FALSE(has(admin, "chroot"));
}

TEST_CASE("seccomp profile files: containers format, strict checks") {
    auto p = parse_seccomp_profile(R"({"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64",
        "subArchitectures":["SCMP_ARCH_X86"]}],"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
        {"name":"rmdir","action":"SCMP_ACT_ERRNO","includes":{"caps":["CAP_SYS_ADMIN"]}},
        {"names":["chmod"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":2048,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]}]})",
                                    "t.json");
    CHECK(p.rules.size() == 3);
    auto oci = seccomp_to_oci(p, {}, true, "t.json");
    REQUIRE(oci["syscalls"].size() == 2);  // rmdir's rule needs CAP_SYS_ADMIN
    CHECK(oci["syscalls"][0]["errnoRet"] == 13);
    CHECK(oci["syscalls"][1]["args"][0]["op"] == "SCMP_CMP_MASKED_EQ");
    CHECK_THROWS_WITH(seccomp_to_oci(parse_seccomp_profile(
                                         R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["nosuch"],"action":"SCMP_ACT_ERRNO"}]})",
                                         "x"),
                                     {}, true, "x"),
                      "seccomp profile x: unknown syscall \"nosuch\"");
    CHECK_THROWS_AS(parse_seccomp_profile("{", "x"), Error);
    CHECK_THROWS_AS(parse_seccomp_profile(R"({"syscalls":[]})", "x"), Error);  // no defaultAction
    CHECK_THROWS_AS(seccomp_to_oci(parse_seccomp_profile(
                                       R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":1,"op":"SCMP_CMP_LIKE"}]}]})",
                                       "x"),
                                   {}, true, "x"),
                    Error);
}

TEST_CASE("spec: read-only root, masks, pids limit, sysctls, devices, seccomp") {
    ContainerConfig c;
    c.rootfs = "/r";
    c.args = {"true"};
    SecurityFlags f;
    f.read_only = true;
    f.pids_limit = "50";
    f.sysctls = {"net.ipv4.ip_forward=1"};
    f.security_opts = {"unmask=/proc/keys", "mask=/secret", "no-new-privileges"};
    f.devices = {"/dev/null:/dev/n:rw"};
    f.cap_drop = {"ALL"};
    apply_security_flags(c, f);
    auto spec = build_spec(c, SpecInputs{});
    CHECK(spec["root"]["readonly"] == true);
    CHECK(spec["process"]["noNewPrivileges"] == true);
    CHECK(spec["process"]["capabilities"]["bounding"].empty());
    auto& l = spec["linux"];
    CHECK(l["resources"]["pids"]["limit"] == 50);
    CHECK(l["sysctl"]["net.ipv4.ip_forward"] == "1");
    auto masked = l["maskedPaths"].get<std::vector<std::string>>();
    CHECK_FALSE(has(masked, "/proc/keys"));
    CHECK(has(masked, "/proc/kcore"));
    CHECK(has(masked, "/secret"));
    CHECK(l["devices"][0]["path"] == "/dev/n");
    CHECK(l["devices"][0]["major"] == 1);
    CHECK(l["resources"]["devices"].back()["access"] == "rw");
    CHECK(l.contains("seccomp"));
    bool run_tmpfs = false;
    for (auto& m : spec["mounts"]) run_tmpfs |= m["destination"] == "/run" && m["type"] == "tmpfs";
    CHECK(run_tmpfs);

    SecurityFlags bad;
    bad.sysctls = {"kernel.hostname=x"};
    CHECK_THROWS_AS(apply_security_flags(c, bad), Error);
    SecurityFlags hostnet;
    hostnet.sysctls = {"net.ipv4.ip_forward=1"};
    hostnet.network_host = true;
    CHECK_THROWS_AS(apply_security_flags(c, hostnet), Error);
    SecurityFlags opt;
    opt.security_opts = {"bogus=1"};
    CHECK_THROWS_AS(apply_security_flags(c, opt), Error);
}
