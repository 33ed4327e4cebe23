#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <thread>

#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/layer.hpp"
#include "layer_fixture.hpp"

using namespace conman;
using namespace layer_fixture;

namespace {

// security.capability v2 granting cap_net_raw (bit 13), effective.
std::string net_raw_cap() {
    uint32_t v[5] = {0x02000001, 1u << 13, 0, 0, 0};
    return std::string(reinterpret_cast<const char*>(v), sizeof v);
}

std::vector<Ent> rich_layer() {
    Ent passwd = F("./etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    passwd.mtime = 1600000000;
    passwd.mtime_nsec = 123456789;
    Ent su = F("usr/bin/su", "su-binary", 04755);
    Ent wall = F("usr/bin/wall", "wall", 02755);
    wall.gid = 5;
    Ent home = D("home/user", 0700);
    home.uid = 1000;
    home.gid = 1000;
    Ent f = F("home/user/f", "private", 0600);
    f.uid = 1000;
    f.gid = 1001;
    Ent ping = F("bin/ping", "ping", 0755);
    ping.xattrs = {{"security.capability", net_raw_cap()}, {"user.note", "hello"}, {"trusted.t", "v"}};
    Ent devnull;
    devnull.name = "dev/null";
    devnull.type = 'c';
    devnull.mode = 0666;
    devnull.rmajor = 1;
    devnull.rminor = 3;
    Ent sda;
    sda.name = "dev/sda";
    sda.type = 'b';
    sda.mode = 0660;
    sda.gid = 6;
    sda.rmajor = 8;
    Ent fifo;
    fifo.name = "run/fifo";
    fifo.type = 'p';
    fifo.mode = 0600;
    Ent sneaky = D("sneaky");
    sneaky.xattrs = {{"trusted.overlay.redirect", "/etc"}, {"user.kept", "1"}};
    return {D("./"), D("etc"), passwd, D("usr"), D("usr/bin"), su, wall, H("usr/bin/sudo", "usr/bin/su"),
            D("tmp", 01777), D("home"), home, f, D("bin"), ping, L("bin/sh", "/bin/busybox"),
            L("lib", "usr/lib"), L("dangling", "../../nowhere"), D("dev"), devnull, sda, D("run"), fifo,
            F(".wh.gone", ""), F("etc/.wh.old", ""), D("opq"), F("opq/.wh..wh..opq", ""), F("opq/keep", "k"),
            F(".wh..wh.plnk", ""), sneaky, F("caf\xc3\xa9/na\xc3\xafve.txt", "utf8")};
}

void check_rich(const std::string& d) {
    struct stat st;
    REQUIRE(get_file(d + "/etc/passwd") == "root:x:0:0::/root:/bin/sh\n");
    REQUIRE(::lstat((d + "/etc/passwd").c_str(), &st) == 0);
    CHECK(st.st_mtim.tv_sec == 1600000000);
    CHECK(st.st_mtim.tv_nsec == 123456789);
    REQUIRE(::lstat((d + "/usr/bin/su").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 04755);
    CHECK(st.st_nlink == 2);
    struct stat st2;
    REQUIRE(::lstat((d + "/usr/bin/sudo").c_str(), &st2) == 0);
    CHECK(st2.st_ino == st.st_ino);
    REQUIRE(::lstat((d + "/usr/bin/wall").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 02755);
    CHECK(st.st_gid == 5);
    REQUIRE(::lstat((d + "/tmp").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 01777);
    REQUIRE(::lstat((d + "/home/user").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
    CHECK(st.st_uid == 1000);
    CHECK(st.st_gid == 1000);
    REQUIRE(::lstat((d + "/home/user/f").c_str(), &st) == 0);
    CHECK(st.st_uid == 1000);
    CHECK(st.st_gid == 1001);
    CHECK((st.st_mode & 07777) == 0600);
    auto x = xattrs_of(d + "/bin/ping", true);
    CHECK(x["security.capability"] == net_raw_cap());
    CHECK(x["user.note"] == "hello");
    CHECK(x["trusted.t"] == "v");
    auto sx = xattrs_of(d + "/sneaky", true);
    CHECK(sx.count("trusted.overlay.redirect") == 0);
    CHECK(sx["user.kept"] == "1");
    auto snap = snapshot(d);
    CHECK(snap["bin/sh"].type == 'l');
    CHECK(snap["bin/sh"].content == "/bin/busybox");
    CHECK(snap["lib"].content == "usr/lib");
    CHECK(snap["dangling"].content == "../../nowhere");
    CHECK(snap["dev/null"].type == 'c');
    CHECK(snap["dev/null"].rmajor == 1);
    CHECK(snap["dev/null"].rminor == 3);
    CHECK(snap["dev/null"].mode == 0666);
    CHECK(snap["dev/sda"].type == 'b');
    CHECK(snap["dev/sda"].gid == 6);
    CHECK(snap["run/fifo"].type == 'p');
    // Whiteouts in overlay form, markers hidden.
    CHECK(snap["gone"].type == 'c');
    CHECK(snap["gone"].rmajor == 0);
    CHECK(snap["gone"].rminor == 0);
    CHECK(snap["etc/old"].type == 'c');
    CHECK(snap.count(".wh.gone") == 0);
    CHECK(snap.count("etc/.wh.old") == 0);
    CHECK(snap.count("opq/.wh..wh..opq") == 0);
    CHECK(snap.count(".wh..wh.plnk") == 0);
    CHECK(snap.count("plnk") == 0);
    CHECK(snap["opq"].xattrs["trusted.overlay.opaque"] == "y");
    CHECK(snap["opq/keep"].content == "k");
    CHECK(snap["caf\xc3\xa9/na\xc3\xafve.txt"].content == "utf8");
}

// Every path below dir and the sentinel: the sentinel must stay empty.
void require_empty(const std::string& dir) { REQUIRE(list_dir(dir).empty()); }

bool tmp_has_evil() {
    for (auto& n : list_dir("/tmp"))
        if (n.find("conman-evil") != std::string::npos) return true;
    auto root = list_dir("/");
    return std::find(root.begin(), root.end(), "conman-evil") != root.end();
}

}  // namespace

TEST_CASE("layer: plain, gzip and zstd layers extract exactly", "[layer]") {
    TmpDir t;
    std::string tar = make_tar(rich_layer());
    std::string want = "sha256:" + sha256_hex(tar);
    struct Variant {
        const char* name;
        std::string blob;
    };
    std::vector<Variant> variants = {{"plain", tar},
                                     {"gzip", gzip(tar)},
                                     {"gzip-3-members", gzip(tar, 3)},
                                     {"zstd", zstd(tar)},
                                     {"zstd-frames-skippable", zstd(tar, 4, true)}};
    for (auto& v : variants) {
        SECTION(v.name) {
            std::string blob = t.path + "/blob";
            put_file(blob, v.blob);
            std::string dest = t.sub("dest");
            LayerStats s = extract_layer(blob, dest, want);
            CHECK(s.diff_id == want);
            CHECK(s.size == static_cast<int64_t>(tar.size()));
            CHECK(compute_diff_id(blob) == want);
            check_rich(dest);
        }
    }
}

TEST_CASE("layer: threads unpacking at once each get their own result", "[layer]") {
    // The unpackers of parallel workers come from one unpack server; each
    // report must reach the thread that asked, the failure only its owner.
    TmpDir t;
    start_unpack_server();
    constexpr int kThreads = 6;
    std::vector<std::string> blobs, dests;
    for (int i = 0; i < kThreads; ++i) {
        std::string body = i == 3 ? std::string() : std::string(200000 + i, static_cast<char>('a' + i));
        std::string tar = make_tar({D("d"), F("d/f" + std::to_string(i), body)});
        if (i == 3) tar.resize(700);  // truncated inside the first file's data
        blobs.push_back(t.path + "/blob" + std::to_string(i));
        put_file(blobs.back(), gzip(tar));
        dests.push_back(t.sub("dest" + std::to_string(i)));
    }
    std::vector<std::string> results(kThreads);
    std::vector<std::thread> pool;
    for (int i = 0; i < kThreads; ++i)
        pool.emplace_back([&, i] {
            try {
                extract_layer(blobs[i], dests[i], "");
                results[i] = "ok";
            } catch (const Error& e) {
                results[i] = e.what();
            }
        });
    for (auto& th : pool) th.join();
    for (int i = 0; i < kThreads; ++i) {
        INFO("layer " << i << ": " << results[i]);
        if (i == 3) {
            CHECK_THAT(results[i], Catch::Contains("blob3"));
            CHECK(list_dir(dests[i]).empty());
        } else {
            CHECK(results[i] == "ok");
            CHECK(read_file(dests[i] + "/d/f" + std::to_string(i)) == std::string(200000 + i, static_cast<char>('a' + i)));
        }
    }
}

TEST_CASE("layer: rootless mode marks opaque dirs with user.overlay.opaque", "[layer]") {
    TmpDir t;
    std::string blob = tar_file(t.path, "blob", {D("o"), F("o/.wh..wh..opq", ""), F("o/x", "1")});
    std::string dest = t.sub("dest");
    extract_layer(blob, dest, "", true);
    auto x = xattrs_of(dest + "/o", true);
    CHECK(x["user.overlay.opaque"] == "y");
    CHECK(x.count("trusted.overlay.opaque") == 0);
}

TEST_CASE("layer: diff_id covers trailing data after the tar end", "[layer]") {
    TmpDir t;
    std::string tar = make_tar({F("a", "1")}) + std::string(8192, '\0');
    std::string blob = t.path + "/blob";
    put_file(blob, gzip(tar));
    std::string dest = t.sub("dest");
    auto s = extract_layer(blob, dest, "");
    CHECK(s.diff_id == "sha256:" + sha256_hex(tar));
    CHECK(s.size == static_cast<int64_t>(tar.size()));
}

TEST_CASE("layer: diff_id mismatch, truncated and corrupt blobs are rejected, dest emptied", "[layer]") {
    TmpDir t;
    std::string tar = make_tar(rich_layer());
    std::string blob = t.path + "/blob";
    std::string dest = t.sub("dest");
    SECTION("mismatch") {
        put_file(blob, gzip(tar));
        std::string wrong = "sha256:" + std::string(64, '0');
        try {
            extract_layer(blob, dest, wrong);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK_THAT(e.what(), Catch::Contains("diff_id mismatch for layer"));
            CHECK_THAT(e.what(), Catch::Contains(wrong));
        }
    }
    SECTION("truncated gzip") {
        std::string gz = gzip(tar);
        put_file(blob, gz.substr(0, gz.size() * 2 / 3));
        REQUIRE_THROWS_WITH(extract_layer(blob, dest, ""), Catch::Contains("unexpected end"));
    }
    SECTION("gzip without its trailer") {
        std::string gz = gzip(tar);
        put_file(blob, gz.substr(0, gz.size() - 4));
        REQUIRE_THROWS_AS(extract_layer(blob, dest, ""), Error);
    }
    SECTION("garbage after a gzip member") {
        put_file(blob, gzip(tar) + "garbage!");
        REQUIRE_THROWS_AS(extract_layer(blob, dest, ""), Error);
    }
    SECTION("truncated zstd") {
        std::string z = zstd(tar);
        put_file(blob, z.substr(0, z.size() / 2));
        REQUIRE_THROWS_WITH(extract_layer(blob, dest, ""), Catch::Contains("zstd"));
    }
    SECTION("truncated tar") {
        put_file(blob, tar.substr(0, 700));
        REQUIRE_THROWS_AS(extract_layer(blob, dest, ""), Error);
    }
    require_empty(dest);
}

TEST_CASE("layer: destination must exist and be empty", "[layer]") {
    TmpDir t;
    std::string blob = tar_file(t.path, "blob", {F("a", "1")});
    REQUIRE_THROWS_AS(extract_layer(blob, t.path + "/missing", ""), Error);
    std::string dest = t.sub("dest");
    put_file(dest + "/x", "");
    REQUIRE_THROWS_WITH(extract_layer(blob, dest, ""), Catch::Contains("not empty"));
    CHECK(path_exists(dest + "/x"));  // a refused destination is not touched
}

TEST_CASE("layer: hostile entries are rejected and nothing lands outside", "[layer]") {
    struct Case {
        const char* what;
        std::vector<Ent> ents;
        std::string entry;   // the entry the error must name
        std::string reason;  // part of the reason
    };
    TmpDir t;
    std::string sentinel = t.sub("sentinel");
    std::vector<Case> cases = {
        {"dotdot", {F("../escape", "x")}, "../escape", "path escapes the layer"},
        {"dotdot deep", {D("a"), F("a/../../conman-evil", "x")}, "a/../../conman-evil", "path escapes the layer"},
        {"absolute", {F("/tmp/conman-evil-abs", "x")}, "/tmp/conman-evil-abs", "absolute path"},
        {"symlink to / then write", {L("s", "/"), F("s/tmp/conman-evil-1", "x")}, "s/tmp/conman-evil-1",
         "path goes through symlink"},
        {"symlink to .. then write", {L("s", ".."), F("s/sentinel/evil", "x")}, "s/sentinel/evil",
         "path goes through symlink"},
        {"symlink to sentinel then write", {L("s", sentinel), F("s/evil", "x")}, "s/evil", "through symlink"},
        {"symlink then dir below", {L("s", sentinel), D("s/sub")}, "s/sub/", "through symlink"},
        {"dir replaced by symlink then write", {D("a"), L("a", sentinel), F("a/x", "x")}, "a/x",
         "through symlink"},
        {"hardlink through symlink", {F("x", "1"), L("s", "/etc"), H("h", "s/passwd")}, "h",
         "not an earlier entry"},
        {"hardlink placed through symlink", {F("x", "1"), L("s", sentinel), H("s/h", "x")}, "s/h",
         "through symlink"},
        {"hardlink to dotdot", {H("h", "../x")}, "h", "escapes the layer"},
        {"hardlink to absolute", {H("h", "/etc/passwd")}, "h", "absolute path"},
        {"hardlink to later entry", {H("h", "x"), F("x", "1")}, "h", "not an earlier entry"},
        {"hardlink to dir", {D("d"), H("h", "d")}, "h", "is a directory"},
        {"whiteout with dotdot", {F("../.wh.x", "")}, "../.wh.x", "escapes the layer"},
        {"whiteout of dotdot", {D("d"), F("d/.wh...", "")}, "d/.wh...", "escapes"},
        {"whiteout through symlink", {L("s", sentinel), F("s/.wh.evil", "")}, "s/.wh.evil", "through symlink"},
        {"opaque through symlink", {L("s", sentinel), F("s/.wh..wh..opq", "")}, "s/.wh..wh..opq",
         "through symlink"},
        {"empty whiteout", {F(".wh.", "")}, ".wh.", "whiteout without a name"},
        {"file as parent", {F("f", "1"), F("f/x", "2")}, "f/x", "not a directory"},
    };
    for (auto& c : cases) {
        SECTION(c.what) {
            std::string blob = tar_file(t.path, "blob", c.ents);
            std::string dest = t.sub("dest");
            std::string msg;
            try {
                extract_layer(blob, dest, "");
            } catch (const Error& e) {
                msg = e.what();
            }
            INFO(msg);
            CHECK_THAT(msg, Catch::Contains(fmt::format("entry \"{}\"", c.entry)));
            CHECK_THAT(msg, Catch::Contains(c.reason));
            CHECK_THAT(msg, Catch::StartsWith("layer "));
            require_empty(dest);
            require_empty(sentinel);
            CHECK_FALSE(tmp_has_evil());
            CHECK_FALSE(path_exists(t.path + "/escape"));
            CHECK_FALSE(path_exists(t.path + "/conman-evil"));
            CHECK(list_dir(t.path).size() == 3);  // blob, sentinel, dest
        }
    }
}

TEST_CASE("layer: a symlink replaced by a file and same-layer whiteout rules", "[layer]") {
    TmpDir t;
    std::string sentinel = t.sub("sentinel");
    put_file(sentinel + "/keep", "k");
    // Replacing a symlink by a file must replace the link, not write through it.
    std::string blob = tar_file(t.path, "blob",
                                {L("s", sentinel + "/keep"), F("s", "new"), F("x", "same layer"), F(".wh.x", "")});
    std::string dest = t.sub("dest");
    extract_layer(blob, dest, "");
    CHECK(get_file(sentinel + "/keep") == "k");
    auto snap = snapshot(dest);
    CHECK(snap["s"].type == 'f');
    CHECK(snap["s"].content == "new");
    CHECK(snap["x"].type == 'f');  // a whiteout only hides lower layers
}

TEST_CASE("layer: write_layer_tar round-trips an overlay-form tree", "[layer]") {
    TmpDir t;
    std::string blob = tar_file(t.path, "blob", rich_layer());
    std::string d1 = t.sub("d1");
    extract_layer(blob, d1, "");
    for (bool gz : {false, true}) {
        std::string out = t.path + (gz ? "/out.tar.gz" : "/out.tar");
        LayerStats s = write_layer_tar(d1, out, gz);
        CHECK(compute_diff_id(out) == s.diff_id);
        std::string d2 = t.sub(gz ? "d2gz" : "d2");
        LayerStats s2 = extract_layer(out, d2, s.diff_id);
        CHECK(s2.size == s.size);
        auto a = snapshot(d1), b = snapshot(d2);
        for (auto& [k, v] : a) {
            INFO(k);
            REQUIRE(b.count(k) == 1);
            CHECK(b[k] == v);
        }
        CHECK(a.size() == b.size());
        CHECK(b["gone"].type == 'c');
        CHECK(b["opq"].xattrs["trusted.overlay.opaque"] == "y");
        // Deterministic, and gzip does not change the diff_id.
        CHECK(write_layer_tar(d1, t.path + "/again.tar", false).diff_id == s.diff_id);
    }
}

TEST_CASE("layer: extraction throughput of a ~100 MB gzip layer", "[.][layer-bench]") {
    TmpDir t;
    std::vector<Ent> ents{D("data")};
    std::string chunk;
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 1 << 20; ++i) {  // 1 MiB of half-compressible bytes
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        chunk += (i & 1) ? static_cast<char>(x) : 'a';
    }
    for (int i = 0; i < 100; ++i) ents.push_back(F(fmt::format("data/f{:03}", i), chunk));
    for (int i = 0; i < 2000; ++i) ents.push_back(F(fmt::format("data/small{:04}", i), "tiny file"));
    std::string tar = make_tar(ents);
    std::string blob = t.path + "/blob";
    put_file(blob, gzip(tar));
    std::string dest = t.sub("dest");
    auto t0 = std::chrono::steady_clock::now();
    auto s = extract_layer(blob, dest, "");
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("extracted %.1f MB (gzip) in %.2f s: %.0f MB/s\n", s.size / 1e6, secs, s.size / 1e6 / secs);
    put_file(blob, tar);
    remove_all(dest);
    dest = t.sub("dest");
    t0 = std::chrono::steady_clock::now();
    s = extract_layer(blob, dest, "");
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("extracted %.1f MB (plain) in %.2f s: %.0f MB/s\n", s.size / 1e6, secs, s.size / 1e6 / secs);
}
