// sd_notify support (--sdnotify=container|conman|ignore).
//
// conman takes NOTIFY_SOCKET out of its own environment before it spawns a
// shim (neither the shim nor the runtime may act on it: runc would wait for
// the container's READY=1 itself). Then, by mode:
//   conman:    conman sends MAINPID=<shim pid> and READY=1 once the container runs;
//   container: the container gets NOTIFY_SOCKET=/run/notify/notify.sock, a
//              proxy socket the shim binds in <socket-dir>/notify/ and relays
//              (filtered, with MAINPID=<shim pid>) to the service manager;
//              conman sends MAINPID=<shim pid> (no READY);
//   ignore:    nothing is sent and the container gets no NOTIFY_SOCKET.
// MAINPID is the shim: it outlives `conman run -d` and owns the container.
#pragma once
#include <string>
#include <string_view>

#include "conman/container.hpp"
#include "conman/context.hpp"
#include "conman/shim_protocol.hpp"

namespace conman {

inline constexpr const char* kNotifyDirName = "notify";          // in the socket dir
inline constexpr const char* kNotifySocketName = "notify.sock";
inline constexpr const char* kContainerNotifyDir = "/run/notify";  // where the container sees it

// (conman_core) Sends one datagram to a NOTIFY_SOCKET address: a path, or
// "@name" for the abstract namespace. False when it could not be sent.
bool sd_notify_send(const std::string& socket, std::string_view message);

// The rest is conman's side (conman_engine).
// Throws Error(Usage) unless mode is container, conman or ignore.
void check_sdnotify_mode(const std::string& mode);
// NOTIFY_SOCKET as conman was started with it; the first call removes it
// from the environment.
const std::string& notify_socket();
// Decides at create what the container gets: sets notify_proxy and adds the
// NOTIFY_SOCKET variable to the environment for mode container.
void apply_sdnotify_config(ContainerConfig& c);
// The shim's --notify-proxy/--notify-socket and --restart arguments.
void add_service_shim_args(const ContainerConfig& c, shim::ShimArgs& a);
// The bundle's /run/notify bind mount (container mode).
void add_notify_mount(nlohmann::json& spec, const std::string& socket_dir);
// After the container started (run, start): MAINPID and, for mode conman,
// READY=1. Does nothing without NOTIFY_SOCKET.
void notify_container_started(const ContainerConfig& c, int shim_pid);

}  // namespace conman
