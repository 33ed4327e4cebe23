#include "conman/fd.hpp"

#include <cerrno>
#include <cstring>
#include <chrono>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conman/error.hpp"

namespace conman {

void UniqueFd::reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

Pipe make_pipe(int extra_flags) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | extra_flags) < 0) throw_sys(errno, "creating pipe");
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::pair<UniqueFd, UniqueFd> make_socketpair(int type) {
    int fds[2];
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) < 0) throw_sys(errno, "creating socket pair");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

UniqueFd open_fd(const std::string& path, int flags, int mode) {
    int fd;
    do {
        fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) throw_sys(errno, "open {}", path);
    return UniqueFd(fd);
}

bool try_write_all(int fd, std::string_view data) noexcept {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, -1);
                continue;
            }
            return false;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

void write_all(int fd, std::string_view data) {
    if (!try_write_all(fd, data)) throw_sys(errno, "write to fd {}", fd);
}

long read_some(int fd, void* buf, size_t len) noexcept {
    ssize_t n;
    do {
        n = ::read(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    return n;
}

std::string read_all(int fd) {
    std::string out;
    char buf[8192];
    for (;;) {
        long n = read_some(fd, buf, sizeof buf);
        if (n < 0) throw_sys(errno, "read from fd {}", fd);
        if (n == 0) return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

void set_nonblock(int fd, bool on) {
    int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0) throw_sys(errno, "fcntl F_GETFL");
    fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
    if (::fcntl(fd, F_SETFL, fl) < 0) throw_sys(errno, "fcntl F_SETFL");
}

bool wait_readable(int fd, int timeout_ms) {
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        int left = -1;
        if (timeout_ms >= 0) {
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
            left = ms < 0 ? 0 : static_cast<int>(ms);
        }
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, left);
        if (r > 0) return true;
        if (r == 0) return false;
        if (errno != EINTR) throw_sys(errno, "poll");
    }
}

long recv_with_fds(int sock, void* buf, size_t len, int* fds, size_t max_fds, size_t* nfds, bool* truncated,
                   int flags) noexcept {
    constexpr size_t kMaxFds = 16;
    alignas(cmsghdr) char ctl[CMSG_SPACE(kMaxFds * sizeof(int))];
    iovec iov{buf, len};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof ctl;
    ssize_t n;
    do {
        n = ::recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    *nfds = 0;
    *truncated = false;
    if (n < 0) return -1;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
            if (*nfds < max_fds) fds[(*nfds)++] = fd;
            else ::close(fd);
        }
    }
    *truncated = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
    return n;
}

}  // namespace conman
