// Exec sessions, data side: the session's output to its client (and only
// to it), the client's Stdin/StdinClose/resize to the session, and the end
// of a session (drain, then Exit with its record).
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstring>
#include <sys/epoll.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/timeutil.hpp"
#include "shim.hpp"

namespace conman::shimd {

namespace {

constexpr size_t kOutHigh = 1 << 20;    // a client this far behind pauses the session's output
constexpr size_t kOutLow = 256 << 10;   // ... until it is below this
constexpr int kDrainMs = 1000;

void set_events(int epfd, int fd, uint32_t events) noexcept {
    if (fd < 0) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

void close_registered(int epfd, UniqueFd& fd) noexcept {
    if (!fd) return;
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, fd.get(), nullptr);
    fd.reset();
}

}  // namespace

ExecSession* Shim::find_session(int id) {
    for (auto& s : sessions_)
        if (s->id == id && s->state != ExecSession::State::Done) return s.get();
    return nullptr;
}

// The session's client, if that connection is still there and still its own.
Client* Shim::session_client(ExecSession& s) {
    if (s.client_fd < 0) return nullptr;
    Client* c = server_->find(s.client_fd);
    if (!c || c->exec_session != s.id) {
        s.client_fd = -1;  // gone: the session runs on, its output is discarded
        return nullptr;
    }
    return c;
}

bool Shim::dispatch_exec(int fd) {
    for (auto& sp : sessions_) {
        ExecSession& s = *sp;
        if (s.state != ExecSession::State::Running) continue;
        if (fd == s.out_r.get()) read_session(s, false, false);
        else if (fd == s.err_r.get()) read_session(s, true, false);
        else if (fd == s.pidfd.get()) reaper_.reap_all();
        else if (s.stdin && fd == s.stdin.fd()) session_stdin_flushed(s);
        else continue;
        return true;
    }
    return false;
}

// One read (one packet). Returns false at EOF (or EIO: a tty's slave side
// closed) and EAGAIN.
bool Shim::read_session(ExecSession& s, bool is_stderr, bool draining) {
    static char buf[shim::kMaxPayload];
    UniqueFd& fd = is_stderr ? s.err_r : s.out_r;
    if (!fd) return false;
    long n = read_some(fd.get(), buf, sizeof buf);
    if (n <= 0) {
        if (n == 0 || errno != EAGAIN) close_registered(epoll_.get(), fd);
        return false;
    }
    Client* c = session_client(s);
    if (!c) return true;  // nobody listens: discarded
    auto type = is_stderr ? shim::Packet::Stderr : shim::Packet::Stdout;
    server_->send(*c, shim::make_packet(type, std::string_view(buf, static_cast<size_t>(n))));
    if (!draining && c->queued > kOutHigh) pause_session_output(s, true);
    return true;
}

// Back-pressure towards the session: its pipes are not read while its
// client is far behind, so the client is never dropped for being slow.
void Shim::pause_session_output(ExecSession& s, bool paused) {
    if (!paused) {
        Client* c = session_client(s);
        if (c && c->queued >= kOutLow) return;
    }
    if (s.out_paused == paused) return;
    s.out_paused = paused;
    uint32_t ev = paused ? 0u : static_cast<uint32_t>(EPOLLIN);
    set_events(epoll_.get(), s.out_r.get(), ev);
    set_events(epoll_.get(), s.err_r.get(), ev);
}

void Shim::poll_session_exit(ExecSession& s) {
    if (s.status) return;
    if (auto st = reaper_.take(s.pid)) {
        s.status = *st;
    } else if (s.pidfd && wait_readable(s.pidfd.get(), 0)) {
        reaper_.reap_all();
        auto again = reaper_.take(s.pid);
        s.status = again ? *again : INT_MIN;  // exited, yet not our child
    }
    if (s.status) s.exited_at = now_ns();
}

// The process has exited: read what its pipes (or pty) hold now, without
// waiting for EOF (a background child may keep them open), then Exit.
void Shim::finish_session(ExecSession& s) {
    using Clock = std::chrono::steady_clock;
    auto deadline = Clock::now() + std::chrono::milliseconds(kDrainMs);
    bool more = true;
    while (more && Clock::now() < deadline) {
        bool a = read_session(s, false, true);
        bool b = read_session(s, true, true);
        more = a || b;
    }
    if (Client* c = session_client(s)) {
        auto rec = exit_record(s.status.value_or(INT_MIN), s.exited_at);
        server_->send(*c, shim::make_packet(shim::Packet::Exit, shim::encode_exit(rec)));
        c->exec_session = 0;
        server_->pause_client(*c, false);
    }
    close_session(s);
}

void Shim::close_session(ExecSession& s) noexcept {
    if (s.runtime_pid > 0) ::kill(s.runtime_pid, SIGKILL);  // our unreaped child: the pid is safe
    s.runtime_pid = 0;
    close_registered(epoll_.get(), s.out_r);
    close_registered(epoll_.get(), s.err_r);
    close_registered(epoll_.get(), s.pidfd);
    s.stdin.reset();
    s.console.reset();
    s.console_sock.close();
    for (const char* ext : {".json", ".pid", ".log"}) ::unlink(s.file(ext).c_str());
    s.client_fd = -1;
    s.state = ExecSession::State::Done;
}

void Shim::session_stdin(Client& c, std::string_view data, bool close) {
    ExecSession* s = find_session(c.exec_session);
    if (s && s->tty && s->want_stdin && !s->console) {  // no master yet: keep it for exec_started
        s->early_stdin.append(data);
        if (s->early_stdin.size() > StdinSink::kHigh) server_->pause_client(c, true);
        return;
    }
    if (!s || !s->stdin) return;
    if (close) s->stdin.close_when_flushed();  // a tty ignores it: no half-close
    else s->stdin.write(data);
    if (s->stdin.over_high()) server_->pause_client(c, true);
}

void Shim::session_stdin_flushed(ExecSession& s) {
    s.stdin.flush();
    if (s.stdin && !s.stdin.under_low()) return;
    if (Client* c = session_client(s)) server_->pause_client(*c, false);
}

void Shim::resize_session(Client& c, const shim::Request& r) {
    ExecSession* s = find_session(c.exec_session);
    if (!s || !s->tty) return server_->reply_error(c, "exec session has no terminal");
    if (r.rows <= 0 || r.cols <= 0) return server_->reply_error(c, fmt::format("invalid size {}x{}", r.rows, r.cols));
    if (!s->console) {  // the runtime has not sent the master yet: applied when it does
        s->rows = r.rows;
        s->cols = r.cols;
        return server_->reply_ok(c);
    }
    if (!set_winsize(s->console.get(), r.rows, r.cols))
        return server_->reply_error(c, fmt::format("resize to {}x{}: {}", r.rows, r.cols, std::strerror(errno)));
    server_->reply_ok(c);
}

}  // namespace conman::shimd
