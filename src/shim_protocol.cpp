#include "conman/shim_protocol.hpp"

#include <algorithm>
#include <cstddef>
#include <charconv>
#include <nlohmann/json.hpp>

#include "conman/error.hpp"

namespace conman::shim {

using nlohmann::json;

namespace {

// Deeper than any real message (an OCI process object is 4 levels): copying
// and dumping a json value recurse once per level, so a request nested
// thousands deep would overflow the stack instead of being refused.
constexpr int kMaxDepth = 64;

json parse_object(std::string_view text, std::string_view what) {
    int depth = 0;
    json j = json::parse(
        text, [&](int d, json::parse_event_t, json&) { depth = std::max(depth, d); return true; },
        /*allow_exceptions=*/false);
    if (j.is_discarded()) fail(ErrorKind::System, "malformed {}: not valid JSON", what);
    if (depth > kMaxDepth) fail(ErrorKind::System, "malformed {}: nested more than {} levels deep", what, kMaxDepth);
    if (!j.is_object()) fail(ErrorKind::System, "malformed {}: not a JSON object", what);
    return j;
}

// Reads an optional integer field; a present field of the wrong type is an error.
template <typename T>
void get_int(const json& j, const char* key, T& out, std::string_view what) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    if (!it->is_number_integer()) fail(ErrorKind::System, "malformed {}: \"{}\" is not an integer", what, key);
    out = it->get<T>();
}

void get_bool(const json& j, const char* key, bool& out, std::string_view what) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    if (!it->is_boolean()) fail(ErrorKind::System, "malformed {}: \"{}\" is not a boolean", what, key);
    out = it->get<bool>();
}

void get_string(const json& j, const char* key, std::string& out, std::string_view what) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    if (!it->is_string()) fail(ErrorKind::System, "malformed {}: \"{}\" is not a string", what, key);
    out = it->get<std::string>();
}

// Strings from runc may hold invalid UTF-8; replace it rather than throw.
std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string encode_sync(const SyncMessage& m) {
    json j = json::object();
    if (m.error.empty()) {
        j["pid"] = m.pid;
        j["shimPid"] = m.shim_pid;
    } else {
        j["error"] = m.error;
        if (!m.runtime_stderr.empty()) j["runtimeStderr"] = m.runtime_stderr;
    }
    return dump(j) + "\n";
}

SyncMessage decode_sync(std::string_view line) {
    constexpr std::string_view what = "shim sync message";
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    json j = parse_object(line, what);
    SyncMessage m;
    get_int(j, "pid", m.pid, what);
    get_int(j, "shimPid", m.shim_pid, what);
    get_string(j, "error", m.error, what);
    get_string(j, "runtimeStderr", m.runtime_stderr, what);
    if (m.error.empty() && m.pid <= 0)
        fail(ErrorKind::System, "malformed {}: neither a pid nor an error", what);
    return m;
}

std::string encode_exit(const ExitRecord& r) {
    json j = {{"exitCode", r.exit_code}, {"signal", r.signal}, {"exitedAt", r.exited_at},
              {"oomKilled", r.oom_killed}};
    if (!r.reason.empty()) j["reason"] = r.reason;
    return dump(j);
}

ExitRecord decode_exit(std::string_view text) {
    constexpr std::string_view what = "exit record";
    json j = parse_object(text, what);
    if (!j.contains("exitCode")) fail(ErrorKind::System, "malformed {}: no \"exitCode\"", what);
    ExitRecord r;
    get_int(j, "exitCode", r.exit_code, what);
    get_int(j, "signal", r.signal, what);
    get_int(j, "exitedAt", r.exited_at, what);
    get_bool(j, "oomKilled", r.oom_killed, what);
    get_string(j, "reason", r.reason, what);
    return r;
}

std::string encode_request(const Request& r) {
    json j = {{"op", r.op}};
    if (r.op == "attach") {
        j["stdin"] = r.stdin;
        j["stdout"] = r.stdout;
        j["stderr"] = r.stderr;
    } else if (r.op == "kill") {
        j["signal"] = r.signal;
    } else if (r.op == "resize") {
        j["rows"] = r.rows;
        j["cols"] = r.cols;
    } else if (r.op == "exec") {
        j["process"] = r.process_json.empty() ? json::object() : json::parse(r.process_json);
        j["tty"] = r.tty;
        j["stdin"] = r.stdin;
        j["detach"] = r.detach;
        j["rows"] = r.rows;
        j["cols"] = r.cols;
    }
    return dump(j);
}

Request decode_request(std::string_view text) {
    constexpr std::string_view what = "shim request";
    json j = parse_object(text, what);
    Request r;
    get_string(j, "op", r.op, what);
    if (r.op.empty()) fail(ErrorKind::Usage, "malformed {}: no \"op\"", what);
    get_bool(j, "stdin", r.stdin, what);
    get_bool(j, "stdout", r.stdout, what);
    get_bool(j, "stderr", r.stderr, what);
    get_int(j, "signal", r.signal, what);
    get_int(j, "rows", r.rows, what);
    get_int(j, "cols", r.cols, what);
    get_bool(j, "tty", r.tty, what);
    get_bool(j, "detach", r.detach, what);
    if (j.contains("process")) {
        if (!j["process"].is_object()) fail(ErrorKind::Usage, "malformed {}: \"process\" is not an object", what);
        r.process_json = j["process"].dump();
    }
    if (r.op == "exec" && r.process_json.empty()) fail(ErrorKind::Usage, "malformed {}: exec without \"process\"", what);
    return r;
}

std::string encode_reply(std::string_view error) {
    if (error.empty()) return R"({"ok":true})";
    return dump(json{{"error", error}});
}

std::string encode_reply(const Reply& r) {
    if (!r.error.empty()) return dump(json{{"error", r.error}});
    json j = {{"ok", true}};
    if (r.pid > 0) j["pid"] = r.pid;
    return dump(j);
}

Reply decode_reply_full(std::string_view text) {
    Reply r;
    r.error = decode_reply(text);
    if (r.error.empty()) {
        json j = parse_object(text, "shim reply");
        get_int(j, "pid", r.pid, "shim reply");
    }
    return r;
}

std::string decode_reply(std::string_view text) {
    constexpr std::string_view what = "shim reply";
    json j = parse_object(text, what);
    std::string err;
    get_string(j, "error", err, what);
    bool ok = false;
    get_bool(j, "ok", ok, what);
    if (err.empty() && !ok) fail(ErrorKind::System, "malformed {}: neither \"ok\" nor \"error\"", what);
    return err;
}

sockaddr_un attach_addr(int dirfd, socklen_t& len) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    auto path = fmt::format("/proc/self/fd/{}/{}", dirfd, kSocketName);
    path.copy(sa.sun_path, sizeof sa.sun_path - 1);
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    return sa;
}

std::string make_packet(Packet type, std::string_view payload) {
    std::string p;
    p.reserve(payload.size() + 1);
    p.push_back(static_cast<char>(type));
    p.append(payload);
    return p;
}

std::vector<std::string> to_argv(const std::string& shim_path, const ShimArgs& a) {
    std::vector<std::string> v = {shim_path, "--id", a.id, "--bundle", a.bundle, "--runtime", a.runtime};
    if (!a.runtime_root.empty()) v.insert(v.end(), {"--runtime-root", a.runtime_root});
    v.insert(v.end(), {"--log-path", a.log_path, "--exit-file", a.exit_file, "--socket-dir", a.socket_dir,
                       "--sync-fd", std::to_string(a.sync_fd)});
    if (!a.events_log.empty()) v.insert(v.end(), {"--events-log", a.events_log});
    if (a.stdin) v.push_back("--stdin");
    if (a.terminal) v.push_back("--terminal");
    if (a.start) v.push_back("--start");
    if (a.attach_fd >= 0) v.insert(v.end(), {"--attach-fd", std::to_string(a.attach_fd)});
    if (a.create_timeout_ms != kDefaultCreateTimeoutMs)
        v.insert(v.end(), {"--create-timeout", std::to_string(a.create_timeout_ms)});
    for (const auto& ra : a.runtime_args) v.insert(v.end(), {"--runtime-arg", ra});
    if (!a.restart.empty()) v.insert(v.end(), {"--restart", a.restart});
    if (a.notify_proxy) v.push_back("--notify-proxy");
    if (!a.notify_socket.empty()) v.insert(v.end(), {"--notify-socket", a.notify_socket});
    if (!a.exit_command.empty()) {
        v.push_back("--");
        v.insert(v.end(), a.exit_command.begin(), a.exit_command.end());
    }
    return v;
}

namespace {

int parse_fd(const std::string& s) {
    int fd = -1;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), fd);
    if (ec != std::errc() || p != s.data() + s.size() || fd < 0)
        fail(ErrorKind::Usage, "conman-shim: invalid fd number \"{}\"", s);
    return fd;
}

int parse_timeout(const std::string& s) {
    int ms = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
    if (ec != std::errc() || p != s.data() + s.size() || ms <= 0)
        fail(ErrorKind::Usage, "conman-shim: invalid --create-timeout \"{}\": milliseconds > 0", s);
    return ms;
}

std::string* string_option(ShimArgs& a, std::string_view flag) {
    if (flag == "--id") return &a.id;
    if (flag == "--bundle") return &a.bundle;
    if (flag == "--runtime") return &a.runtime;
    if (flag == "--runtime-root") return &a.runtime_root;
    if (flag == "--log-path") return &a.log_path;
    if (flag == "--exit-file") return &a.exit_file;
    if (flag == "--socket-dir") return &a.socket_dir;
    if (flag == "--events-log") return &a.events_log;
    if (flag == "--restart") return &a.restart;
    if (flag == "--notify-socket") return &a.notify_socket;
    return nullptr;
}

void check_required(const ShimArgs& a) {
    const std::pair<const char*, const std::string*> req[] = {
        {"--id", &a.id},           {"--bundle", &a.bundle},       {"--runtime", &a.runtime},
        {"--log-path", &a.log_path}, {"--exit-file", &a.exit_file}, {"--socket-dir", &a.socket_dir}};
    for (const auto& [flag, val] : req)
        if (val->empty()) fail(ErrorKind::Usage, "conman-shim: missing required {}", flag);
}

}  // namespace

ShimArgs parse_argv(const std::vector<std::string>& argv) {
    ShimArgs a;
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& flag = argv[i];
        if (flag == "--") {
            a.exit_command.assign(argv.begin() + static_cast<long>(i) + 1, argv.end());
            break;
        }
        if (flag == "--stdin") {
            a.stdin = true;
            continue;
        }
        if (flag == "--terminal") {
            a.terminal = true;
            continue;
        }
        if (flag == "--start") {
            a.start = true;
            continue;
        }
        if (flag == "--notify-proxy") {
            a.notify_proxy = true;
            continue;
        }
        std::string* dst = string_option(a, flag);
        if (!dst && flag != "--sync-fd" && flag != "--attach-fd" && flag != "--runtime-arg" && flag != "--create-timeout")
            fail(ErrorKind::Usage, "conman-shim: unknown argument \"{}\"", flag);
        if (i + 1 >= argv.size()) fail(ErrorKind::Usage, "conman-shim: {} needs a value", flag);
        const std::string& val = argv[++i];
        if (dst) *dst = val;
        else if (flag == "--sync-fd") a.sync_fd = parse_fd(val);
        else if (flag == "--attach-fd") a.attach_fd = parse_fd(val);
        else if (flag == "--create-timeout") a.create_timeout_ms = parse_timeout(val);
        else a.runtime_args.push_back(val);
    }
    check_required(a);
    return a;
}

}  // namespace conman::shim
