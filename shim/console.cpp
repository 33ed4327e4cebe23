#include "console.hpp"

#include <cerrno>
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"

namespace conman::shimd {

namespace {

sockaddr_un proc_addr(int dirfd, const std::string& name, socklen_t& len) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    auto path = fmt::format("/proc/self/fd/{}/{}", dirfd, name);
    if (path.size() >= sizeof sa.sun_path) fail(ErrorKind::System, "console socket name too long: {}", name);
    path.copy(sa.sun_path, sizeof sa.sun_path - 1);
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    return sa;
}

}  // namespace

ConsoleSocket::ConsoleSocket(const std::string& dir, const std::string& name)
    : dirfd_(open_fd(dir, O_PATH | O_DIRECTORY)), name_(name), path_(join_path(dir, name)) {
    ::unlinkat(dirfd_.get(), name_.c_str(), 0);
    listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listen_) throw_sys(errno, "socket");
    socklen_t len;
    sockaddr_un sa = proc_addr(dirfd_.get(), name_, len);
    if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&sa), len) < 0) throw_sys(errno, "bind {}", path_);
    if (::listen(listen_.get(), 4) < 0) throw_sys(errno, "listen {}", path_);
}

ConsoleSocket& ConsoleSocket::operator=(ConsoleSocket&& o) noexcept {
    if (this != &o) {
        close();
        dirfd_ = std::move(o.dirfd_);
        listen_ = std::move(o.listen_);
        name_ = std::move(o.name_);
        path_ = std::move(o.path_);
    }
    return *this;
}

UniqueFd ConsoleSocket::receive_master() {
    if (!listen_) fail(ErrorKind::System, "console socket is closed");
    int conn;
    do {
        conn = ::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (conn < 0 && (errno == EINTR || errno == ECONNABORTED));
    if (conn < 0) {
        if (errno == EAGAIN) fail(ErrorKind::Runtime, "the runtime did not connect to the console socket");
        throw_sys(errno, "accept on {}", path_);
    }
    UniqueFd c(conn);
    UniqueFd master = recv_fd(c.get());
    close();  // one terminal per socket
    set_nonblock(master.get(), true);
    return master;
}

void ConsoleSocket::close() noexcept {
    if (!listen_) return;
    listen_.reset();
    ::unlinkat(dirfd_.get(), name_.c_str(), 0);
}

UniqueFd recv_fd(int sock) {
    char name[512];  // runc sends the pty's path as the data
    int fds[1];
    size_t nfds = 0;
    bool truncated = false;
    long n = recv_with_fds(sock, name, sizeof name, fds, 1, &nfds, &truncated, MSG_DONTWAIT);
    if (n < 0 && errno == EAGAIN) fail(ErrorKind::Runtime, "the runtime sent no terminal on the console socket");
    if (n < 0) throw_sys(errno, "recvmsg on the console socket");
    UniqueFd fd(nfds > 0 ? fds[0] : -1);
    if (!fd && truncated) fail(ErrorKind::Runtime, "console socket: control message truncated");
    if (!fd) fail(ErrorKind::Runtime, "console socket: no file descriptor received");
    return fd;
}

bool set_winsize(int tty_fd, int rows, int cols) noexcept {
    if (rows <= 0 || cols <= 0 || rows > 0xffff || cols > 0xffff) {
        errno = EINVAL;
        return false;
    }
    winsize ws{};
    ws.ws_row = static_cast<unsigned short>(rows);
    ws.ws_col = static_cast<unsigned short>(cols);
    return ::ioctl(tty_fd, TIOCSWINSZ, &ws) == 0;
}

}  // namespace conman::shimd
