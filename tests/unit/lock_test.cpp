#include <catch2/catch.hpp>
#include <chrono>

#include "conman/error.hpp"
#include "conman/lock.hpp"
#include "test_util.hpp"

using namespace conman;

TEST_CASE("exclusive lock excludes and times out with a clear error") {
    TempDir d;
    std::string p = d.path + "/lock";
    FileLock held(p, FileLock::Mode::Exclusive, 1000);
    REQUIRE(held.locked());
    REQUIRE(is_locked_by_other(p));
    REQUIRE_FALSE(FileLock::try_lock(p, FileLock::Mode::Exclusive).locked());
    auto t0 = std::chrono::steady_clock::now();
    try {
        FileLock second(p, FileLock::Mode::Exclusive, 150);
        FAIL("expected a timeout");
    } catch (const Error& e) {
        REQUIRE(std::string(e.what()).find("timed out") != std::string::npos);
        REQUIRE(std::string(e.what()).find(p) != std::string::npos);
    }
    REQUIRE(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(150));
    held.unlock();
    REQUIRE_FALSE(is_locked_by_other(p));
    REQUIRE(FileLock::try_lock(p, FileLock::Mode::Exclusive).locked());
}

TEST_CASE("shared locks coexist, exclusive waits for them") {
    TempDir d;
    std::string p = d.path + "/lock";
    FileLock a(p, FileLock::Mode::Shared, 1000);
    FileLock b(p, FileLock::Mode::Shared, 1000);
    REQUIRE(a.locked());
    REQUIRE(b.locked());
    REQUIRE_FALSE(FileLock::try_lock(p, FileLock::Mode::Exclusive).locked());
}

TEST_CASE("no lock file means not locked") {
    TempDir d;
    REQUIRE_FALSE(is_locked_by_other(d.path + "/none"));
}
