// Persistent network namespaces: a new namespace made by a short-lived
// thread (network namespaces are per thread) and bind-mounted onto a file,
// so it outlives every process in it until teardown unmounts it.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/magic.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "network_internal.hpp"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

namespace conman {

namespace {

// In the calling thread: a new network namespace with lo up, mounted on path.
// Returns 0 or an errno and what failed.
int make_in_thread(const std::string& path, const char** what) {
    if (::unshare(CLONE_NEWNET) < 0) {
        *what = "unshare(CLONE_NEWNET)";
        return errno;
    }
    UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s) {
        *what = "socket";
        return errno;
    }
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, "lo");
    if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) < 0) {
        *what = "reading the flags of lo";
        return errno;
    }
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) < 0) {
        *what = "bringing lo up";
        return errno;
    }
    std::string self = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
    if (::mount(self.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) < 0) {
        *what = "bind-mounting the namespace";
        return errno;
    }
    return 0;
}

}  // namespace

void create_netns(const std::string& path) {
    {
        UniqueFd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
        if (!f) throw_sys(errno, "creating {}", path);
    }
    int err = 0;
    const char* what = "";
    // The thread ends with its namespace; the bind mount keeps it alive.
    std::thread t([&] { err = make_in_thread(path, &what); });
    t.join();
    if (err != 0) {
        ::umount2(path.c_str(), MNT_DETACH);
        ::unlink(path.c_str());
        throw_sys(err, "network namespace {}: {}", path, what);
    }
}

bool is_netns_mount(const std::string& path) {
    struct statfs st;
    return ::statfs(path.c_str(), &st) == 0 && static_cast<unsigned long>(st.f_type) == NSFS_MAGIC;
}

void remove_netns(const std::string& path) {
    // Several mounts may be stacked by a race; take them all.
    for (int i = 0; i < 8 && is_netns_mount(path); ++i) {
        if (::umount2(path.c_str(), MNT_DETACH) < 0) break;
    }
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) throw_sys(errno, "removing {}", path);
}

}  // namespace conman
