#include "conman/runtime.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>

#include "conman/error.hpp"
#include "conman/process.hpp"

namespace conman {

namespace {
constexpr int kRuntimeTimeoutMs = 60000;

struct SigName {
    const char* name;
    int num;
};
constexpr SigName kSignals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},   {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},   {"KILL", SIGKILL},
    {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
    {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT}, {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},   {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL},   {"PWR", SIGPWR},       {"SYS", SIGSYS},
};
}  // namespace

int parse_signal(const std::string& in) {
    std::string s = in;
    if (!s.empty() && std::all_of(s.begin(), s.end(), ::isdigit)) {
        int n = std::stoi(s);
        if (n >= 1 && n <= SIGRTMAX) return n;
        fail(ErrorKind::Usage, "invalid signal: {}", in);
    }
    std::transform(s.begin(), s.end(), s.begin(), ::toupper);
    if (s.rfind("SIG", 0) == 0) s = s.substr(3);
    for (auto& e : kSignals) {
        if (s == e.name) return e.num;
    }
    if (s.rfind("RTMIN", 0) == 0 || s.rfind("RTMAX", 0) == 0) {
        bool min = s[3] == 'M' && s[4] == 'I';
        int base = min ? SIGRTMIN : SIGRTMAX;
        std::string rest = s.substr(5);
        int off = rest.empty() ? 0 : std::stoi(rest);
        int n = base + off;
        if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
    }
    fail(ErrorKind::Usage, "invalid signal: {}", in);
}

std::string signal_name(int sig) {
    for (auto& e : kSignals) {
        if (e.num == sig) return std::string("SIG") + e.name;
    }
    return std::to_string(sig);
}

std::string runtime_error_text(const std::string& err) {
    std::string last;
    size_t start = 0;
    while (start < err.size()) {
        size_t end = err.find('\n', start);
        if (end == std::string::npos) end = err.size();
        std::string line = err.substr(start, end - start);
        start = end + 1;
        if (line.empty()) continue;
        if (line[0] == '{') {
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("msg")) line = j["msg"].get<std::string>();
        }
        last = line;
    }
    return last.empty() ? "no error message" : last;
}

OciRuntime::OciRuntime(const Context& ctx) : ctx_(ctx) {}

std::vector<std::string> OciRuntime::base() const {
    return {ctx_.require_runtime(), "--root", ctx_.runtime_root()};
}

void OciRuntime::start(const std::string& id) const {
    auto argv = base();
    argv.insert(argv.end(), {"start", id});
    auto r = run_capture(argv, kRuntimeTimeoutMs);
    if (r.status != 0) fail(ErrorKind::Runtime, "{}", runtime_error_text(r.err));
}

void OciRuntime::kill(const std::string& id, int sig, bool all) const {
    auto argv = base();
    argv.push_back("kill");
    if (all) argv.push_back("--all");
    argv.insert(argv.end(), {id, std::to_string(sig)});
    auto r = run_capture(argv, kRuntimeTimeoutMs);
    if (r.status != 0) fail(ErrorKind::Runtime, "{}", runtime_error_text(r.err));
}

void OciRuntime::delete_force(const std::string& id) const {
    if (ctx_.runtime_path.empty()) return;
    auto argv = base();
    argv.insert(argv.end(), {"delete", "--force", id});
    auto r = run_capture(argv, kRuntimeTimeoutMs);
    if (r.status != 0) {
        std::string msg = runtime_error_text(r.err);
        if (msg.find("does not exist") == std::string::npos && msg.find("not found") == std::string::npos)
            fail(ErrorKind::Runtime, "{}", msg);
    }
}

std::optional<std::string> OciRuntime::state(const std::string& id) const {
    auto argv = base();
    argv.insert(argv.end(), {"state", id});
    auto r = run_capture(argv, kRuntimeTimeoutMs);
    if (r.status != 0) return std::nullopt;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    return j.value("status", "");
}

std::vector<std::string> OciRuntime::list() const {
    if (ctx_.runtime_path.empty()) return {};
    auto argv = base();
    argv.insert(argv.end(), {"list", "--format", "json"});
    auto r = run_capture(argv, kRuntimeTimeoutMs);
    if (r.status != 0) fail(ErrorKind::Runtime, "listing containers: {}", runtime_error_text(r.err));
    std::vector<std::string> ids;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (!j.is_array()) return ids;  // runc prints "null" when there are none
    for (auto& e : j) {
        if (e.is_object() && e.contains("id") && e["id"].is_string()) ids.push_back(e["id"].get<std::string>());
    }
    return ids;
}

}  // namespace conman
