// sd_notify datagrams (conman_core: used by conman and by the shim's relay).
#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cstddef>

#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/sdnotify.hpp"

namespace conman {

bool sd_notify_send(const std::string& socket, std::string_view message) {
    if (socket.empty() || (socket[0] != '/' && socket[0] != '@')) return false;
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) return false;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    UniqueFd dir;
    std::string path = socket;
    // A path longer than sun_path is reached through its directory's fd.
    if (path[0] == '/' && path.size() >= sizeof sa.sun_path) {
        dir.reset(::open(dirname_of(path).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dir) return false;
        path = "/proc/self/fd/" + std::to_string(dir.get()) + "/" + path.substr(path.rfind('/') + 1);
        if (path.size() >= sizeof sa.sun_path) return false;
    }
    if (path.size() > sizeof sa.sun_path) return false;
    path.copy(sa.sun_path, sizeof sa.sun_path);
    if (path[0] == '@') sa.sun_path[0] = '\0';  // abstract namespace
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1));
    for (;;) {
        ssize_t n = ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&sa), len);
        if (n >= 0) return true;
        if (errno != EINTR) return false;
    }
}

}  // namespace conman
