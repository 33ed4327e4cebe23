// File-descriptor ownership and EINTR-safe I/O.
// UniqueFd owns one fd and closes it exactly once when it dies (no retry on
// EINTR: Linux has already released the number). Every helper here creates
// fds with O_CLOEXEC/SOCK_CLOEXEC set atomically, so nothing leaks into
// containers or runtimes we exec.
#pragma once
#include <string>
#include <string_view>
#include <utility>

namespace conman {

class UniqueFd {
public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) reset(o.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Pipe make_pipe(int extra_flags = 0);  // O_CLOEXEC always
std::pair<UniqueFd, UniqueFd> make_socketpair(int type);  // SOCK_CLOEXEC always
UniqueFd open_fd(const std::string& path, int flags, int mode = 0);  // throws; O_CLOEXEC added

// Writes everything, retrying on EINTR and partial writes. Throws on error.
void write_all(int fd, std::string_view data);
// Like write_all but returns false instead of throwing (EPIPE etc.).
bool try_write_all(int fd, std::string_view data) noexcept;
// Reads until EOF. Throws on error.
std::string read_all(int fd);
// One read(2), retried on EINTR. Returns -1 with errno set on error.
long read_some(int fd, void* buf, size_t len) noexcept;
void set_nonblock(int fd, bool on);
// One recvmsg(2), retried on EINTR: data into buf, SCM_RIGHTS descriptors
// (received O_CLOEXEC) into fds, at most max_fds of them; any beyond are
// closed. Returns the byte count (0 at EOF) or -1 with errno set. *nfds is
// how many descriptors were stored; *truncated says data or control was cut.
long recv_with_fds(int sock, void* buf, size_t len, int* fds, size_t max_fds, size_t* nfds, bool* truncated,
                   int flags = 0) noexcept;
// Waits for POLLIN (or hangup) on fd up to timeout_ms (-1 = forever).
// Returns false on timeout. EINTR restarts with the remaining time.
bool wait_readable(int fd, int timeout_ms);

}  // namespace conman
