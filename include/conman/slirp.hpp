// Rootless networking through slirp4netns (Debian package slirp4netns): a
// user-mode TCP/IP stack outside the container feeding a tap device inside
// its network namespace. conman starts one per container, detached, after it
// made the namespace, waits for it to be ready, adds the -p forwards through
// its API socket, and stops it at teardown.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace conman {

struct SlirpOptions {
    bool allow_host_loopback = false;  // 10.0.2.2 reaches the host's 127.0.0.1
    int mtu = 65520;
};
// "slirp4netns[:allow_host_loopback=true,mtu=N]" options part -> options; throws Usage.
SlirpOptions parse_slirp_options(const std::string& value, const std::string& opts);

struct SlirpForward {
    std::string protocol = "tcp";  // tcp or udp
    std::string host_ip;           // "" = every address
    uint16_t host_port = 0, guest_port = 0;
};

// Starts slirp4netns on the namespace mounted at netns_path, keeping its pid,
// API socket and log in state_dir; returns once the tap is configured and
// every forward is in place (or throws, having stopped it).
void slirp_start(const std::string& netns_path, const std::string& state_dir, const SlirpOptions& o,
                 const std::vector<SlirpForward>& forwards);
// Stops the state_dir's slirp4netns, if any; idempotent.
void slirp_stop(const std::string& state_dir) noexcept;

// The address the container gets, and the host as seen from inside.
inline constexpr const char* kSlirpGuestIp = "10.0.2.100";
inline constexpr const char* kSlirpDns = "10.0.2.3";

}  // namespace conman
