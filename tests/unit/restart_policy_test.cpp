// Restart policy parsing and decisions, and the sd_notify relay filter.
#include <catch2/catch.hpp>

#include "conman/error.hpp"
#include "conman/restart_policy.hpp"

using namespace conman;

TEST_CASE("restart policies parse as podman spells them") {
    REQUIRE(parse_restart_policy("").name == "no");
    REQUIRE(parse_restart_policy("no").name == "no");
    REQUIRE(parse_restart_policy("always").name == "always");
    REQUIRE(parse_restart_policy("unless-stopped").name == "unless-stopped");
    auto p = parse_restart_policy("on-failure");
    REQUIRE(p.name == "on-failure");
    REQUIRE(p.max_retries == 0);
    p = parse_restart_policy("on-failure:3");
    REQUIRE(p.name == "on-failure");
    REQUIRE(p.max_retries == 3);
    REQUIRE(format_restart_policy(p) == "on-failure:3");
    REQUIRE(format_restart_policy(parse_restart_policy("always")) == "always");
    REQUIRE(format_restart_policy(parse_restart_policy("on-failure:0")) == "on-failure");
}

TEST_CASE("bad restart policies are usage errors") {
    for (const char* bad : {"sometimes", "always:3", "no:1", "on-failure:", "on-failure:x", "on-failure:-1",
                            "on-failure:2x", "ALWAYS", "unless-stopped:1"}) {
        INFO(bad);
        try {
            parse_restart_policy(bad);
            FAIL("accepted");
        } catch (const Error& e) {
            REQUIRE(e.kind() == ErrorKind::Usage);
            REQUIRE(std::string(e.what()).find(bad) != std::string::npos);
        }
    }
}

TEST_CASE("should_restart follows the policy, the retry limit and user stops") {
    auto p = [](const char* s) { return parse_restart_policy(s); };
    REQUIRE_FALSE(should_restart(p("no"), 1, 0, false));
    REQUIRE(should_restart(p("always"), 0, 100, false));
    REQUIRE(should_restart(p("always"), 137, 0, false));
    REQUIRE_FALSE(should_restart(p("always"), 0, 0, true));
    REQUIRE(should_restart(p("unless-stopped"), 0, 5, false));
    REQUIRE_FALSE(should_restart(p("unless-stopped"), 1, 0, true));
    REQUIRE_FALSE(should_restart(p("on-failure"), 0, 0, false));
    REQUIRE(should_restart(p("on-failure"), 1, 1000, false));
    REQUIRE(should_restart(p("on-failure:2"), 1, 0, false));
    REQUIRE(should_restart(p("on-failure:2"), 1, 1, false));
    REQUIRE_FALSE(should_restart(p("on-failure:2"), 1, 2, false));
    REQUIRE_FALSE(should_restart(p("on-failure:2"), 1, 0, true));
    REQUIRE(should_restart(p("on-failure"), -1, 0, false));  // status lost counts as a failure
}

TEST_CASE("restart backoff doubles from 100 ms up to 5 s") {
    REQUIRE(restart_backoff_ms(0) == 100);
    REQUIRE(restart_backoff_ms(1) == 200);
    REQUIRE(restart_backoff_ms(2) == 400);
    REQUIRE(restart_backoff_ms(5) == 3200);
    REQUIRE(restart_backoff_ms(6) == 5000);
    REQUIRE(restart_backoff_ms(1000) == 5000);
    REQUIRE(restart_backoff_ms(-3) == 100);
}

TEST_CASE("the notify relay keeps only what a container may tell systemd") {
    REQUIRE(filter_notify_message("READY=1") == "READY=1");
    REQUIRE(filter_notify_message("READY=1\nSTATUS=serving\n") == "READY=1\nSTATUS=serving");
    REQUIRE(filter_notify_message("MAINPID=1\nREADY=1\nFDSTORE=1") == "READY=1");
    REQUIRE(filter_notify_message("MAINPID=42") == "");
    REQUIRE(filter_notify_message("READY=10") == "");
    REQUIRE(filter_notify_message("x\nWATCHDOG=1\nSTOPPING=1\nERRNO=2") == "WATCHDOG=1\nSTOPPING=1\nERRNO=2");
    REQUIRE(filter_notify_message("") == "");
}
