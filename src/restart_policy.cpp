// Restart policy parsing and decisions, and the sd_notify line filter
// (see restart_policy.hpp). Part of conman_core: the shim uses them too.
#include "conman/restart_policy.hpp"

#include <algorithm>
#include <charconv>

#include "conman/error.hpp"

namespace conman {

RestartPolicy parse_restart_policy(std::string_view text) {
    RestartPolicy p;
    if (text.empty()) return p;
    std::string_view name = text.substr(0, text.find(':'));
    bool has_count = name.size() != text.size();
    if (name != "no" && name != "on-failure" && name != "always" && name != "unless-stopped")
        fail(ErrorKind::Usage, "invalid restart policy \"{}\": use no, on-failure[:N], always or unless-stopped", text);
    p.name = std::string(name);
    if (!has_count) return p;
    if (p.name != "on-failure")
        fail(ErrorKind::Usage, "invalid restart policy \"{}\": a retry count is only valid with on-failure", text);
    std::string_view n = text.substr(name.size() + 1);
    int v = -1;
    auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
    if (n.empty() || ec != std::errc() || ptr != n.data() + n.size() || v < 0)
        fail(ErrorKind::Usage, "invalid restart policy \"{}\": the retry count must be a number 0 or more", text);
    p.max_retries = v;
    return p;
}

std::string format_restart_policy(const RestartPolicy& p) {
    if (p.name == "on-failure" && p.max_retries > 0) return p.name + ":" + std::to_string(p.max_retries);
    return p.name.empty() ? "no" : p.name;
}

bool should_restart(const RestartPolicy& p, int exit_code, int restarts, bool stopped_by_user) {
    if (stopped_by_user) return false;
    if (p.name == "always" || p.name == "unless-stopped") return true;
    if (p.name == "on-failure") return exit_code != 0 && (p.max_retries == 0 || restarts < p.max_retries);
    return false;
}

int restart_backoff_ms(int restarts) {
    if (restarts < 0) restarts = 0;
    return std::min(100 << std::min(restarts, 6), 5000);
}

std::string filter_notify_message(std::string_view datagram) {
    static constexpr std::string_view kExact[] = {"READY=1", "RELOADING=1", "STOPPING=1", "WATCHDOG=1",
                                                  "WATCHDOG=trigger"};
    static constexpr std::string_view kPrefix[] = {"STATUS=", "ERRNO=", "BUSERROR=", "MONOTONIC_USEC=",
                                                   "EXTEND_TIMEOUT_USEC=", "WATCHDOG_USEC="};
    std::string out;
    while (!datagram.empty()) {
        auto nl = datagram.find('\n');
        std::string_view line = datagram.substr(0, nl);
        datagram.remove_prefix(nl == std::string_view::npos ? datagram.size() : nl + 1);
        bool keep = std::find(std::begin(kExact), std::end(kExact), line) != std::end(kExact);
        for (auto pre : kPrefix) keep = keep || line.starts_with(pre);
        if (!keep) continue;
        if (!out.empty()) out += '\n';
        out += line;
    }
    return out;
}

}  // namespace conman
