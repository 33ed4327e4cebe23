// --userns parsing and keep-id mappings, /proc id maps, /etc/subuid lookup.
#include <catch2/catch.hpp>
#include <cstdio>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/userns.hpp"

using namespace conman;

namespace {
std::string describe(const std::vector<IdMapping>& m) {
    std::string s;
    for (auto& x : m) s += fmt::format("{}:{}:{} ", x.container_id, x.host_id, x.size);
    return s;
}
}  // namespace

TEST_CASE("parse_id_map reads /proc uid_map lines") {
    auto m = parse_id_map("         0       1002          1\n         1     165536      65536\n");
    REQUIRE(m.size() == 2);
    CHECK(m[1].inside == 1);
    CHECK(m[1].outside == 165536);
    CHECK(m[1].count == 65536);
    CHECK(parse_id_map("").empty());
    CHECK(parse_id_map("garbage\n").empty());
}

TEST_CASE("subid_range finds the user's range by name or uid") {
    char tmpl[] = "/tmp/subuid-XXXXXX";
    int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    ::close(fd);
    atomic_write(tmpl, "other:100000:65536\nbroken line\nalice:x:y\n1005:200000:1000\nalice:300000:0\nalice:400000:5\n");
    auto by_uid = subid_range(tmpl, "bob", 1005);
    REQUIRE(by_uid);
    CHECK(by_uid->start == 200000);
    CHECK(by_uid->count == 1000);
    auto alice = subid_range(tmpl, "alice", 1);  // unparsable and empty ranges are skipped
    REQUIRE(alice);
    CHECK(alice->start == 400000);
    CHECK_FALSE(subid_range(tmpl, "nobody-here", 4242));
    CHECK_FALSE(subid_range("/nonexistent/subuid", "alice", 1));
    ::unlink(tmpl);
}

TEST_CASE("--userns host and empty make no namespace of the container's own") {
    for (const char* v : {"", "host"}) {
        auto u = resolve_userns(v, true, 65537, 65537);
        CHECK(u.uid_map.empty());
        CHECK(u.gid_map.empty());
    }
}

TEST_CASE("--userns keep-id puts the user at its own id and the range around it") {
    auto u = resolve_userns("keep-id:uid=1000,gid=100", true, 65537, 65537);
    CHECK(u.mode == "keep-id");
    CHECK(u.keep_uid == 1000);
    CHECK(u.keep_gid == 100);
    CHECK(describe(u.uid_map) == "0:1:1000 1000:0:1 1001:1001:64536 ");
    CHECK(describe(u.gid_map) == "0:1:100 100:0:1 101:101:65436 ");
    auto zero = resolve_userns("keep-id:uid=0,gid=0", true, 10, 10);
    CHECK(describe(zero.uid_map) == "0:0:1 1:1:9 ");
}

TEST_CASE("--userns errors name the value and the reason") {
    auto msg = [](const std::string& v, bool rootless, uint64_t n) {
        try {
            resolve_userns(v, rootless, n, n);
        } catch (const Error& e) {
            CHECK(e.exit_code() == 125);
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(msg("auto-magic", true, 65537) == "invalid --userns auto-magic: use host or keep-id[:uid=N,gid=N]");
    CHECK(msg("keep-id", false, 65537) == "--userns keep-id: keep-id is for rootless conman only");
    CHECK(msg("keep-id:uid=x", true, 65537) == "invalid --userns keep-id:uid=x: \"x\" is not a number");
    CHECK(msg("keep-id:size=3", true, 65537) == "invalid --userns keep-id:size=3: unknown option \"size=3\" (uid=N or gid=N)");
    CHECK(msg("keep-id:uid=70000,gid=1", true, 65537) ==
          "--userns keep-id:uid=70000,gid=1: uid 70000 needs 70001 mapped ids, this user's namespace has 65537 (give the "
          "user a larger /etc/subuid range)");
    CHECK(msg("keep-id:uid=0,gid=0", true, 1) ==
          "--userns keep-id:uid=0,gid=0: keep-id needs /etc/subuid ranges for the user (only one id is mapped)");
}
