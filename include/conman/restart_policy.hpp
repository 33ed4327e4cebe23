// Restart policies (--restart=no|on-failure[:N]|always|unless-stopped) and
// the sd_notify message filter: small pure functions shared by conman and
// conman-shim (they live in conman_core). The shim applies the policy when
// the container's process exits; conman parses and shows it.
#pragma once
#include <string>
#include <string_view>

namespace conman {

struct RestartPolicy {
    std::string name = "no";  // "no", "on-failure", "always", "unless-stopped"
    int max_retries = 0;      // on-failure only; 0 = no limit
};

// Parses the --restart value ("" is "no"). Throws Error(Usage) with a
// one-line reason for anything else.
RestartPolicy parse_restart_policy(std::string_view text);
// The canonical text: "no", "on-failure", "on-failure:3", "always", ...
std::string format_restart_policy(const RestartPolicy& p);
// Whether the shim starts the container again after an exit with exit_code,
// having restarted it `restarts` times already. A stop or kill by the user
// (stopped_by_user) always wins.
bool should_restart(const RestartPolicy& p, int exit_code, int restarts, bool stopped_by_user);
// Delay before restart number restarts+1: 100 ms doubling, at most 5 s.
int restart_backoff_ms(int restarts);

// Files next to the container's exit record (<root>/containers/<id>/).
inline constexpr const char* kRestartCountFile = "restart-count";     // written by the shim
inline constexpr const char* kStoppedByUserFile = "stopped-by-user";  // written by conman stop/kill

// sd_notify relay: keeps the lines of a datagram the container sent that a
// service manager should hear (READY=1, STATUS=..., ...) and drops the rest
// (MAINPID=, FDSTORE=, ... are not the container's to set). Lines are joined
// by '\n'; "" when nothing is left.
std::string filter_notify_message(std::string_view datagram);

}  // namespace conman
