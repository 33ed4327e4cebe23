#include <catch2/catch.hpp>
#include <set>

#include "conman/names.hpp"

using namespace conman;

TEST_CASE("IDs are 64 lowercase hex and distinct") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        auto id = new_container_id();
        REQUIRE(id.size() == 64);
        REQUIRE(looks_like_id_prefix(id));
        seen.insert(id);
    }
    REQUIRE(seen.size() == 100);
    REQUIRE(short_id(*seen.begin()).size() == 12);
}

TEST_CASE("generated names are adjective_noun and valid") {
    for (int i = 0; i < 50; ++i) {
        auto n = random_name();
        REQUIRE(n.find('_') != std::string::npos);
        REQUIRE(valid_name(n));
    }
}

TEST_CASE("name validation follows podman's rule") {
    REQUIRE(valid_name("web"));
    REQUIRE(valid_name("a.b-c_d9"));
    REQUIRE(valid_name("9lives"));
    REQUIRE_FALSE(valid_name(""));
    REQUIRE_FALSE(valid_name("-x"));
    REQUIRE_FALSE(valid_name("_x"));
    REQUIRE_FALSE(valid_name("a/b"));
    REQUIRE_FALSE(valid_name("a b"));
    REQUIRE_FALSE(looks_like_id_prefix("ABC"));
    REQUIRE_FALSE(looks_like_id_prefix(""));
    REQUIRE(looks_like_id_prefix("abc123"));
}
