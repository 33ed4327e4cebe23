#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/layer.hpp"
#include "conman/storage.hpp"
#include "layer_fixture.hpp"

using namespace conman;
using namespace layer_fixture;

namespace {

// Three layers in overlay form, bottom first: L1 deletes a file and a dir and
// makes c/ opaque; L2 changes a file and adds one.
std::vector<std::string> three_layers(const TmpDir& t) {
    std::vector<std::vector<Ent>> tars = {
        {D("a"), F("a/file1", "one"), F("a/file2", "two"), D("b"), F("b/x", "x"), D("c"), F("c/old", "old"),
         D("c/olddir"), F("c/olddir/deep", "deep"), F("keep.txt", "v1"), L("link", "keep.txt"),
         F("hard1", "shared", 0640), H("hard2", "hard1"), F("suid", "s", 04755)},
        {D("a"), F("a/.wh.file1", ""), D("c", 0750), F("c/.wh..wh..opq", ""), F("c/new", "new"),
         F("a/added", "added")},
        {F("keep.txt", "v2"), D("d"), F("d/new", "d"), F(".wh.b", ""), L("abs", "/etc/passwd")},
    };
    std::vector<std::string> dirs;
    for (size_t i = 0; i < tars.size(); ++i) {
        std::string blob = tar_file(t.path, fmt::format("l{}.tar", i), tars[i]);
        std::string d = t.sub(fmt::format("layers/{}", i));
        extract_layer(blob, d, "");
        dirs.push_back(d);
    }
    return dirs;
}

void check_merged(const std::string& m) {
    auto s = snapshot(m, {.overlay_xattrs = false});
    CHECK(s.count("a/file1") == 0);
    CHECK(s["a/file2"].content == "two");
    CHECK(s["a/added"].content == "added");
    CHECK(s.count("b") == 0);
    CHECK(s.count("b/x") == 0);
    CHECK(s.count("c/old") == 0);
    CHECK(s.count("c/olddir") == 0);
    CHECK(s["c/new"].content == "new");
    CHECK(s["c"].mode == 0750);
    CHECK(s["keep.txt"].content == "v2");
    CHECK(s["d/new"].content == "d");
    CHECK(s["link"].content == "keep.txt");
    CHECK(s["abs"].content == "/etc/passwd");
    CHECK(s["hard2"].link_group == "hard1");
    CHECK(s["suid"].mode == 04755);
}

std::vector<std::string> reversed(std::vector<std::string> v) {
    std::reverse(v.begin(), v.end());
    return v;
}

// Mount guard: unmounts on the way out so a failed check leaves nothing mounted.
struct Mounted {
    std::string target;
    ~Mounted() {
        try {
            unmount(target);
        } catch (...) {
        }
    }
};

std::vector<std::string> many_layers(const TmpDir& t, int n, const std::string& prefix) {
    std::vector<std::string> dirs;
    for (int i = 0; i < n; ++i) {
        std::string d = t.sub(fmt::format("{}{:03}", prefix, i));
        put_file(d + fmt::format("/f{:03}", i), std::to_string(i));
        put_file(d + "/top", std::to_string(i));
        dirs.push_back(d);
    }
    return dirs;  // bottom first
}

void check_many(const std::string& m, int n) {
    for (int i = 0; i < n; ++i) REQUIRE(get_file(m + fmt::format("/f{:03}", i)) == std::to_string(i));
    CHECK(get_file(m + "/top") == std::to_string(n - 1));
}

}  // namespace

TEST_CASE("storage: overlay is supported here", "[storage]") {
    TmpDir t;
    CHECK(overlay_supported(t.path));
    CHECK(overlay_supported(t.path));  // cached
    CHECK(list_dir(t.path).empty());
}

TEST_CASE("storage: overlay of three layers with whiteouts and an opaque dir", "[storage]") {
    TmpDir t;
    auto layers = three_layers(t);
    for (auto api : {OverlayApi::Auto, OverlayApi::Legacy}) {
        std::string m = t.sub(api == OverlayApi::Auto ? "merged-api" : "merged-legacy");
        std::string up = t.path + "/upper" + (api == OverlayApi::Auto ? "1" : "2");
        std::string wk = t.path + "/work" + (api == OverlayApi::Auto ? "1" : "2");
        mount_overlay(reversed(layers), up, wk, m, t.path + "/l", api);
        Mounted guard{m};
        check_merged(m);
        put_file(m + "/written", "w");
        remove_all(m + "/a/file2");
        CHECK(get_file(up + "/written") == "w");
        struct stat st;
        REQUIRE(::lstat((up + "/a/file2").c_str(), &st) == 0);
        CHECK(S_ISCHR(st.st_mode));  // the kernel's own whiteout
        CHECK(get_file(layers[0] + "/a/file2") == "two");  // lower untouched
        unmount(m);
        CHECK(list_dir(m).empty());
    }
    unmount(t.path + "/not-mounted");  // fine
    unmount(t.path + "/layers");       // a plain dir: fine
}

TEST_CASE("storage: a single layer still mounts", "[storage]") {
    TmpDir t;
    std::string l = t.sub("l0");
    put_file(l + "/x", "1");
    std::string m = t.sub("m");
    mount_overlay({l}, t.path + "/u", t.path + "/w", m, t.path + "/links");
    Mounted guard{m};
    CHECK(get_file(m + "/x") == "1");
    REQUIRE_THROWS_AS(mount_overlay({}, t.path + "/u", t.path + "/w", m, t.path + "/links"), Error);
}

TEST_CASE("storage: 150 layers through the new mount API", "[storage]") {
    TmpDir t;
    auto layers = many_layers(t, 150, "layer-with-a-rather-long-directory-name-to-make-the-options-big-");
    std::string m = t.sub("m");
    mount_overlay(reversed(layers), t.path + "/u", t.path + "/w", m, t.path + "/links");
    Mounted guard{m};
    check_many(m, 150);
    CHECK_FALSE(path_exists(t.path + "/links"));  // not needed on this path
}

TEST_CASE("storage: 150 layers through mount(2) and short links", "[storage]") {
    TmpDir t;
    auto layers = many_layers(t, 150, "layer-with-a-rather-long-directory-name-to-make-the-options-big-");
    std::string m = t.sub("m");
    std::string links = t.path + "/l";
    mount_overlay(reversed(layers), t.path + "/u", t.path + "/w", m, links, OverlayApi::Legacy);
    {
        Mounted guard{m};
        check_many(m, 150);
        CHECK(list_dir(links).size() == 150);
        unmount(m);
    }
    // Links are reused by the next mount of the same layers.
    mount_overlay(reversed(layers), t.path + "/u", t.path + "/w", m, links, OverlayApi::Legacy);
    Mounted guard{m};
    CHECK(list_dir(links).size() == 150);
    check_many(m, 150);
}

TEST_CASE("storage: vfs gives the same view as overlay", "[storage]") {
    TmpDir t;
    auto layers = three_layers(t);
    std::string v = t.path + "/vfs";
    vfs_create(layers, v);
    check_merged(v);
    std::string m = t.sub("m");
    mount_overlay(reversed(layers), t.path + "/u", t.path + "/w", m, t.path + "/l");
    Mounted guard{m};
    auto a = snapshot(m, {.overlay_xattrs = false}), b = snapshot(v, {.overlay_xattrs = false});
    for (auto& [k, n] : a) {
        INFO(k);
        REQUIRE(b.count(k) == 1);
        CHECK(b[k] == n);
    }
    CHECK(a.size() == b.size());
    REQUIRE_THROWS_WITH(vfs_create(layers, v), Catch::Contains("not empty"));
}

TEST_CASE("storage: vfs never writes through a lower layer's symlink", "[storage]") {
    TmpDir t;
    std::string sentinel = t.sub("sentinel");
    std::string l0 = t.sub("l0"), l1 = t.sub("l1");
    REQUIRE(::symlink(sentinel.c_str(), (l0 + "/s").c_str()) == 0);
    REQUIRE(::symlink(sentinel.c_str(), (l0 + "/s2").c_str()) == 0);
    mkdir_p(l1 + "/s", 0755);
    put_file(l1 + "/s/evil", "x");
    REQUIRE(::mknod((l1 + "/s2").c_str(), S_IFCHR, 0) == 0);  // whiteout of the link itself
    std::string v = t.path + "/vfs";
    vfs_create({l0, l1}, v);
    CHECK(list_dir(sentinel).empty());
    auto s = snapshot(v);
    CHECK(s["s"].type == 'd');
    CHECK(s["s/evil"].content == "x");
    CHECK(s.count("s2") == 0);
}
