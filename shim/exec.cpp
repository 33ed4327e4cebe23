// Exec sessions, control side: the "exec" request, the runtime process that
// starts the session (`runtime exec --detach`, never waited for in place:
// its exit arrives through the reaper like every other), the reply, and
// ending every session when the container exits.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/timeutil.hpp"
#include "shim.hpp"

namespace conman::shimd {

namespace {

constexpr int kEndSessionsMs = 2000;

UniqueFd dup_cloexec(int fd) {
    UniqueFd d(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
    if (!d) throw_sys(errno, "dup");
    return d;
}

void unlink_session_files(const ExecSession& s) noexcept {
    for (const char* ext : {".json", ".pid", ".log"}) ::unlink(s.file(ext).c_str());
}

}  // namespace

void Shim::start_exec(Client& c, const shim::Request& r) {
    if (c.exec_session) return server_->reply_error(c, "this connection already has an exec session");
    if (status_) return server_->reply_error(c, "container is not running");
    auto s = std::make_unique<ExecSession>();
    s->id = next_exec_++;
    s->base = join_path(args_.socket_dir, fmt::format("exec-{}", s->id));
    s->client_fd = c.fd.get();
    s->detach = r.detach;
    s->tty = r.tty;
    s->want_stdin = r.stdin && !r.detach;
    s->rows = r.rows;
    s->cols = r.cols;
    try {
        write_process_file(*s, r);
        spawn_exec(*s);
    } catch (const Error& e) {
        close_session(*s);
        return server_->reply_error(c, e.what());
    }
    c.exec_session = s->id;  // its Stdin may arrive before the reply: the pipe takes it
    sessions_.push_back(std::move(s));
}

// The process object as given, with "terminal" following the request and
// the initial size set, so the program starts with the right size.
void Shim::write_process_file(const ExecSession& s, const shim::Request& r) const {
    auto j = nlohmann::json::parse(r.process_json, nullptr, false);
    if (!j.is_object()) fail(ErrorKind::Usage, "exec: \"process\" is not a JSON object");
    j["terminal"] = r.tty;
    if (r.tty && r.rows > 0 && r.cols > 0) j["consoleSize"] = {{"height", r.rows}, {"width", r.cols}};
    ::unlink(s.file(".pid").c_str());
    ::unlink(s.file(".log").c_str());
    atomic_write(s.file(".json"), j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 0600, false);
}

// Starts `runtime exec --detach`. Non-tty: the session's pipes are the
// runtime's stdio, which it hands to the process. Tty: a console socket per
// session; the runtime's own stdio is /dev/null.
void Shim::spawn_exec(ExecSession& s) {
    SpawnOptions so;
    so.argv = runtime_argv(s.file(".log"));
    so.argv.insert(so.argv.end(), {"exec", "--process", s.file(".json"), "--pid-file", s.file(".pid"), "--detach"});
    UniqueFd null = open_fd("/dev/null", O_RDWR);
    Pipe out, err, in;
    if (s.tty) {
        s.console_sock = ConsoleSocket(args_.socket_dir, fmt::format("exec-{}.sock", s.id));
        so.argv.insert(so.argv.end(), {"--console-socket", s.console_sock.name()});
        so.cwd = args_.socket_dir;
        so.fds = {{null.get(), 0}, {null.get(), 1}, {null.get(), 2}};
    } else {
        out = make_pipe();
        err = make_pipe();
        if (s.want_stdin) in = make_pipe();
        so.fds = {{s.want_stdin ? in.read.get() : null.get(), 0}, {out.write.get(), 1}, {err.write.get(), 2}};
    }
    so.argv.push_back(args_.id);
    so.die_with_parent = true;
    Child runc = spawn(so);
    reaper_.forget(runc.pid());
    s.runtime_pid = runc.detach();
    if (s.tty) return;
    set_nonblock(out.read.get(), true);
    set_nonblock(err.read.get(), true);
    s.out_r = std::move(out.read);
    s.err_r = std::move(err.read);
    if (s.want_stdin) s.stdin = StdinSink(epoll_.get(), std::move(in.write), true);
}

void Shim::check_sessions() {
    for (auto& sp : sessions_) {
        ExecSession& s = *sp;
        if (s.state == ExecSession::State::Starting) {
            if (auto st = reaper_.take(s.runtime_pid)) on_exec_runtime_exit(s, *st);
        }
        if (s.state != ExecSession::State::Running) continue;
        poll_session_exit(s);
        if (s.status) finish_session(s);
        else if (s.out_paused) pause_session_output(s, false);  // resumes once the client caught up
    }
    std::erase_if(sessions_, [](const auto& s) { return s->state == ExecSession::State::Done; });
}

void Shim::on_exec_runtime_exit(ExecSession& s, int st) {
    s.runtime_pid = 0;
    if (st != 0) {
        std::string err;
        if (s.err_r) read_available(s.err_r.get(), err);
        std::string msg = runtime_error_text(s.file(".log"), 0, err);
        if (msg.empty()) msg = fmt::format("{} exec failed: {}", args_.runtime, describe_status(st));
        // The container's init died while the runtime was joining it (its
        // namespaces vanished mid-exec): that is an exec into a stopped
        // container, so say so first, as the check before the exec would have.
        if (init_exited()) msg = "container is not running: " + msg;
        return fail_exec(s, msg);
    }
    auto text = read_file_if_exists(s.file(".pid"));
    s.pid = text ? static_cast<pid_t>(std::atol(text->c_str())) : 0;
    if (s.pid <= 0) return fail_exec(s, "the runtime did not write the exec pid file");
    // Collect first: then a pidfd means a live or unreaped process (so any
    // cached status for the pid is stale), and no pidfd means already reaped.
    reaper_.reap_all();
    s.pidfd = pidfd_open(s.pid);
    if (s.pidfd) {
        reaper_.forget(s.pid);
    } else {
        s.status = reaper_.take(s.pid).value_or(INT_MIN);
        s.exited_at = now_ns();
    }
    try {
        exec_started(s);
    } catch (const Error& e) {
        if (s.pidfd) ::syscall(SYS_pidfd_send_signal, s.pidfd.get(), SIGKILL, nullptr, 0);
        fail_exec(s, e.what());
    }
}

// The runtime has exited 0: take the terminal, start reading, reply.
void Shim::exec_started(ExecSession& s) {
    if (s.tty) {
        s.console = s.console_sock.receive_master();
        if (s.rows > 0 && s.cols > 0) set_winsize(s.console.get(), s.rows, s.cols);
        s.out_r = dup_cloexec(s.console.get());
        if (s.want_stdin) s.stdin = StdinSink(epoll_.get(), dup_cloexec(s.console.get()), false);
        s.stdin.write(std::exchange(s.early_stdin, {}));
        session_stdin_flushed(s);  // resumes a client paused on early_stdin
    }
    for (int fd : {s.out_r.get(), s.err_r.get(), s.pidfd.get()}) {
        if (fd < 0) continue;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) throw_sys(errno, "epoll_ctl");
    }
    unlink_session_files(s);
    s.state = ExecSession::State::Running;
    if (Client* c = session_client(s)) {
        shim::Reply reply;
        reply.pid = s.pid;
        server_->send(*c, shim::make_packet(shim::Packet::Reply, shim::encode_reply(reply)));
        if (s.detach) c->exec_session = 0;
    }
    if (s.detach) s.client_fd = -1;
}

void Shim::fail_exec(ExecSession& s, const std::string& msg) {
    if (Client* c = session_client(s)) {
        server_->reply_error(*c, msg);
        c->exec_session = 0;
    }
    close_session(s);
}

// The container has exited: its sessions die with it (the kernel kills a
// pid namespace with its init; SIGKILL covers a shared one). Each client
// gets its Exit, bounded in time; a session still unaccounted for then is
// reported with its status lost.
void Shim::end_sessions() {
    using Clock = std::chrono::steady_clock;
    auto deadline = Clock::now() + std::chrono::milliseconds(kEndSessionsMs);
    for (;;) {
        reaper_.reap_all();
        check_sessions();
        if (sessions_.empty()) return;
        for (auto& s : sessions_)
            if (s->pidfd && !s->status) ::syscall(SYS_pidfd_send_signal, s->pidfd.get(), SIGKILL, nullptr, 0);
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) break;
        std::vector<pollfd> p = {{sigfd_.get(), POLLIN, 0}};
        for (auto& s : sessions_)
            if (s->pidfd) p.push_back({s->pidfd.get(), POLLIN, 0});
        ::poll(p.data(), p.size(), static_cast<int>(std::min<long>(left, 100)));
        read_signals(sigfd_.get());  // SIGCHLD only wakes us here
    }
    for (auto& s : sessions_) {
        if (s->state == ExecSession::State::Starting) fail_exec(*s, "container exited while the exec session started");
        if (s->state != ExecSession::State::Running) continue;
        s->status = INT_MIN;
        s->exited_at = now_ns();
        finish_session(*s);
    }
    sessions_.clear();
}

}  // namespace conman::shimd
