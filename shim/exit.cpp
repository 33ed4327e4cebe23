// Phase 3: the container has exited. Drain its output, publish the exit
// record, clean up the runtime state and run the exit command.
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/fs.hpp"
#include "shim.hpp"

namespace conman::shimd {

namespace {

constexpr int kDrainMs = 2000;
constexpr const char* kExitReserveFile = "exit.reserve";
constexpr long kExitReserveBytes = 4096;

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return ms < 0 ? 0 : static_cast<int>(ms);
}

}  // namespace

void Shim::record_exit() {
    end_sessions();  // their clients get Exit before the container's is published
    drain_output();
    log_.sync();
    exit_json_ = shim::encode_exit(make_record());
    write_exit_record();
}

// A full disk must not cost the exit record: the shim keeps a small file
// next to it from the start and gives its room up when the write fails for
// lack of space. The container's directory is never created here: a
// container removed meanwhile stays removed.
void Shim::write_exit_record() {
    std::string reserve = state_file(args_, kExitReserveFile);
    try {
        atomic_write(args_.exit_file, exit_json_, 0600);
        return;
    } catch (const Error& e) {
        if (e.err_no() != ENOSPC && e.err_no() != EDQUOT) return;  // nowhere to report it; the Exit packets carry it
    }
    ::unlink(reserve.c_str());
    try {
        atomic_write(args_.exit_file, exit_json_, 0600);
    } catch (const Error&) {
    }
}

void Shim::make_exit_reserve() noexcept {
    std::string path = state_file(args_, kExitReserveFile);
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && st.st_size >= kExitReserveBytes) return;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    UniqueFd owned(fd);
    // Written, not fallocated: every file system gives written blocks back on unlink.
    std::string zeros(kExitReserveBytes, '\0');
    if (!try_write_all(fd, zeros)) ::unlink(path.c_str());
}

void Shim::finish() {
    record_exit();
    record_died_event();
    server_->broadcast_exit(exit_json_);
    // From here a new `wait` finds no socket and reads the exit file instead.
    server_->close_listener();
    server_->flush(kFlushMs);
    stdin_.reset();
    console_.reset();
    out_r_.reset();
    err_r_.reset();
    restore_oom_score();
    run_bounded(delete_argv(), kDeleteTimeoutMs);
    // The exit command removes the container (--rm). A foreground `conman
    // run --rm` usually did that already on the Exit packet: when the bundle
    // is gone there is nothing left to clean, so spare a conman process.
    if (!args_.exit_command.empty() && path_exists(args_.bundle)) run_bounded(args_.exit_command, kExitCommandTimeoutMs);
    reaper_.reap_all();
    server_->serve_pending(*this);
    server_->flush(kLastFlushMs);
    server_->close_clients();
    cleanup_files();
}

// Reads what the pipes hold right now. Never waits for EOF: a daemonised
// grandchild may keep the write end open for ever.
void Shim::drain_output() {
    auto deadline = Clock::now() + std::chrono::milliseconds(kDrainMs);
    bool more = true;
    while (more && ms_left(deadline) > 0) {
        bool a = read_output(false);
        bool b = read_output(true);
        more = a || b;
    }
}

// The "died" event, written here because no conman process may be running
// when the container exits. Name, image and labels come from the record
// next to the exit file (the name may have changed since create).
void Shim::record_died_event() noexcept {
    if (args_.events_log.empty()) return;
    try {
        std::string name, image;
        std::map<std::string, std::string> labels;
        auto rec = nlohmann::json::parse(read_file_if_exists(join_path(dirname_of(args_.exit_file), "config.json"))
                                             .value_or(""), nullptr, false);
        if (rec.is_object() && rec.contains("config") && rec["config"].is_object()) {
            const auto& c = rec["config"];
            name = c.value("name", "");
            image = c.value("image", "");
            if (c.contains("labels") && c["labels"].is_object())
                labels = c["labels"].get<std::map<std::string, std::string>>();
        }
        Event e = container_event("died", args_.id, name, image, labels);
        e.exit_code = shim::decode_exit(exit_json_).exit_code;
        append_event(args_.events_log, e);
    } catch (...) {
    }
}

shim::ExitRecord exit_record(int st, int64_t exited_at) {
    shim::ExitRecord r;
    r.exited_at = exited_at;
    if (st == INT_MIN) {
        r.exit_code = -1;
        r.reason = "exit status unavailable: the process was not reaped by conman-shim";
    } else if (WIFSIGNALED(st)) {
        r.signal = WTERMSIG(st);
        r.exit_code = 128 + r.signal;
    } else {
        r.exit_code = WEXITSTATUS(st);
    }
    return r;
}

shim::ExitRecord Shim::make_record() const {
    shim::ExitRecord r = exit_record(status_.value_or(INT_MIN), exited_at_);
    if (r.exit_code == -1)
        r.reason = "exit status unavailable: the container process was not reaped by conman-shim";
    r.oom_killed = oom_.killed();
    if (!abandon_reason_.empty()) r.reason = abandon_reason_;
    return r;
}

std::vector<std::string> Shim::delete_argv() const {
    std::vector<std::string> v = {args_.runtime};
    if (!args_.runtime_root.empty()) v.insert(v.end(), {"--root", args_.runtime_root});
    v.insert(v.end(), {"delete", "--force", args_.id});
    return v;
}

// Waits for c through the reaper, the only place that reaps.
std::optional<int> Shim::wait_child(Child& c, int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        reaper_.reap_all();
        if (auto st = reaper_.take(c.pid())) {
            c.detach();
            return st;
        }
        int left = ms_left(deadline);
        if (left == 0) return std::nullopt;
        pollfd p[2] = {{sigfd_.get(), POLLIN, 0}, {c.pidfd(), POLLIN, 0}};
        ::poll(p, 2, left);
        read_signals(sigfd_.get());  // SIGCHLD only matters as a wakeup here
    }
}

void Shim::run_bounded(const std::vector<std::string>& argv, int timeout_ms) {
    try {
        SpawnOptions so;
        so.argv = argv;
        Child c = spawn(so);
        reaper_.forget(c.pid());
        if (!wait_child(c, timeout_ms)) {
            c.kill(SIGKILL);
            wait_child(c, 1000);
        }
    } catch (const Error&) {
        // A missing runtime or exit command must not keep the shim alive.
    }
}

void Shim::restore_oom_score() noexcept {
    if (old_oom_score_.empty()) return;
    int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    (void)!::write(fd, old_oom_score_.data(), old_oom_score_.size());
    ::close(fd);
}

void Shim::cleanup_files() noexcept {
    if (server_) server_->close_listener();
    console_sock_.close();
    ::unlink(join_path(args_.socket_dir, shim::kPidFileName).c_str());
}

}  // namespace conman::shimd
