// Resolving paths inside a container's root (container_path.hpp), cp's
// argument syntax and podman's human sizes.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conman/container_copy.hpp"
#include "conman/container_path.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/units.hpp"
#include "test_util.hpp"

using namespace conman;

namespace {

void link(const std::string& target, const std::string& at) { REQUIRE(::symlink(target.c_str(), at.c_str()) == 0); }

}  // namespace

TEST_CASE("resolve_in_root follows links inside the root and never above it") {
    TempDir d;
    std::string root = d.path + "/root";
    mkdir_p(root + "/etc/sub");
    mkdir_p(d.path + "/host");
    atomic_write(root + "/etc/passwd", "inside");
    atomic_write(d.path + "/host/passwd", "host");
    link("/etc", root + "/abs");
    link("../../../../etc", root + "/etc/sub/up");
    link("../../../../../host", root + "/esc");
    link("/", root + "/slash");
    link(d.path + "/host", root + "/hostpath");
    UniqueFd rfd = open_root(root);

    auto resolved = [&](const std::string& p) { return resolve_in_root(rfd.get(), p, true, p).path; };
    REQUIRE(resolved("/abs/passwd") == "/etc/passwd");
    REQUIRE(resolved("etc/sub/up/passwd") == "/etc/passwd");
    REQUIRE(resolved("/../../etc/./passwd") == "/etc/passwd");
    REQUIRE(resolved("/slash/slash/etc") == "/etc");
    // Escapes clamp at the root: <root>/host does not exist, the host's does.
    REQUIRE(resolved("/esc") == "/host");
    // An absolute link to a host directory names a path inside the root,
    // which is missing here: never the host's.
    REQUIRE_THROWS_AS(resolved("/hostpath/passwd"), Error);
    InRoot at = resolve_in_root(rfd.get(), "/esc", true, "esc");
    struct stat st;
    REQUIRE_FALSE(stat_at(at, st));
    REQUIRE(resolved("/") == "/");
    REQUIRE(resolve_in_root(rfd.get(), "/", true, "/").name.empty());
}

TEST_CASE("resolve_in_root: the final link is kept when not followed; missing parts") {
    TempDir d;
    mkdir_p(d.path + "/r/dir");
    link("/dir", d.path + "/r/l");
    link("loop2", d.path + "/r/loop1");
    link("loop1", d.path + "/r/loop2");
    atomic_write(d.path + "/r/file", "x");
    UniqueFd rfd = open_root(d.path + "/r");
    InRoot nf = resolve_in_root(rfd.get(), "/l", false, "l");
    REQUIRE(nf.name == "l");
    struct stat st;
    REQUIRE(stat_at(nf, st));
    REQUIRE(S_ISLNK(st.st_mode));
    REQUIRE(resolve_in_root(rfd.get(), "/l", true, "l").path == "/dir");
    REQUIRE(resolve_in_root(rfd.get(), "/dir/new", true, "new").name == "new");
    REQUIRE_THROWS_AS(resolve_in_root(rfd.get(), "/missing/new", true, "x"), Error);
    REQUIRE_THROWS_AS(resolve_in_root(rfd.get(), "/file/x", true, "x"), Error);
    REQUIRE_THROWS_AS(resolve_in_root(rfd.get(), "/loop1", true, "x"), Error);
}

TEST_CASE("make_room replaces files, merges directories, asks before a type change") {
    TempDir d;
    mkdir_p(d.path + "/dir/child");
    atomic_write(d.path + "/file", "x");
    UniqueFd fd(::open(d.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(make_room(fd.get(), "dir", true, false, "dir"));
    REQUIRE_FALSE(make_room(fd.get(), "none", false, false, "none"));
    REQUIRE_THROWS_AS(make_room(fd.get(), "dir", false, false, "dir"), Error);
    REQUIRE_THROWS_AS(make_room(fd.get(), "file", true, false, "file"), Error);
    REQUIRE_FALSE(make_room(fd.get(), "file", false, false, "file"));
    REQUIRE_FALSE(path_exists(d.path + "/file"));
    REQUIRE_FALSE(make_room(fd.get(), "dir", false, true, "dir"));
    REQUIRE_FALSE(path_exists(d.path + "/dir"));
}

TEST_CASE("path_base and path_parent treat trailing slashes like docker") {
    REQUIRE(path_base("/a/b/") == "b");
    REQUIRE(path_base("/a/.") == ".");
    REQUIRE(path_base("/") == "");
    REQUIRE(path_base("f") == "f");
    REQUIRE(path_parent("/a/b/") == "/a");
    REQUIRE(path_parent("/a") == "/");
    REQUIRE(path_parent("a") == ".");
}

TEST_CASE("cp arguments: container paths, host paths and the stream") {
    auto a = parse_copy_arg("web:/etc/hosts");
    REQUIRE(a.container == "web");
    REQUIRE(a.path == "/etc/hosts");
    REQUIRE(parse_copy_arg("web:rel").path == "rel");
    REQUIRE(parse_copy_arg("-").stream);
    REQUIRE(parse_copy_arg("./a:b").container.empty());
    REQUIRE(parse_copy_arg("/abs:x").container.empty());
    REQUIRE(parse_copy_arg("dir/a:b").container.empty());
    REQUIRE(parse_copy_arg("plain").path == "plain");
    REQUIRE_THROWS_AS(parse_copy_arg("web:"), Error);
}

TEST_CASE("human sizes as podman prints them") {
    REQUIRE(human_size(0) == "0B");
    REQUIRE(human_size(2141255) == "2.141MB");
    REQUIRE(human_size(1000000) == "1MB");
    REQUIRE(human_size(20480) == "20.48kB");
    REQUIRE(human_size_spaced(2140160) == "2.14 MB");
    REQUIRE(human_size_spaced(10240) == "10.2 kB");
    REQUIRE(human_size_spaced(97) == "97 B");
}
