// The events log: line format round trip, O_APPEND writer, filters and the
// printed forms.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/fs.hpp"
#include "test_util.hpp"

using namespace conman;

namespace {
Event sample() {
    Event e = container_event("start", std::string(64, 'a'), "web", "docker.io/library/alpine:latest",
                              {{"tier", "front"}});
    e.time = 1700000000123456789;
    return e;
}
}  // namespace

TEST_CASE("an event line round-trips and stays one line") {
    Event e = sample();
    e.name = "we\nird";
    e.exit_code = 137;
    std::string line = encode_event(e);
    CHECK(line.find('\n') == std::string::npos);
    auto back = decode_event(line);
    REQUIRE(back);
    CHECK(back->time == e.time);
    CHECK(back->type == "container");
    CHECK(back->status == "start");
    CHECK(back->name == "we\nird");
    CHECK(back->image == e.image);
    CHECK(back->attributes.at("tier") == "front");
    CHECK(back->exit_code == 137);
    CHECK_FALSE(decode_event("{\"time\":1,\"type\":\"container\""));  // torn
    CHECK_FALSE(decode_event("not json"));
    CHECK_FALSE(decode_event("{\"type\":\"container\"}"));
}

TEST_CASE("concurrent appends never interleave lines") {
    TempDir dir;
    std::string path = dir.path + "/events/events.log";
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                Event e = sample();
                e.name = std::string(300, static_cast<char>('a' + t));
                append_event(path, e);
            }
        });
    }
    for (auto& th : threads) th.join();
    std::string text = read_file(path);
    size_t lines = 0, start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        REQUIRE(nl != std::string::npos);
        auto e = decode_event(text.substr(start, nl - start));
        REQUIRE(e);
        CHECK(e->name.find_first_not_of(e->name[0]) == std::string::npos);
        ++lines;
        start = nl + 1;
    }
    CHECK(lines == 800);
}

TEST_CASE("filters: same key ORs, different keys AND") {
    Event e = sample();
    auto m = [&](std::vector<std::string> f) { return EventFilter::parse(f).matches(e); };
    CHECK(m({}));
    CHECK(m({"event=start"}));
    CHECK(m({"status=start"}));
    CHECK_FALSE(m({"event=stop"}));
    CHECK(m({"event=stop", "event=start"}));
    CHECK(m({"container=web", "event=start"}));
    CHECK_FALSE(m({"container=db", "event=start"}));
    CHECK(m({"container=aaaa"}));  // ID prefix
    CHECK(m({"type=container"}));
    CHECK_FALSE(m({"type=image"}));
    CHECK(m({"image=alpine"}));
    CHECK(m({"image=alpine:latest"}));
    CHECK(m({"image=docker.io/library/alpine:latest"}));
    CHECK_FALSE(m({"image=busybox"}));
    CHECK(m({"label=tier"}));
    CHECK(m({"label=tier=front"}));
    CHECK_FALSE(m({"label=tier=back"}));
    CHECK_THROWS_AS(EventFilter::parse({"bogus=1"}), Error);
    CHECK_THROWS_AS(EventFilter::parse({"event"}), Error);
}

TEST_CASE("events print as podman's line and JSON") {
    setenv("TZ", "UTC", 1);
    tzset();
    Event e = sample();
    CHECK(go_time_string(e.time) == "2023-11-14 22:13:20.123456789 +0000 UTC");
    CHECK(go_time_string(1700000000000000000) == "2023-11-14 22:13:20 +0000 UTC");
    CHECK(event_human(e) == "2023-11-14 22:13:20.123456789 +0000 UTC container start " + std::string(64, 'a') +
                                " (image=docker.io/library/alpine:latest, name=web, tier=front)");
    auto j = event_json(e);
    CHECK(j["Status"] == "start");
    CHECK(j["Type"] == "container");
    CHECK(j["Name"] == "web");
    CHECK(j["Time"] == 1700000000);
    CHECK(j["timeNano"] == 1700000000123456789);
    CHECK(j["Attributes"]["tier"] == "front");
    Event img;
    img.time = e.time;
    img.type = "image";
    img.status = "tag";
    img.id = "abc";
    img.name = "localhost/x:latest";
    CHECK(event_human(img) == "2023-11-14 22:13:20.123456789 +0000 UTC image tag abc localhost/x:latest");
}
