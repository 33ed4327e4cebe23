// Restart policies in the shim (--restart POLICY): when the container's
// process exits and the policy asks for it, the shim publishes that exit
// like any other (exit record, Exit packets, runtime delete), waits a short
// backoff with its socket still open, and starts the container again with
// `runtime run --detach`, instead of ending. A stop or kill by the user
// (the stopped-by-user file next to the exit record, or a "norestart"
// request) ends this; so does SIGTERM/SIGINT/SIGQUIT/SIGHUP while waiting.
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <sys/epoll.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/timeutil.hpp"
#include "shim.hpp"

namespace conman::shimd {

namespace {


using Clock = std::chrono::steady_clock;

}  // namespace

std::string state_file(const shim::ShimArgs& a, const char* name) { return join_path(dirname_of(a.exit_file), name); }

bool Shim::stopped_by_user() const {
    // A container removed meanwhile (no bundle) is never started again.
    return no_restart_ || path_exists(state_file(args_, kStoppedByUserFile)) || !path_exists(args_.bundle);
}

bool Shim::restart_due() const {
    if (args_.restart.empty()) return false;
    RestartPolicy p;
    try {
        p = parse_restart_policy(args_.restart);
    } catch (const Error&) {
        return false;
    }
    return should_restart(p, exit_record(status_.value_or(INT_MIN), 0).exit_code, restarts_, stopped_by_user());
}

int Shim::exit_status() const {
    if (!status_) return 1;
    int code = exit_record(*status_, 0).exit_code;
    return code >= 0 && code <= 255 ? code : 255;
}

// finish() without closing the socket: clients that come while the shim
// waits get this run's Exit for "wait", "not running" for "kill", and may
// send "norestart".
void Shim::publish_exit_for_restart() {
    record_exit();
    server_->broadcast_exit(exit_json_);
    server_->flush(kFlushMs);
    server_->close_clients();  // each had its Exit; the next run is a new attach
    stdin_.reset();
    console_.reset();
    out_r_.reset();
    err_r_.reset();
    pidfd_.reset();
    run_bounded(delete_argv(), kDeleteTimeoutMs);
}

// The backoff, serving the socket. True when the container is to start now.
bool Shim::restart_wait() {
    auto deadline = Clock::now() + std::chrono::milliseconds(restart_backoff_ms(restarts_));
    for (;;) {
        if (stopped_by_user()) return false;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return true;
        epoll_event ev[16];
        int n = ::epoll_wait(epoll_.get(), ev, 16, static_cast<int>(left));
        if (n < 0 && errno != EINTR) throw_sys(errno, "epoll_wait");
        for (int i = 0; i < n; ++i) {
            if (ev[i].data.fd != sigfd_.get()) {
                dispatch(ev[i].data.fd, ev[i].events);
                continue;
            }
            for (int sig : read_signals(sigfd_.get())) {
                if (sig == SIGCHLD) reaper_.reap_all();
                else no_restart_ = true;  // told to stop while nothing runs
            }
        }
        server_->sweep();
    }
}

bool Shim::start_again() {
    std::string last_exit = exit_json_;
    auto last_status = status_;
    ++restarts_;
    try {
        atomic_write(state_file(args_, kRestartCountFile), std::to_string(restarts_), 0600, false);
    } catch (const Error&) {
    }
    status_.reset();
    exited_at_ = 0;
    exit_json_.clear();
    pid_ = 0;
    pending_signal_ = 0;
    args_.start = true;  // `runtime run --detach`: nobody waits to start it
    // serve() registers the signalfd again.
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, sigfd_.get(), nullptr);
    int64_t started_at = now_ns();
    bool ok = false;
    try {
        ok = create_container();
    } catch (const Error&) {
    }
    if (!ok) {
        // The previous exit record stays the container's last word.
        exit_json_ = last_exit;
        status_ = last_status;
        return false;
    }
    try {
        atomic_write(state_file(args_, "started"), std::to_string(started_at));
    } catch (const Error&) {
    }
    ::unlink(args_.exit_file.c_str());
    return true;
}

// The end of a shim that published its last exit in publish_exit_for_restart.
void Shim::end_after_restarts() {
    server_->close_listener();
    server_->serve_pending(*this);
    server_->flush(kLastFlushMs);
    server_->close_clients();
    restore_oom_score();
    if (!args_.exit_command.empty() && path_exists(args_.bundle)) run_bounded(args_.exit_command, kExitCommandTimeoutMs);
    reaper_.reap_all();
    cleanup_files();
}

bool Shim::run_restarts() {
    while (restart_due()) {
        publish_exit_for_restart();
        if (!restart_wait() || !start_again()) {
            end_after_restarts();
            return false;
        }
        serve();
    }
    return true;
}

}  // namespace conman::shimd
