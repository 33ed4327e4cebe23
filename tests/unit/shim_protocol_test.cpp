#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "conman/error.hpp"
#include "conman/shim_protocol.hpp"

using namespace conman;
using namespace conman::shim;

TEST_CASE("shim_protocol: sync message round trip") {
    SyncMessage ok;
    ok.pid = 42;
    ok.shim_pid = 41;
    std::string line = encode_sync(ok);
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    auto d = decode_sync(line);
    CHECK(d.pid == 42);
    CHECK(d.shim_pid == 41);
    CHECK(d.error.empty());

    SyncMessage bad;
    bad.error = "runc create failed: exec: \"nope\": executable file not found in $PATH";
    bad.runtime_stderr = "line1\nline2\n";
    line = encode_sync(bad);
    CHECK(line.find('\n') == line.size() - 1);  // embedded newlines are escaped
    d = decode_sync(line);
    CHECK(d.error == bad.error);
    CHECK(d.runtime_stderr == bad.runtime_stderr);
    CHECK(d.pid == 0);
}

TEST_CASE("shim_protocol: malformed sync messages throw") {
    CHECK_THROWS_AS(decode_sync(""), Error);
    CHECK_THROWS_AS(decode_sync("{"), Error);
    CHECK_THROWS_AS(decode_sync("[1]"), Error);
    CHECK_THROWS_AS(decode_sync(R"({"pid":"12"})"), Error);
    CHECK_THROWS_AS(decode_sync(R"({})"), Error);
    CHECK_THROWS_WITH(decode_sync(R"({"pid":1,"error":5})"), Catch::Contains("error"));
}

TEST_CASE("shim_protocol: exit record round trip and keys") {
    ExitRecord r{.exit_code = 137, .signal = 9, .exited_at = 1795432531244169982, .oom_killed = true,
                 .reason = "oom"};
    std::string j = encode_exit(r);
    for (auto key : {"exitCode", "signal", "exitedAt", "oomKilled", "reason"}) CHECK(j.find(key) != std::string::npos);
    auto d = decode_exit(j);
    CHECK(d.exit_code == 137);
    CHECK(d.signal == 9);
    CHECK(d.exited_at == r.exited_at);
    CHECK(d.oom_killed);
    CHECK(d.reason == "oom");
    auto minimal = decode_exit(R"({"exitCode":3})");
    CHECK(minimal.exit_code == 3);
    CHECK(minimal.signal == 0);
    CHECK_FALSE(minimal.oom_killed);
}

TEST_CASE("shim_protocol: malformed exit records throw") {
    CHECK_THROWS_AS(decode_exit("3"), Error);
    CHECK_THROWS_AS(decode_exit(R"({"signal":9})"), Error);
    CHECK_THROWS_AS(decode_exit(R"({"exitCode":"0"})"), Error);
    CHECK_THROWS_AS(decode_exit(R"({"exitCode":0,"oomKilled":1})"), Error);
    CHECK_THROWS_AS(decode_exit("{\"exitCode\":0"), Error);
}

TEST_CASE("shim_protocol: requests round trip") {
    Request a{.op = "attach", .stdin = true, .stdout = false, .stderr = true};
    auto d = decode_request(encode_request(a));
    CHECK(d.op == "attach");
    CHECK(d.stdin);
    CHECK_FALSE(d.stdout);
    CHECK(d.stderr);
    d = decode_request(encode_request(Request{.op = "kill", .signal = 15}));
    CHECK(d.op == "kill");
    CHECK(d.signal == 15);
    d = decode_request(encode_request(Request{.op = "resize", .rows = 40, .cols = 100}));
    CHECK(d.rows == 40);
    CHECK(d.cols == 100);
    d = decode_request(R"({"op":"wait"})");
    CHECK(d.op == "wait");
    CHECK(d.stdout);  // defaults
    CHECK_THROWS_AS(decode_request(R"({"signal":9})"), Error);
    // Found by fuzzing: a request nested 16000 levels deep (it fits in one
    // packet) overflowed the stack when "process" was copied and dumped.
    std::string deep = R"({"op":"exec","process":{"a":)" + std::string(16000, '[') + std::string(16000, ']') + "}}";
    CHECK_THROWS_WITH(decode_request(deep), Catch::Contains("nested more than 64 levels deep"));
    std::string ok = R"({"op":"exec","process":{"a":)" + std::string(62, '[') + std::string(62, ']') + "}}";
    CHECK(decode_request(ok).process_json.size() == 130);
    CHECK_THROWS_AS(decode_request(R"({"op":"kill","signal":"TERM"})"), Error);
    CHECK_THROWS_AS(decode_request("kill"), Error);
}

TEST_CASE("shim_protocol: replies") {
    CHECK(decode_reply(encode_reply("")).empty());
    CHECK(decode_reply(encode_reply("container is not running")) == "container is not running");
    CHECK_THROWS_AS(decode_reply("{}"), Error);
    CHECK_THROWS_AS(decode_reply("nope"), Error);
}

TEST_CASE("shim_protocol: packets carry the type in byte 0") {
    auto p = make_packet(Packet::Stdout, std::string("a\0b", 3));
    REQUIRE(p.size() == 4);
    CHECK(static_cast<uint8_t>(p[0]) == 0x02);
    CHECK(p.substr(1) == std::string("a\0b", 3));
    CHECK(make_packet(Packet::StdinClose, "") == std::string(1, '\x04'));
}

TEST_CASE("shim_protocol: shim argv round trip") {
    ShimArgs a;
    a.id = "abc";
    a.bundle = "/b";
    a.runtime = "/usr/sbin/runc";
    a.runtime_root = "/run/runc";
    a.log_path = "/l/ctr.log";
    a.exit_file = "/e/exit";
    a.socket_dir = "/run/c/abc";
    a.events_log = "/e/events/events.log";
    a.sync_fd = 5;
    a.stdin = true;
    a.runtime_args = {"--debug", "--systemd-cgroup"};
    a.exit_command = {"/usr/bin/conman", "container", "cleanup", "--", "abc"};
    auto argv = to_argv("/usr/libexec/conman/conman-shim", a);
    CHECK(argv[0] == "/usr/libexec/conman/conman-shim");
    auto b = parse_argv(std::vector<std::string>(argv.begin() + 1, argv.end()));
    CHECK(b.id == a.id);
    CHECK(b.bundle == a.bundle);
    CHECK(b.runtime == a.runtime);
    CHECK(b.runtime_root == a.runtime_root);
    CHECK(b.log_path == a.log_path);
    CHECK(b.exit_file == a.exit_file);
    CHECK(b.socket_dir == a.socket_dir);
    CHECK(b.events_log == a.events_log);
    CHECK(b.sync_fd == 5);
    CHECK(b.stdin);
    CHECK_FALSE(b.terminal);
    CHECK(b.runtime_args == a.runtime_args);
    CHECK(b.exit_command == a.exit_command);  // a "--" inside the exit command survives
}

TEST_CASE("shim_protocol: bad shim argv throws a usage error") {
    std::vector<std::string> base = {"--id", "x", "--bundle", "/b", "--runtime", "/r", "--log-path", "/l",
                                     "--exit-file", "/e", "--socket-dir", "/s"};
    CHECK_NOTHROW(parse_argv(base));
    auto with = [&](std::vector<std::string> extra) {
        auto v = base;
        v.insert(v.end(), extra.begin(), extra.end());
        return v;
    };
    CHECK_THROWS_AS(parse_argv(with({"--bogus"})), Error);
    CHECK_THROWS_AS(parse_argv(with({"--sync-fd"})), Error);
    CHECK_THROWS_AS(parse_argv(with({"--sync-fd", "x3"})), Error);
    CHECK_THROWS_AS(parse_argv({"--id", "x"}), Error);
    try {
        parse_argv(with({"--bogus"}));
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
    }
}

TEST_CASE("shim_protocol: exec request round trip") {
    Request r;
    r.op = "exec";
    r.process_json = R"({"args":["sh","-c","echo hi"],"cwd":"/","env":["A=1"]})";
    r.tty = true;
    r.stdin = true;
    r.detach = false;
    r.rows = 40;
    r.cols = 120;
    auto d = decode_request(encode_request(r));
    CHECK(d.op == "exec");
    CHECK(d.tty);
    CHECK(d.stdin);
    CHECK_FALSE(d.detach);
    CHECK(d.rows == 40);
    CHECK(d.cols == 120);
    auto p = nlohmann::json::parse(d.process_json);
    CHECK(p["args"][2] == "echo hi");
    CHECK(p["env"][0] == "A=1");
    d = decode_request(R"({"op":"exec","process":{"args":["true"]},"detach":true})");
    CHECK(d.detach);
    CHECK_FALSE(d.tty);
    CHECK_FALSE(d.stdin);
    CHECK_THROWS_AS(decode_request(R"({"op":"exec"})"), Error);
    CHECK_THROWS_AS(decode_request(R"({"op":"exec","process":["true"]})"), Error);
    CHECK_THROWS_AS(decode_request(R"({"op":"exec","process":{},"tty":1})"), Error);
}

TEST_CASE("shim_protocol: replies with a pid") {
    Reply ok;
    ok.pid = 4242;
    auto text = encode_reply(ok);
    CHECK(text == R"({"ok":true,"pid":4242})");
    auto d = decode_reply_full(text);
    CHECK(d.error.empty());
    CHECK(d.pid == 4242);
    CHECK(decode_reply(text).empty());  // the short form still reads it
    CHECK(encode_reply(Reply{}) == R"({"ok":true})");
    Reply bad;
    bad.error = R"(exec failed: exec: "nope": executable file not found in $PATH)";
    d = decode_reply_full(encode_reply(bad));
    CHECK(d.error == bad.error);
    CHECK(d.pid == 0);
    CHECK(decode_reply_full(R"({"ok":true})").pid == 0);
    CHECK_THROWS_AS(decode_reply_full(R"({"ok":true,"pid":"12"})"), Error);
    CHECK_THROWS_AS(decode_reply_full("{}"), Error);
}

TEST_CASE("shim_protocol: --terminal and --start survive the argv round trip") {
    ShimArgs a;
    a.id = "t";
    a.bundle = "/b";
    a.runtime = "/r";
    a.log_path = "/l";
    a.exit_file = "/e";
    a.socket_dir = "/s";
    a.terminal = true;
    a.start = true;
    a.attach_fd = 7;
    auto argv = to_argv("/shim", a);
    auto b = parse_argv(std::vector<std::string>(argv.begin() + 1, argv.end()));
    CHECK(b.terminal);
    CHECK(b.start);
    CHECK(b.attach_fd == 7);
    CHECK_FALSE(b.stdin);
}
