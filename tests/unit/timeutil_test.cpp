#include <catch2/catch.hpp>

#include "conman/timeutil.hpp"

using namespace conman;

TEST_CASE("RFC 3339 nano round-trips") {
    int64_t t = 1763888360298304783LL;
    auto s = format_rfc3339nano(t);
    REQUIRE(s.size() == 35);
    REQUIRE(s[10] == 'T');
    REQUIRE(parse_rfc3339(s) == t);
}

TEST_CASE("RFC 3339 parsing accepts Z, offsets and short fractions, rejects junk") {
    REQUIRE(parse_rfc3339("1970-01-01T00:00:01Z") == 1000000000LL);
    REQUIRE(parse_rfc3339("1970-01-01T01:00:01+01:00") == 1000000000LL);
    REQUIRE(parse_rfc3339("1970-01-01T00:00:01.5Z") == 1500000000LL);
    REQUIRE_FALSE(parse_rfc3339("1970-01-01"));
    REQUIRE_FALSE(parse_rfc3339("1970-13-01T00:00:00Z"));
    REQUIRE_FALSE(parse_rfc3339("1970-01-01T00:00:00"));
    REQUIRE_FALSE(parse_rfc3339("garbage"));
    // Past 2262 the nanoseconds overflow int64 (found by fuzz_k8s_log).
    REQUIRE_FALSE(parse_rfc3339("7731-02-03T04:05:06Z"));
    REQUIRE_FALSE(parse_rfc3339("1000-01-01T00:00:00Z"));
    REQUIRE(parse_rfc3339("2262-04-11T23:47:16Z") == 9223372036000000000LL);
}

TEST_CASE("--since accepts durations, Unix times and dates") {
    int64_t now = 1000LL * 1000000000;
    REQUIRE(parse_time_or_duration("10s", now) == now - 10LL * 1000000000);
    REQUIRE(parse_time_or_duration("1m30s", now) == now - 90LL * 1000000000);
    REQUIRE(parse_time_or_duration("500", now) == 500LL * 1000000000);
    REQUIRE(parse_time_or_duration("1970-01-02", now) == 86400LL * 1000000000);
    REQUIRE_FALSE(parse_time_or_duration("10x", now));
    REQUIRE_FALSE(parse_time_or_duration("", now));
}

TEST_CASE("human durations read like podman's") {
    const int64_t s = 1000000000;
    REQUIRE(human_duration(0) == "Less than a second");
    REQUIRE(human_duration(1 * s) == "1 second");
    REQUIRE(human_duration(5 * s) == "5 seconds");
    REQUIRE(human_duration(65 * s) == "About a minute");
    REQUIRE(human_duration(600 * s) == "10 minutes");
    REQUIRE(human_duration(3700 * s) == "About an hour");
    REQUIRE(human_duration(3 * 3600 * s) == "3 hours");
}
