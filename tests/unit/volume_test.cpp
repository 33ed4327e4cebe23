// The -v, --mount, --tmpfs and --volumes-from parsers, the OCI options they
// become, and how user mounts join the spec's default mounts.
#include <catch2/catch.hpp>

#include <algorithm>

#include "conman/error.hpp"
#include "conman/volume.hpp"

using namespace conman;

namespace {
bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }
}  // namespace

TEST_CASE("-v HOST:CTR is a bind mount, NAME:CTR a named volume, CTR alone an anonymous one") {
    auto b = parse_volume_flag("/srv/data:/data");
    CHECK(b.type == "bind");
    CHECK(b.source == "/srv/data");
    CHECK(b.destination == "/data");
    CHECK_FALSE(b.read_only);
    auto v = parse_volume_flag("myvol:/var/lib/x/");
    CHECK(v.type == "volume");
    CHECK(v.source == "myvol");
    CHECK(v.destination == "/var/lib/x");
    auto a = parse_volume_flag("/cache");
    CHECK(a.type == "volume");
    CHECK(a.source.empty());
    CHECK(a.destination == "/cache");
    auto ao = parse_volume_flag("/cache:ro");
    CHECK(ao.source.empty());
    CHECK(ao.read_only);
    auto rel = parse_volume_flag("./here:/x");
    CHECK(rel.type == "bind");
    CHECK(rel.source[0] == '/');
}

TEST_CASE("-v options") {
    auto r = parse_volume_flag("/a:/b:ro,Z,rslave,noexec,nosuid,U,bind");
    CHECK(r.read_only);
    CHECK(r.propagation == "rslave");
    CHECK(r.chown);
    CHECK_FALSE(r.recursive);
    CHECK(has(r.flags, "noexec"));
    CHECK(has(r.flags, "nosuid"));
    CHECK_FALSE(parse_volume_flag("v:/b:nocopy").copy_up);
    CHECK(parse_volume_flag("v:/b:z").copy_up);
    CHECK_THROWS_AS(parse_volume_flag("/a:/b:ro,rw"), Error);
    CHECK_THROWS_AS(parse_volume_flag("/a:/b:z,Z"), Error);
    CHECK_THROWS_AS(parse_volume_flag("/a:/b:private,shared"), Error);
    CHECK_THROWS_AS(parse_volume_flag("/a:/b:exec,noexec"), Error);
    CHECK_THROWS_WITH(parse_volume_flag("/a:/b:bogus"), "invalid volume \"/a:/b:bogus\": unknown option \"bogus\"");
    CHECK_THROWS_AS(parse_volume_flag("/a:/b:O"), Error);
}

TEST_CASE("-v refuses what cannot work") {
    CHECK_THROWS_AS(parse_volume_flag(""), Error);
    CHECK_THROWS_AS(parse_volume_flag("/a:relative"), Error);      // options, then a relative destination
    CHECK_THROWS_WITH(parse_volume_flag("vol:data"),
                      "invalid volume \"vol:data\": the container path \"data\" must be absolute");
    CHECK_THROWS_AS(parse_volume_flag("/a:/"), Error);             // over the root
    CHECK_THROWS_AS(parse_volume_flag("bad name:/x"), Error);
    CHECK_THROWS_AS(parse_volume_flag("-vol:/x"), Error);
    CHECK_THROWS_AS(parse_volume_flag("/a:/b:ro:extra"), Error);
    CHECK_THROWS_AS(parse_volume_flag(":/b"), Error);
    CHECK_THROWS_AS(parse_volume_flag("/a:/b:"), Error);
    CHECK_THROWS_AS(parse_volume_flag("/a:"), Error);
    auto e = Error(ErrorKind::Usage, "");
    try {
        parse_volume_flag("vol:data");
    } catch (const Error& x) {
        e = x;
    }
    CHECK(e.exit_code() == 125);
}

TEST_CASE("container paths are cleaned") {
    CHECK(clean_container_path("/a//b/./c/", "x") == "/a/b/c");
    CHECK(clean_container_path("/a/../b", "x") == "/b");
    CHECK_THROWS_AS(clean_container_path("/..", "x"), Error);
    CHECK_THROWS_AS(clean_container_path("a", "x"), Error);
}

TEST_CASE("--mount type=bind|volume|tmpfs") {
    auto b = parse_mount_flag("type=bind,src=/h,dst=/c,ro,bind-propagation=rshared");
    CHECK(b.type == "bind");
    CHECK(b.source == "/h");
    CHECK(b.destination == "/c");
    CHECK(b.read_only);
    CHECK(b.propagation == "rshared");
    auto b2 = parse_mount_flag("type=bind,source=/h,target=/c,readonly=false,bind-nonrecursive=true");
    CHECK_FALSE(b2.read_only);
    CHECK_FALSE(b2.recursive);
    auto v = parse_mount_flag("type=volume,src=data,dst=/d,volume-nocopy");
    CHECK(v.type == "volume");
    CHECK(v.source == "data");
    CHECK_FALSE(v.copy_up);
    auto anon = parse_mount_flag("type=volume,destination=/d");
    CHECK(anon.source.empty());
    auto t = parse_mount_flag("type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770");
    CHECK(t.type == "tmpfs");
    CHECK(has(t.tmpfs_options, "size=64m"));
    CHECK(has(t.tmpfs_options, "mode=1770"));
}

TEST_CASE("--mount refuses bad input") {
    CHECK_THROWS_AS(parse_mount_flag("src=/h,dst=/c"), Error);               // no type
    CHECK_THROWS_AS(parse_mount_flag("type=image,src=x,dst=/c"), Error);     // unsupported type
    CHECK_THROWS_AS(parse_mount_flag("type=bind,dst=/c"), Error);            // no source
    CHECK_THROWS_AS(parse_mount_flag("type=bind,src=/h"), Error);            // no destination
    CHECK_THROWS_AS(parse_mount_flag("type=bind,src=rel,dst=/c"), Error);    // not a host path
    CHECK_THROWS_AS(parse_mount_flag("type=tmpfs,src=x,dst=/c"), Error);     // tmpfs has no source
    CHECK_THROWS_AS(parse_mount_flag("type=tmpfs,dst=/c,tmpfs-size=lots"), Error);
    CHECK_THROWS_AS(parse_mount_flag("type=tmpfs,dst=/c,tmpfs-mode=999"), Error);
    CHECK_THROWS_AS(parse_mount_flag("type=bind,src=/h,dst=/c,tmpfs-size=1m"), Error);
    CHECK_THROWS_AS(parse_mount_flag("type=volume,src=v,dst=/c,bind-propagation=shared"), Error);
    CHECK_THROWS_AS(parse_mount_flag("type=bind,src=/h,dst=/c,bind-propagation=sideways"), Error);
    CHECK_THROWS_AS(parse_mount_flag("type=bind,src=/h,dst=/c,ro=maybe"), Error);
    CHECK_THROWS_AS(parse_mount_flag("type=bind,src=/h,dst=/c,colour=red"), Error);
    CHECK_THROWS_AS(parse_mount_flag("type=volume,src=bad/name,dst=/c"), Error);
}

TEST_CASE("--tmpfs DST[:OPTS]") {
    auto t = parse_tmpfs_flag("/run/x");
    CHECK(t.type == "tmpfs");
    CHECK(t.destination == "/run/x");
    auto o = mount_options(t, "");
    CHECK(has(o, "rw"));
    CHECK(has(o, "noexec"));
    CHECK(has(o, "nosuid"));
    CHECK(has(o, "nodev"));
    CHECK(has(o, "tmpcopyup"));
    auto s = parse_tmpfs_flag("/t:size=1m,mode=0700,exec,notmpcopyup");
    auto so = mount_options(s, "");
    CHECK(has(so, "size=1m"));
    CHECK(has(so, "mode=0700"));
    CHECK(has(so, "exec"));
    CHECK_FALSE(has(so, "noexec"));
    CHECK_FALSE(has(so, "tmpcopyup"));
    CHECK_FALSE(has(so, "notmpcopyup"));
    CHECK_THROWS_AS(parse_tmpfs_flag("rel"), Error);
    CHECK_THROWS_AS(parse_tmpfs_flag("/t:size=big"), Error);
    CHECK_THROWS_AS(parse_tmpfs_flag("/t:bogus"), Error);
}

TEST_CASE("--volumes-from CTR[:ro|rw]") {
    CHECK(parse_volumes_from("web") == std::make_pair(std::string("web"), std::string("")));
    CHECK(parse_volumes_from("web:ro") == std::make_pair(std::string("web"), std::string("ro")));
    CHECK(parse_volumes_from("web:rw,z").second == "rw");
    CHECK_THROWS_AS(parse_volumes_from(":ro"), Error);
    CHECK_THROWS_AS(parse_volumes_from("web:ro,rw"), Error);
    CHECK_THROWS_AS(parse_volumes_from("web:exec"), Error);
}

TEST_CASE("duplicate destinations are refused across -v, --mount and --tmpfs") {
    VolumeFlags f;
    f.volume = {"/a:/x"};
    f.tmpfs = {"/x/"};
    CHECK_THROWS_WITH(parse_mount_requests(f), "/x: duplicate mount destination");
    f.tmpfs = {"/y"};
    CHECK(parse_mount_requests(f).size() == 2);
}

TEST_CASE("bind and volume OCI options") {
    auto b = mount_options(parse_volume_flag("/a:/b:ro"), "");
    CHECK(b[0] == "rbind");
    CHECK(has(b, "ro"));
    CHECK(has(b, "rprivate"));
    auto v = mount_options(parse_volume_flag("v:/b"), "");
    CHECK(has(v, "rw"));
    CHECK(has(v, "nosuid"));
    CHECK(has(v, "nodev"));
    auto vd = mount_options(parse_volume_flag("v:/b:dev,suid"), "");
    CHECK_FALSE(has(vd, "nodev"));
    CHECK_FALSE(has(vd, "nosuid"));
    CHECK(has(vd, "dev"));
}

TEST_CASE("user mounts replace default mounts at the same destination, parents first") {
    nlohmann::json m = nlohmann::json::array({{{"destination", "/proc"}}, {{"destination", "/dev/shm"}}});
    MountConfig shm{"tmpfs", "", "tmpfs", "/dev/shm", {"rw", "size=1m"}, false};
    MountConfig deep{"bind", "", "/h/x", "/a/b/c", {"rbind", "rw"}, false};
    MountConfig top{"volume", "v", "/vols/v/_data", "/a", {"rbind", "rw"}, false};
    add_user_mounts(m, {deep, shm, top});
    REQUIRE(m.size() == 4);
    CHECK(m[0]["destination"] == "/proc");
    CHECK(m[1]["destination"] == "/a");
    CHECK(m[1]["type"] == "bind");
    CHECK(m[1]["source"] == "/vols/v/_data");
    CHECK(m[2]["destination"] == "/dev/shm");
    CHECK(m[2]["options"] == nlohmann::json({"rw", "size=1m"}));
    CHECK(m[3]["destination"] == "/a/b/c");
}

TEST_CASE("volume names") {
    CHECK(valid_volume_name("data"));
    CHECK(valid_volume_name("my_vol.1-x"));
    CHECK_FALSE(valid_volume_name(""));
    CHECK_FALSE(valid_volume_name("_x"));
    CHECK_FALSE(valid_volume_name("a/b"));
    CHECK_FALSE(valid_volume_name(".."));
}
