// Phase 2: the event loop that serves the running container.
#include "shim.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <csignal>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/timeutil.hpp"

namespace conman::shimd {

namespace {

void epoll_ctl_fd(int epfd, int op, int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epfd, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL) throw_sys(errno, "epoll_ctl");
}

}  // namespace

Shim::Shim(shim::ShimArgs args, UniqueFd sync_fd) : args_(std::move(args)), sync_fd_(std::move(sync_fd)) {}

int Shim::run() {
    try {
        setup();
    } catch (const Error& e) {
        report_failure(e.what(), "");
        return 1;
    }
    try {
        if (!create_container()) return 1;
    } catch (const Error& e) {
        report_failure(e.what(), "");
        return 1;
    }
    serve();
    if (run_restarts()) finish();
    return exit_status();
}

void Shim::serve() {
    for (int fd : {sigfd_.get(), out_r_.get(), err_r_.get(), pidfd_.get()})
        if (fd >= 0) epoll_ctl_fd(epoll_.get(), EPOLL_CTL_ADD, fd, EPOLLIN);
    check_container_exit();
    while (!status_) {
        epoll_event ev[16];
        int n = ::epoll_wait(epoll_.get(), ev, 16, -1);
        if (n < 0 && errno != EINTR) throw_sys(errno, "epoll_wait");
        for (int i = 0; i < n; ++i) dispatch(ev[i].data.fd, ev[i].events);
        server_->sweep();
        check_sessions();
        check_container_exit();
    }
}

void Shim::dispatch(int fd, uint32_t events) {
    if (fd == sigfd_.get()) on_signals();
    else if (fd == out_r_.get()) read_output(false);
    else if (fd == err_r_.get()) read_output(true);
    else if (fd == pidfd_.get()) reaper_.reap_all();
    else if (notify_fd_ && fd == notify_fd_.get()) relay_notify();
    else if (stdin_ && fd == stdin_.fd()) flush_stdin();
    else if (fd == server_->listen_fd()) server_->accept_all();
    else if (dispatch_exec(fd)) return;
    else server_->on_client_event(fd, events, *this);
}

void Shim::on_signals() {
    for (int sig : read_signals(sigfd_.get())) {
        if (sig == SIGCHLD) reaper_.reap_all();
        else if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) signal_container(sig, nullptr);
        // SIGHUP: the shim has no terminal and nothing to reload.
    }
}

// Reads one chunk (one log timestamp). Returns false at EOF or EAGAIN.
bool Shim::read_output(bool is_stderr) {
    static char buf[shim::kMaxPayload];
    UniqueFd& fd = is_stderr ? err_r_ : out_r_;
    if (!fd) return false;
    long n = read_some(fd.get(), buf, sizeof buf);
    if (n > 0) {
        output(is_stderr, std::string_view(buf, static_cast<size_t>(n)));
        return true;
    }
    if (n == 0 || errno != EAGAIN) {
        epoll_ctl_fd(epoll_.get(), EPOLL_CTL_DEL, fd.get(), 0);
        fd.reset();
    }
    return false;
}

void Shim::output(bool is_stderr, std::string_view data) {
    log_.write_chunk(is_stderr, data);  // the log first: it is the lossless path
    auto type = is_stderr ? shim::Packet::Stderr : shim::Packet::Stdout;
    for (size_t off = 0; off < data.size(); off += shim::kMaxPayload)
        server_->broadcast_output(type, data.substr(off, shim::kMaxPayload));
}

bool Shim::init_exited() const {
    return status_ || (pidfd_ && wait_readable(pidfd_.get(), 0));
}

void Shim::check_container_exit() {
    if (status_) return;
    if (auto st = reaper_.take(pid_)) {
        status_ = *st;
    } else if (init_exited()) {
        // Exited, yet not reaped by us: not our child (it escaped the
        // subreaper somehow). Its status is lost; say so instead of guessing.
        reaper_.reap_all();
        auto again = reaper_.take(pid_);
        status_ = again ? *again : INT_MIN;
    }
    if (status_) exited_at_ = now_ns();
}

void Shim::signal_container(int sig, std::string* err) {
    if (status_ || !pidfd_) {
        if (err) *err = "container is not running";
        return;
    }
    if (::syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0) < 0 && err)
        *err = fmt::format("signal {} to container {}: {}", sig, args_.id, std::strerror(errno));
}

void Shim::on_request(Client& c, const shim::Request& r) {
    if (r.op == "attach") {
        c.attached = true;
        c.want_stdout = r.stdout;
        c.want_stderr = r.stderr;
        c.want_stdin = r.stdin && stdin_;
        server_->reply_ok(c);
    } else if (r.op == "wait") {
        c.waiting = true;
    } else if (r.op == "kill") {
        std::string err;
        if (r.signal <= 0 || r.signal >= NSIG) err = fmt::format("invalid signal {}", r.signal);
        else signal_container(r.signal, &err);
        err.empty() ? server_->reply_ok(c) : server_->reply_error(c, err);
        return;
    } else if (r.op == "norestart") {
        no_restart_ = true;
        server_->reply_ok(c);
        return;
    } else if (r.op == "resize") {
        resize(c, r);
        return;
    } else if (r.op == "exec") {
        start_exec(c, r);
        return;
    } else {
        server_->reply_error(c, fmt::format("unknown request \"{}\"", r.op));
        return;
    }
    if (!exit_json_.empty()) server_->send(c, shim::make_packet(shim::Packet::Exit, exit_json_));
}

void Shim::on_stdin(Client& c, std::string_view data) {
    if (c.exec_session) return session_stdin(c, data, false);
    if (!c.want_stdin || !stdin_) return;
    stdin_.write(data);
    flush_stdin();
}

// A tty's sink ignores the close (a terminal has no half-close; the
// master stays open), a pipe's closes once its buffer is written.
void Shim::on_stdin_close(Client& c) {
    if (c.exec_session) return session_stdin(c, {}, true);
    if (!c.want_stdin || !stdin_) return;
    stdin_.close_when_flushed();
    flush_stdin();
}

// Writes what the container takes and applies stdin back-pressure to the
// clients that write it.
void Shim::flush_stdin() {
    stdin_.flush();
    if (!stdin_ || stdin_.under_low()) server_->pause_reading(false);
    else if (stdin_.over_high()) server_->pause_reading(true);
}

void Shim::resize(Client& c, const shim::Request& r) {
    if (c.exec_session) return resize_session(c, r);
    if (!console_) return server_->reply_error(c, "container has no terminal");
    if (!set_winsize(console_.get(), r.rows, r.cols))
        return server_->reply_error(c, fmt::format("resize to {}x{}: {}", r.rows, r.cols, std::strerror(errno)));
    server_->reply_ok(c);
}

}  // namespace conman::shimd
