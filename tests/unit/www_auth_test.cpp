#include <catch2/catch.hpp>

#include "conman/www_auth.hpp"

using conman::parse_www_authenticate;

TEST_CASE("www-authenticate: bearer with registry params", "[www_auth]") {
    auto chs = parse_www_authenticate(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
    REQUIRE(chs.size() == 1);
    CHECK(chs[0].scheme == "bearer");
    CHECK(chs[0].param("realm") == "https://auth.docker.io/token");
    CHECK(chs[0].param("service") == "registry.docker.io");
    CHECK(chs[0].param("scope") == "repository:library/busybox:pull");
    CHECK(chs[0].param("missing").empty());
}

TEST_CASE("www-authenticate: insufficient_scope with comma inside quotes", "[www_auth]") {
    auto chs = parse_www_authenticate(
        R"(Bearer realm="http://127.0.0.1:1/token",service="s",scope="repository:a/b:pull,push",error="insufficient_scope")");
    REQUIRE(chs.size() == 1);
    CHECK(chs[0].param("scope") == "repository:a/b:pull,push");
    CHECK(chs[0].param("error") == "insufficient_scope");
}

TEST_CASE("www-authenticate: several challenges, case and spacing", "[www_auth]") {
    auto chs = parse_www_authenticate(R"(BASIC Realm="Registry Realm" , Bearer realm="https://x/t", service=reg)");
    REQUIRE(chs.size() == 2);
    CHECK(chs[0].scheme == "basic");
    CHECK(chs[0].param("realm") == "Registry Realm");
    CHECK(chs[1].scheme == "bearer");
    CHECK(chs[1].param("realm") == "https://x/t");
    CHECK(chs[1].param("service") == "reg");
}

TEST_CASE("www-authenticate: escapes in quoted strings", "[www_auth]") {
    auto chs = parse_www_authenticate(R"(Basic realm="a \"quoted\" \\ realm, with comma")");
    REQUIRE(chs.size() == 1);
    CHECK(chs[0].param("realm") == R"(a "quoted" \ realm, with comma)");
}

TEST_CASE("www-authenticate: bare scheme, token68 and unquoted scope", "[www_auth]") {
    auto chs = parse_www_authenticate("Negotiate, Basic");
    REQUIRE(chs.size() == 2);
    CHECK(chs[0].scheme == "negotiate");
    CHECK(chs[1].scheme == "basic");
    CHECK(chs[1].params.empty());

    chs = parse_www_authenticate("Foo abc123==, Bearer scope=repository:x/y:pull");
    REQUIRE(chs.size() == 2);
    CHECK(chs[0].params.empty());
    CHECK(chs[1].param("scope") == "repository:x/y:pull");
}

TEST_CASE("www-authenticate: malformed input gives nothing", "[www_auth]") {
    CHECK(parse_www_authenticate("").empty());
    CHECK(parse_www_authenticate(R"(Bearer realm="unterminated)").empty());
    CHECK(parse_www_authenticate(R"(="x")").empty());
    CHECK(parse_www_authenticate(R"(Bearer realm="a" junk"more")").empty());
    CHECK(parse_www_authenticate(R"(Bearer realm="x", =bad)").empty());
}
