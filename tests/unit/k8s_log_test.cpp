#include <catch2/catch.hpp>

#include "conman/k8s_log.hpp"
#include "conman/timeutil.hpp"

using namespace conman;
namespace kl = conman::k8s_log;

namespace {
const std::string kTs = "2026-11-23T08:19:20.298304783+00:00";
}

TEST_CASE("k8s_log: complete lines become F records with one timestamp") {
    std::string out;
    kl::append_chunk(out, kTs, false, "hello\nworld\n");
    CHECK(out == kTs + " stdout F hello\n" + kTs + " stdout F world\n");
}

TEST_CASE("k8s_log: a trailing piece without newline is a P record") {
    std::string out;
    kl::append_chunk(out, kTs, true, "a\npartial");
    CHECK(out == kTs + " stderr F a\n" + kTs + " stderr P partial\n");
}

TEST_CASE("k8s_log: empty lines and empty chunks") {
    std::string out;
    kl::append_chunk(out, kTs, false, "");
    CHECK(out.empty());
    kl::append_chunk(out, kTs, false, "\n\n");
    CHECK(out == kTs + " stdout F \n" + kTs + " stdout F \n");
}

TEST_CASE("k8s_log: format_chunk timestamps parse back to the same instant") {
    int64_t ns = 1795400000123456789;
    std::string out = kl::format_chunk(ns, false, "x\n");
    auto rec = kl::parse_line(out);
    REQUIRE(rec);
    CHECK(rec->ts_ns == ns);
    CHECK(rec->msg == "x");
    CHECK_FALSE(rec->partial);
    CHECK(out.substr(0, rec->ts.size()) == rec->ts);
    CHECK(kl::format_chunk(ns, false, "").empty());
}

TEST_CASE("k8s_log: parse_line reads every field") {
    auto r = kl::parse_line("2026-11-23T08:19:20.298304783+01:00 stderr P some text with  spaces ");
    REQUIRE(r);
    CHECK(r->is_stderr);
    CHECK(r->partial);
    CHECK(r->msg == "some text with  spaces ");
    CHECK(r->ts == "2026-11-23T08:19:20.298304783+01:00");
    CHECK(r->ts_ns == *parse_rfc3339("2026-11-23T07:19:20.298304783Z"));
    auto empty = kl::parse_line(kTs + " stdout F ");
    REQUIRE(empty);
    CHECK(empty->msg.empty());
    auto no_space = kl::parse_line(kTs + " stdout F");
    REQUIRE(no_space);
    CHECK(no_space->msg.empty());
}

TEST_CASE("k8s_log: malformed lines are rejected") {
    CHECK_FALSE(kl::parse_line(""));
    CHECK_FALSE(kl::parse_line("garbage"));
    CHECK_FALSE(kl::parse_line("not-a-time stdout F x"));
    CHECK_FALSE(kl::parse_line(kTs + " stdin F x"));
    CHECK_FALSE(kl::parse_line(kTs + " stdout X x"));
    CHECK_FALSE(kl::parse_line(kTs + " stdout FP x"));
    CHECK_FALSE(kl::parse_line(kTs + " stdout"));
    CHECK_FALSE(kl::parse_line(kTs + " stdout "));
}

TEST_CASE("k8s_log: parse joins partial records of the same stream") {
    std::string log;
    kl::append_chunk(log, kTs, false, "first par");
    kl::append_chunk(log, kTs, true, "err line\n");
    std::string ts2 = "2026-11-23T08:19:21.000000000+00:00";
    kl::append_chunk(log, ts2, false, "t\nnext\n");
    auto e = kl::parse(log);
    REQUIRE(e.size() == 3);
    CHECK(e[0].is_stderr);
    CHECK(e[0].text == "err line");
    CHECK_FALSE(e[1].is_stderr);
    CHECK(e[1].text == "first part");
    CHECK(e[1].ts == ts2);  // the record that completed the line
    CHECK(e[1].ends_with_newline);
    CHECK(e[2].text == "next");
}

TEST_CASE("k8s_log: a final partial line keeps its text without a newline (podman PR 14477)") {
    std::string log;
    kl::append_chunk(log, kTs, false, "done\nno newline");
    auto e = kl::parse(log);
    REQUIRE(e.size() == 2);
    CHECK(e[0].text == "done");
    CHECK(e[0].ends_with_newline);
    CHECK(e[1].text == "no newline");
    CHECK_FALSE(e[1].ends_with_newline);
}

TEST_CASE("k8s_log: long lines split over many chunks round-trip") {
    std::string line(3 * 8192 + 100, 'z');
    line[5000] = ' ';
    std::string log;
    for (size_t off = 0; off < line.size(); off += 8192) kl::append_chunk(log, kTs, false, line.substr(off, 8192));
    kl::append_chunk(log, kTs, false, "\n");
    auto e = kl::parse(log);
    REQUIRE(e.size() == 1);
    CHECK(e[0].text == line);
    CHECK(e[0].ends_with_newline);
}

TEST_CASE("k8s_log: parse skips malformed lines and tolerates a torn last line") {
    std::string log = kTs + " stdout F one\nthis is junk\n\n" + kTs + " stdout F two";
    auto e = kl::parse(log);
    REQUIRE(e.size() == 2);
    CHECK(e[0].text == "one");
    CHECK(e[1].text == "two");
}

TEST_CASE("k8s_log: arbitrary bytes survive a format/parse round trip") {
    std::string data = "tab\there\r\nbin\x01\x7f\xff end\n";
    auto e = kl::parse(kl::format_chunk(1700000000000000000, true, data));
    REQUIRE(e.size() == 2);
    CHECK(e[0].text == "tab\there\r");
    CHECK(e[1].text == "bin\x01\x7f\xff end");
    CHECK(e[1].is_stderr);
    CHECK(e[1].ts_ns == 1700000000000000000);
}
