#include "conman/process.hpp"

#include <array>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conman/error.hpp"

extern char** environ;

namespace conman {

UniqueFd pidfd_open(pid_t pid) {
    return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

int status_to_exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

int CaptureResult::exit_code() const { return status_to_exit_code(status); }

Child& Child::operator=(Child&& o) noexcept {
    if (this != &o) {
        this->~Child();
        pid_ = std::exchange(o.pid_, -1);
        pidfd_ = std::move(o.pidfd_);
    }
    return *this;
}

Child::~Child() {
    if (pid_ > 0) {
        kill(SIGKILL);
        int st;
        while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
        }
    }
}

void Child::kill(int sig) noexcept {
    if (pid_ <= 0) return;
    if (pidfd_) {
        if (::syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0) == 0 || errno == ESRCH) return;
    }
    ::kill(pid_, sig);
}

pid_t Child::detach() noexcept {
    pidfd_.reset();
    return std::exchange(pid_, -1);
}

std::optional<int> Child::wait(int timeout_ms) {
    if (pid_ <= 0) throw Error(ErrorKind::System, "wait: no child process");
    if (timeout_ms >= 0 && pidfd_) {
        if (!wait_readable(pidfd_.get(), timeout_ms)) return std::nullopt;
    }
    int st = 0;
    pid_t r;
    do {
        r = ::waitpid(pid_, &st, timeout_ms >= 0 && !pidfd_ ? WNOHANG : 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0) throw_sys(errno, "waitpid {}", pid_);
    if (r == 0) return std::nullopt;
    pid_ = -1;
    pidfd_.reset();
    return st;
}

namespace {

constexpr size_t kMaxFds = 16;

// Runs in the child after fork: only async-signal-safe calls from here on.
[[noreturn]] void child_exec(const SpawnOptions& o, char* const* argv, char* const* envp,
                             const std::array<std::pair<int, int>, kMaxFds>& fds, size_t nfds,
                             int err_fd) {
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int s = 1; s < NSIG; ++s) {
        if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    }
    if (o.new_session) setsid();
    if (o.die_with_parent) prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Move every source above the targets first, so overlapping maps work.
    int tmp[kMaxFds];
    int max_target = 2;
    for (size_t i = 0; i < nfds; ++i) {
        tmp[i] = fcntl(fds[i].first, F_DUPFD_CLOEXEC, 100);
        if (tmp[i] < 0) goto fail;
        if (fds[i].second > max_target) max_target = fds[i].second;
    }
    for (size_t i = 0; i < nfds; ++i) {
        if (dup2(tmp[i], fds[i].second) < 0) goto fail;
    }
    // Anything else inherited from our own caller must not reach the program.
    syscall(SYS_close_range, max_target + 1, ~0U, CLOSE_RANGE_CLOEXEC);
    if (!o.cwd.empty() && chdir(o.cwd.c_str()) < 0) goto fail;
    execve(argv[0], argv, envp);
fail:
    int e = errno;
    (void)!write(err_fd, &e, sizeof e);
    _exit(127);
}

std::vector<char*> to_cargv(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

Child spawn(const SpawnOptions& o) {
    if (o.argv.empty()) throw Error(ErrorKind::Usage, "spawn: empty argv");
    if (o.fds.size() > kMaxFds) throw Error(ErrorKind::Usage, "spawn: too many fds");
    auto argv = to_cargv(o.argv);
    std::vector<char*> envp = o.env ? to_cargv(*o.env) : std::vector<char*>{};
    char* const* envpp = o.env ? envp.data() : environ;
    std::array<std::pair<int, int>, kMaxFds> fds{};
    for (size_t i = 0; i < o.fds.size(); ++i) fds[i] = o.fds[i];
    Pipe errp = make_pipe();
    pid_t pid = ::fork();
    if (pid < 0) throw_sys(errno, "fork {}", o.argv[0]);
    if (pid == 0) child_exec(o, argv.data(), envpp, fds, o.fds.size(), errp.write.get());
    errp.write.reset();
    Child child(pid, pidfd_open(pid));
    int e = 0;
    long n = read_some(errp.read.get(), &e, sizeof e);
    if (n == sizeof e) {
        child.wait();
        throw_sys(e, "exec {}", o.argv[0]);
    }
    return child;
}

CaptureResult run_capture(const std::vector<std::string>& argv, int timeout_ms,
                          const std::optional<std::vector<std::string>>& env, const std::string* stdin_data) {
    Pipe out = make_pipe(), err = make_pipe();
    Pipe in;
    UniqueFd devnull;
    if (stdin_data) in = make_pipe();
    else devnull = open_fd("/dev/null", O_RDONLY);
    SpawnOptions so;
    so.argv = argv;
    so.env = env;
    so.fds = {{stdin_data ? in.read.get() : devnull.get(), 0}, {out.write.get(), 1}, {err.write.get(), 2}};
    Child c = spawn(so);
    out.write.reset();
    err.write.reset();
    if (stdin_data) {
        in.read.reset();
        // A program that exits without reading gives EPIPE: its status tells.
        (void)try_write_all(in.write.get(), *stdin_data);
        in.write.reset();
    }
    CaptureResult res;
    pollfd p[2] = {{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}};
    std::string* dst[2] = {&res.out, &res.err};
    int open_count = 2;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (open_count > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            c.kill(SIGKILL);
            throw Error(ErrorKind::Runtime, fmt::format("{} timed out after {} ms", argv[0], timeout_ms), ETIMEDOUT);
        }
        int r = ::poll(p, 2, static_cast<int>(left));
        if (r < 0 && errno != EINTR) throw_sys(errno, "poll");
        for (int i = 0; i < 2; ++i) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            long n = read_some(p[i].fd, buf, sizeof buf);
            if (n <= 0) {
                p[i].fd = -1;
                --open_count;
            } else {
                dst[i]->append(buf, static_cast<size_t>(n));
            }
        }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    auto st = c.wait(left > 0 ? static_cast<int>(left) : 0);
    if (!st) {
        c.kill(SIGKILL);
        throw Error(ErrorKind::Runtime, fmt::format("{} timed out after {} ms", argv[0], timeout_ms), ETIMEDOUT);
    }
    res.status = *st;
    return res;
}

}  // namespace conman
