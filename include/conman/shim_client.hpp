// The CLI's side of the shim: spawning one, and talking to a running one
// through its socket. ShimConnection owns the connected socket.
#pragma once
#include <optional>
#include <string>
#include <sys/types.h>

#include "conman/fd.hpp"
#include "conman/shim_protocol.hpp"

namespace conman {

struct ShimStarted {
    pid_t container_pid = 0;
    pid_t shim_pid = 0;
};

// Spawns conman-shim with args (sync fd created here), waits up to timeout_ms
// for its sync message. On failure throws Error(Runtime) whose message is the
// runtime's own error text (e.g. runc's "exec: \"foo\": executable file not
// found in $PATH"); the shim has exited and cleaned its socket dir by then.
// attach_fd >= 0: a connected SOCK_SEQPACKET socket the shim adopts as a
// client attached to the output before the container runs (see adopt()).
ShimStarted spawn_shim(const std::string& shim_path, shim::ShimArgs args, int timeout_ms, int attach_fd = -1);

class ShimConnection {
public:
    // nullopt when no shim listens (dead or gone).
    static std::optional<ShimConnection> connect(const std::string& socket_dir);
    // Wraps our end of a socket pair whose other end was given to the shim
    // with --attach-fd.
    static ShimConnection adopt(UniqueFd fd);
    int fd() const { return fd_.get(); }

    // Sends a request and waits (bounded) for its Reply; throws Error with
    // the shim's error text when the reply is an error.
    void request(const shim::Request& r, int timeout_ms = 10000) { (void)request_reply(r, timeout_ms); }
    shim::Reply request_reply(const shim::Request& r, int timeout_ms = 10000);
    // Sends a kill request.
    void kill(int sig) { request(shim::Request{.op = "kill", .signal = sig}); }
    // Sends "wait" and then, when sig > 0, a kill request (in that order, so
    // an exit caused by the signal cannot slip past the wait). Blocks until
    // the Exit packet or until the shim closes the connection (it has
    // finished with the container) — true — or the timeout — false.
    bool kill_and_wait(int sig, int timeout_ms);
    // Sends "wait" and blocks until the Exit packet (timeout_ms -1 = forever);
    // nullopt on timeout or when the shim went away without one.
    std::optional<shim::ExitRecord> wait_exit(int timeout_ms);

private:
    explicit ShimConnection(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

// One packet from a non-blocking socket, type byte first; "" at EOF (or a
// reset connection), nullopt when nothing is ready.
std::optional<std::string> recv_packet(int fd);

struct RelayOptions {
    int out_fd = 1;           // where stdout packets go
    int err_fd = 2;           // where stderr packets go
    int stdin_fd = -1;        // forwarded as Stdin packets when >= 0; EOF -> StdinClose
    bool sig_proxy = true;    // forward SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 as kill requests
    int tty_fd = -1;          // a terminal: its size is sent at start and on SIGWINCH
    std::string detach_keys;  // raw key bytes that end the relay without stopping anything; "" = none
};
struct RelayResult {
    std::optional<shim::ExitRecord> exit;  // nullopt: detached, or the shim died without one
    bool detached = false;
};
// After a successful attach (or exec) request: copies output until the Exit
// packet (which the shim sends after the last byte of output).
RelayResult relay(ShimConnection& c, const RelayOptions& o);

}  // namespace conman
