// Terminals: the console socket the runtime hands a pty master through
// (`runc --console-socket`), and window-size changes on that master.
// ConsoleSocket owns the listening SOCK_STREAM socket and its path; the
// received master fd is handed to the caller, who owns it from then on.
#pragma once
#include <string>

#include "conman/fd.hpp"

namespace conman::shimd {

class ConsoleSocket {
public:
    ConsoleSocket() = default;
    // Listens on <dir>/<name>, bound through /proc/self/fd/<dirfd> so the
    // path length does not matter. A stale file of that name is replaced.
    ConsoleSocket(const std::string& dir, const std::string& name);
    ConsoleSocket(ConsoleSocket&&) noexcept = default;
    ConsoleSocket& operator=(ConsoleSocket&& o) noexcept;
    ~ConsoleSocket() { close(); }

    explicit operator bool() const noexcept { return static_cast<bool>(listen_); }
    // The path to give the runtime (may be long: runc dials it itself).
    const std::string& path() const noexcept { return path_; }
    // The name alone, for a runtime working in <dir> (no sun_path limit).
    const std::string& name() const noexcept { return name_; }
    // Takes the master the runtime sent. Never blocks: the runtime has
    // connected and sent it before it exited 0 (the listen backlog holds the
    // connection until we accept). Throws when nothing (valid) arrived.
    UniqueFd receive_master();
    // Closes the listener and unlinks its path; idempotent.
    void close() noexcept;

private:
    UniqueFd dirfd_;
    UniqueFd listen_;
    std::string name_, path_;
};

// Receives exactly one fd sent with SCM_RIGHTS on a connected socket
// (MSG_CMSG_CLOEXEC, MSG_DONTWAIT). Extra fds are closed. Throws on error.
UniqueFd recv_fd(int sock);
// TIOCSWINSZ; returns false with errno set on failure.
bool set_winsize(int tty_fd, int rows, int cols) noexcept;

}  // namespace conman::shimd
