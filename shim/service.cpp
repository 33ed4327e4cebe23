// What a service manager sees of the shim: <socket-dir>/shim.pid (for a
// unit's PIDFile=) and, with --notify-proxy, the container's sd_notify proxy
// socket <socket-dir>/notify/notify.sock (bind-mounted at /run/notify). The
// shim relays what the container sends there, filtered, to --notify-socket
// with MAINPID=<shim pid> first: the shim, not the container, is the
// process a unit should watch.
#include <cerrno>
#include <cstddef>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/sdnotify.hpp"
#include "shim.hpp"

namespace conman::shimd {

void Shim::setup_service() {
    atomic_write(join_path(args_.socket_dir, "shim.pid"), std::to_string(::getpid()) + "\n", 0644, false);
    if (!args_.notify_proxy) return;
    std::string dir = join_path(args_.socket_dir, kNotifyDirName);
    mkdir_p(dir, 0755);
    ::chmod(dir.c_str(), 0755);  // the container's user may not be root
    UniqueFd dirfd = open_fd(dir, O_PATH | O_DIRECTORY);
    ::unlinkat(dirfd.get(), kNotifySocketName, 0);  // a previous shim's
    notify_fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!notify_fd_) throw_sys(errno, "socket");
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::string path = fmt::format("/proc/self/fd/{}/{}", dirfd.get(), kNotifySocketName);
    path.copy(sa.sun_path, sizeof sa.sun_path - 1);
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    if (::bind(notify_fd_.get(), reinterpret_cast<sockaddr*>(&sa), len) < 0)
        throw_sys(errno, "bind {}/{}", dir, kNotifySocketName);
    ::fchmodat(dirfd.get(), kNotifySocketName, 0777, 0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = notify_fd_.get();
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, notify_fd_.get(), &ev) < 0) throw_sys(errno, "epoll_ctl");
}

void Shim::relay_notify() {
    char buf[4096];
    for (;;) {
        ssize_t n = ::recv(notify_fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // EAGAIN: all read
        }
        std::string msg = filter_notify_message(std::string_view(buf, static_cast<size_t>(n)));
        if (msg.empty() || args_.notify_socket.empty()) continue;
        sd_notify_send(args_.notify_socket, fmt::format("MAINPID={}\n{}", ::getpid(), msg));
    }
}

}  // namespace conman::shimd
