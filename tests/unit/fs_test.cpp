#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "test_util.hpp"

using namespace conman;

TEST_CASE("atomic_write replaces content and leaves no temp files") {
    TempDir d;
    std::string p = d.path + "/rec.json";
    atomic_write(p, "one");
    atomic_write(p, "two");
    REQUIRE(read_file(p) == "two");
    REQUIRE(list_dir(d.path) == std::vector<std::string>{"rec.json"});
    struct stat st;
    REQUIRE(::stat(p.c_str(), &st) == 0);
    REQUIRE((st.st_mode & 0777) == 0600);
}

TEST_CASE("read_file on a missing file is NotFound naming the path") {
    TempDir d;
    try {
        read_file(d.path + "/nope");
        FAIL("expected an error");
    } catch (const Error& e) {
        REQUIRE(e.kind() == ErrorKind::NotFound);
        REQUIRE(std::string(e.what()).find(d.path + "/nope") != std::string::npos);
    }
    REQUIRE_FALSE(read_file_if_exists(d.path + "/nope"));
}

TEST_CASE("mkdir_p and remove_all handle nested trees and symlinks") {
    TempDir d;
    mkdir_p(d.path + "/a/b/c");
    atomic_write(d.path + "/a/b/c/f", "x");
    TempDir outside;
    atomic_write(outside.path + "/keep", "k");
    REQUIRE(::symlink(outside.path.c_str(), (d.path + "/a/link").c_str()) == 0);
    remove_all(d.path + "/a");
    REQUIRE_FALSE(path_exists(d.path + "/a"));
    REQUIRE(read_file(outside.path + "/keep") == "k");  // the link was not followed
    remove_all(d.path + "/missing");                  // no error
}

TEST_CASE("path helpers") {
    REQUIRE(dirname_of("/a/b") == "/a");
    REQUIRE(dirname_of("/a") == "/");
    REQUIRE(dirname_of("a") == ".");
    REQUIRE(join_path("/a/", "b") == "/a/b");
    REQUIRE(absolute_path("/x") == "/x");
    REQUIRE(absolute_path("x").front() == '/');
}
