// Phase 1: set up the shim's files, run `runc create`, report on the sync fd.
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/timeutil.hpp"
#include "shim.hpp"

namespace conman::shimd {

namespace {

constexpr size_t kMaxCaptured = 64 * 1024;
constexpr int kLockTries = 100;  // 10 ms apart
constexpr const char* kConsoleName = "console.sock";

std::string in_dir(const std::string& dir, const char* name) { return join_path(dir, name); }

std::string runtime_log_path(const shim::ShimArgs& a) { return join_path(a.bundle, "runtime.log"); }

off_t file_size(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

}  // namespace

// Reads what is available now, without blocking, appending at most up to cap.
void read_available(int fd, std::string& into) {
    char buf[4096];
    for (;;) {
        long n = read_some(fd, buf, sizeof buf);
        if (n <= 0) return;
        if (into.size() < kMaxCaptured) into.append(buf, static_cast<size_t>(n));
    }
}

namespace {

// The "msg" of the last error-level JSON line in text (runc --log-format json).
std::string last_json_error(std::string_view rest) {
    std::string found;
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        auto line = rest.substr(0, nl);
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;
        if (j.value("level", "") == "error" && j.contains("msg") && j["msg"].is_string())
            found = j["msg"].get<std::string>();
    }
    return found;
}

// Last non-empty line of text, without its newline.
std::string last_line(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    auto nl = text.rfind('\n');
    return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
}

}  // namespace

std::string runtime_error_text(const std::string& log_path, off_t offset, std::string_view err) {
    auto text = read_file_if_exists(log_path);
    if (text && static_cast<size_t>(offset) < text->size()) {
        auto msg = last_json_error(std::string_view(*text).substr(static_cast<size_t>(offset)));
        if (!msg.empty()) return msg;
    }
    auto msg = last_json_error(err);
    if (!msg.empty()) return msg;
    return last_line(err);
}

std::string describe_status(int st) {
    if (WIFSIGNALED(st)) return fmt::format("killed by signal {}", WTERMSIG(st));
    return fmt::format("exit status {}", WEXITSTATUS(st));
}

void Shim::setup() {
    mkdir_p(args_.socket_dir, 0700);
    lock_fd_ = open_fd(in_dir(args_.socket_dir, shim::kLockName), O_RDWR | O_CREAT, 0600);
    // conman tests liveness with a brief shared flock on this file: a busy
    // lock is retried for a moment before it means another shim.
    for (int tries = 0; ::flock(lock_fd_.get(), LOCK_EX | LOCK_NB) < 0; ++tries) {
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) throw_sys(errno, "lock {}", in_dir(args_.socket_dir, shim::kLockName));
        if (tries == kLockTries) fail(ErrorKind::Conflict, "another conman-shim is running for container {}", args_.id);
        ::usleep(10000);
    }
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) throw_sys(errno, "epoll_create1");
    sigfd_ = block_into_signalfd({SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT});
    server_.emplace(epoll_.get(), args_.socket_dir);
    log_ = LogWriter(args_.log_path);
    make_exit_reserve();
    if (args_.attach_fd >= 0) server_->adopt(UniqueFd(args_.attach_fd), args_.stdin);
    setup_service();
}

std::vector<std::string> Shim::runtime_argv(const std::string& log_path) const {
    std::vector<std::string> v = {args_.runtime};
    if (!args_.runtime_root.empty()) v.insert(v.end(), {"--root", args_.runtime_root});
    v.insert(v.end(), {"--log", log_path, "--log-format", "json"});
    v.insert(v.end(), args_.runtime_args.begin(), args_.runtime_args.end());
    return v;
}

// Without a terminal the container's stdio are our pipes. With one, its
// 0/1/2 are the pty slave; the runtime gets /dev/null and a stderr pipe that
// only carries its own error text.
Child Shim::spawn_create() {
    Pipe out = make_pipe(), err = make_pipe();
    set_nonblock(out.read.get(), true);
    set_nonblock(err.read.get(), true);
    UniqueFd in_child;
    if (args_.stdin && !args_.terminal) {
        Pipe in = make_pipe();
        stdin_ = StdinSink(epoll_.get(), std::move(in.write), true);
        in_child = std::move(in.read);
    } else {
        in_child = open_fd("/dev/null", O_RDONLY);
    }
    UniqueFd null_out = args_.terminal ? open_fd("/dev/null", O_WRONLY) : UniqueFd();
    SpawnOptions so;
    so.argv = runtime_argv(runtime_log_path(args_));
    // With --start, `run --detach` creates and starts in one runtime
    // process: one exec less on the path of `conman run`.
    if (args_.start) so.argv.insert(so.argv.end(), {"run", "--detach"});
    else so.argv.push_back("create");
    so.argv.insert(so.argv.end(), {"--bundle", args_.bundle, "--pid-file",
                                   in_dir(args_.socket_dir, shim::kPidFileName)});
    if (args_.terminal) {
        // In the bundle, by name: runc works from the bundle directory, and a
        // relative name never meets sun_path's 108-byte limit.
        console_sock_ = ConsoleSocket(args_.bundle, kConsoleName);
        so.argv.insert(so.argv.end(), {"--console-socket", console_sock_.name()});
    }
    so.argv.push_back(args_.id);
    so.fds = {{in_child.get(), 0}, {args_.terminal ? null_out.get() : out.write.get(), 1}, {err.write.get(), 2}};
    so.die_with_parent = true;
    Child runc = spawn(so);
    reaper_.forget(runc.pid());
    // The container-side ends now live in runc (and the container); ours go
    // when this scope ends, so EOF on the pipes means the container closed them.
    out_r_ = std::move(out.read);
    err_r_ = std::move(err.read);
    return runc;
}

// The runtime connected and sent the master before it exited 0; the listen
// backlog kept the connection, so this never waits.
void Shim::take_console() {
    console_ = console_sock_.receive_master();
    err_r_.reset();  // only the runtime's stderr; the container never had it
    out_r_.reset(::fcntl(console_.get(), F_DUPFD_CLOEXEC, 3));
    if (!out_r_) throw_sys(errno, "dup");
    if (args_.stdin) {
        UniqueFd w(::fcntl(console_.get(), F_DUPFD_CLOEXEC, 3));
        if (!w) throw_sys(errno, "dup");
        stdin_ = StdinSink(epoll_.get(), std::move(w), false);
    }
}

std::optional<int> Shim::wait_create(Child& runc, std::string& out, std::string& err) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(args_.create_timeout_ms);
    for (;;) {
        reaper_.reap_all();
        if (auto st = reaper_.take(runc.pid())) {
            runc.detach();
            // Only a failed runtime's words are wanted here; on success the
            // pipes hold the container's own output, which the event loop
            // reads with proper timestamps.
            if (*st != 0) {
                read_available(out_r_.get(), out);
                read_available(err_r_.get(), err);
            }
            return st;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        // The output pipes are not read while the runtime runs: with
        // --start the container already writes there, and a full pipe only
        // makes it wait until the event loop takes over.
        pollfd p{sigfd_.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) throw_sys(errno, "poll");
        for (int sig : read_signals(sigfd_.get())) {
            if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) pending_signal_ = sig;
        }
    }
}

bool Shim::create_container() {
    std::string log_path = runtime_log_path(args_);
    off_t log_offset = file_size(log_path);
    ::unlink(in_dir(args_.socket_dir, shim::kPidFileName).c_str());
    int64_t started_at = now_ns();  // before the runtime runs the process: never after its exit
    Child runc = spawn_create();
    std::string out, err;
    auto st = wait_create(runc, out, err);
    if (!st) {
        // Killed and cleaned up before the report: when conman hears of it,
        // nothing of the attempt is left.
        runc.kill(SIGKILL);
        wait_child(runc, 1000);
        run_bounded(delete_argv(), 10000);  // whatever it had set up
        std::string rt = args_.runtime.substr(args_.runtime.find_last_of('/') + 1);
        report_failure(fmt::format("{} create timed out after {} ms: killed it", rt, args_.create_timeout_ms), err);
        return false;
    }
    if (*st != 0) {
        std::string msg = runtime_error_text(log_path, log_offset, err);
        if (msg.empty()) msg = fmt::format("{} create failed: {}", args_.runtime, describe_status(*st));
        report_failure(msg, err);
        return false;
    }
    if (args_.terminal) {
        try {
            take_console();
        } catch (const Error& e) {
            report_failure(e.what(), err);
            run_bounded(delete_argv(), 10000);
            return false;
        }
    }
    auto pidtext = read_file_if_exists(in_dir(args_.socket_dir, shim::kPidFileName));
    pid_ = pidtext ? static_cast<pid_t>(std::atol(pidtext->c_str())) : 0;
    if (pid_ <= 0) {
        report_failure("the runtime did not write the pid file", err);
        return false;
    }
    pidfd_ = pidfd_open(pid_);
    oom_.start(pid_);
    if (!pidfd_) {
        // Already gone, caught by the reaper while the runtime ran.
        status_ = reaper_.take(pid_);
        if (status_) exited_at_ = now_ns();
    }
    // Nobody to tell (conman gave up waiting or was killed): the container
    // must not linger, and its record says why it died.
    if (!report_started() && restarts_ == 0) {
        abandon_reason_ = "killed by conman-shim: the conman that created the container exited before the create finished";
        signal_container(SIGKILL, nullptr);
    } else if (args_.start && restarts_ == 0) {
        // Started by the runtime: recorded here too, so a conman killed
        // right after this still leaves the container shown as running.
        try {
            atomic_write(state_file(args_, "started"), std::to_string(started_at));
        } catch (const Error&) {
            // A full disk must not end the shim of a running container;
            // conman writes the file too once it hears of the start.
        }
    }
    if (pending_signal_) signal_container(pending_signal_, nullptr);
    return true;
}

void Shim::report_failure(const std::string& msg, const std::string& stderr_text) {
    shim::SyncMessage m;
    m.error = last_line(msg);
    if (m.error.empty()) m.error = "conman-shim failed";
    m.runtime_stderr = stderr_text;
    if (sync_fd_) try_write_all(sync_fd_.get(), shim::encode_sync(m));
    sync_fd_.reset();
    cleanup_files();
}

bool Shim::report_started() {
    // Lower our OOM score only now: runc and the container must not inherit it.
    if (auto old = old_oom_score_.empty() ? read_file_if_exists("/proc/self/oom_score_adj") : std::nullopt) {
        int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (::write(fd, "-1000", 5) == 5) old_oom_score_ = *old;
            ::close(fd);
        }
    }
    shim::SyncMessage m;
    m.pid = pid_;
    m.shim_pid = ::getpid();
    bool sent = sync_fd_ && try_write_all(sync_fd_.get(), shim::encode_sync(m));
    sync_fd_.reset();
    return sent;
}

}  // namespace conman::shimd
