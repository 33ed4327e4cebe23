// The unpack server: a single-threaded process forked while conman still has
// one thread, which forks the layer unpackers on request.
//
// Why: layers are unpacked by parallel worker threads, and a child forked
// from a multithreaded process may only run async-signal-safe code until it
// execs. The unpacker runs libarchive, which allocates. glibc's malloc
// survives that fork, but ASan's allocator (and any other lock a thread held
// at fork time) does not: a child forked while another thread held the lock
// waits for it forever. Forking from a process that has only ever had one
// thread removes the hazard whatever the allocator.
//
// Protocol: one SOCK_SEQPACKET message per unpacker, the flag byte ('1' for
// rootless xattrs) and the destination path as data, the tar socket and the
// report pipe's write end as SCM_RIGHTS. The server forks, closes its copies
// and waits for the next message; it has no reply. The unpacker reports on
// the pipe (see unpack_child_main) and the caller reads to EOF, which comes
// when the unpacker has exited. The server leaves when conman closes the
// socket (UnpackServerScope's end) or dies (PR_SET_PDEATHSIG).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <mutex>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/process.hpp"
#include "layer_internal.hpp"

namespace conman {

namespace {

constexpr size_t kMaxMessage = 4096 + 2;

std::mutex g_mu;
UniqueFd g_server;  // our end of the server's socket; empty when there is none

int thread_count() noexcept {
    DIR* d = ::opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    while (dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    return n;
}

void close_fds_except(int keep) noexcept {
    if (keep > 3) ::syscall(SYS_close_range, 3U, static_cast<unsigned>(keep - 1), 0U);
    ::syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0U, 0U);
}

void report(int err_fd, const char* what) noexcept {
    char msg[256];
    int n = std::snprintf(msg, sizeof msg, "1%s: %s", what, std::strerror(errno));
    if (n > 0) (void)!::write(err_fd, msg, std::min(static_cast<size_t>(n), sizeof msg - 1));
}

// Fills data, data_fd and err_fd from one message; false when it is not one
// (*closed: the socket is at EOF or broken).
bool take_request(int sock, char* data, int* data_fd, int* err_fd, bool* closed) {
    int fds[2];
    size_t nfds = 0;
    bool truncated = false;
    long n = recv_with_fds(sock, data, kMaxMessage - 1, fds, 2, &nfds, &truncated);
    *closed = n <= 0;
    if (n >= 2 && nfds == 2 && !truncated) {
        data[n] = '\0';
        *data_fd = fds[0];
        *err_fd = fds[1];
        return true;
    }
    for (size_t i = 0; i < nfds; ++i) ::close(fds[i]);
    return false;
}

[[noreturn]] void server_main(int sock, pid_t parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(0);
    ::signal(SIGCHLD, SIG_IGN);  // the kernel reaps the unpackers
    close_fds_except(sock);
    // Nobody waiting on conman's stdin or stdout should wait on us too.
    if (int null = ::open("/dev/null", O_RDWR | O_CLOEXEC); null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        if (null > 2) ::close(null);
    }
    static char data[kMaxMessage];
    for (;;) {
        int data_fd = -1, err_fd = -1;
        bool closed = false;
        if (!take_request(sock, data, &data_fd, &err_fd, &closed)) {
            if (closed) ::_exit(0);
            continue;
        }
        pid_t pid = ::fork();
        if (pid == 0) {
            ::close(sock);
            ::signal(SIGCHLD, SIG_DFL);
            unpack_child_main(data + 1, data_fd, err_fd, data[0] == '1');
        }
        if (pid < 0) report(err_fd, "forking the layer unpacker");
        ::close(data_fd);
        ::close(err_fd);
    }
}

// Under g_mu.
void start_locked() {
    if (g_server || thread_count() != 1) return;
    auto [ours, theirs] = make_socketpair(SOCK_SEQPACKET);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw_sys(errno, "forking the layer unpack server");
    if (pid == 0) server_main(theirs.get(), parent);
    g_server = std::move(ours);
}

void send_request(int sock, std::string_view dest, int data_fd, int err_fd, bool rootless_xattrs) {
    if (dest.size() + 2 > kMaxMessage) fail(ErrorKind::Usage, "layer destination {}: path too long", dest);
    std::string data = (rootless_xattrs ? "1" : "0") + std::string(dest);
    iovec iov{data.data(), data.size()};
    int fds[2] = {data_fd, err_fd};
    alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof fds)] = {};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof ctl;
    cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof fds);
    std::memcpy(CMSG_DATA(cm), fds, sizeof fds);
    ssize_t n;
    do {
        n = ::sendmsg(sock, &mh, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw_sys(errno, "asking the layer unpack server for an unpacker");
}

}  // namespace

void start_unpack_server() {
    std::lock_guard<std::mutex> g(g_mu);
    start_locked();
}

void stop_unpack_server() noexcept {
    std::lock_guard<std::mutex> g(g_mu);
    g_server.reset();  // the server reads EOF and exits
}

Child fork_unpacker(const std::string& dest, int data_fd, int err_fd, bool rootless_xattrs) {
    std::unique_lock<std::mutex> g(g_mu);
    start_locked();
    if (g_server) {
        send_request(g_server.get(), dest, data_fd, err_fd, rootless_xattrs);
        return {};
    }
    g.unlock();
    // Threads already run and nobody started the server while there was one:
    // fork here, which glibc's malloc tolerates (see the top of this file).
    pid_t pid = ::fork();
    if (pid < 0) throw_sys(errno, "forking the layer unpacker");
    if (pid == 0) unpack_child_main(dest.c_str(), data_fd, err_fd, rootless_xattrs);
    return Child(pid, pidfd_open(pid));
}

}  // namespace conman
