#include "conman/shim_client.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <deque>
#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/process.hpp"

namespace conman {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kPacketBuf = 1 + 4 * shim::kMaxPayload;
constexpr int kConnectTimeoutMs = 5000;
constexpr size_t kMaxOutgoing = 1 << 20;

int ms_left(Clock::time_point deadline) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return ms < 0 ? 0 : static_cast<int>(ms);
}

std::string describe_status(int st) {
    if (WIFSIGNALED(st)) return fmt::format("killed by signal {}", WTERMSIG(st));
    return fmt::format("exit status {}", WEXITSTATUS(st));
}

// The part of msg up to its first line break: Error messages are one line.
std::string first_line(std::string msg) {
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg.resize(nl);
    return msg;
}

// Reads the sync fd up to the first newline or EOF, bounded by deadline.
std::optional<std::string> read_sync_line(int fd, Clock::time_point deadline) {
    std::string line;
    char buf[4096];
    while (line.find('\n') == std::string::npos) {
        if (!wait_readable(fd, ms_left(deadline))) return std::nullopt;
        long n = read_some(fd, buf, sizeof buf);
        if (n < 0) throw_sys(errno, "read conman-shim sync pipe");
        if (n == 0) break;
        line.append(buf, static_cast<size_t>(n));
    }
    return line;
}

// One packet, type byte first; empty at EOF. nullopt when nothing is
// ready (non-blocking socket).
std::optional<std::string> recv_packet(int fd) {
    std::string buf(kPacketBuf, '\0');
    ssize_t n;
    do {
        n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN) return std::nullopt;
        if (errno == ECONNRESET) return std::string();
        throw_sys(errno, "read from conman-shim");
    }
    buf.resize(static_cast<size_t>(n));
    return buf;
}

// Blocking receive with a bound; empty string at EOF, nullopt on timeout.
std::optional<std::string> recv_packet_wait(int fd, Clock::time_point deadline, bool forever) {
    for (;;) {
        if (!wait_readable(fd, forever ? -1 : ms_left(deadline))) return std::nullopt;
        if (auto p = recv_packet(fd)) return p;
    }
}

void send_packet(int fd, shim::Packet type, std::string_view payload) {
    std::string p = shim::make_packet(type, payload);
    ssize_t n;
    do {
        n = ::send(fd, p.data(), p.size(), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw_sys(errno, "write to conman-shim");
}

}  // namespace

ShimStarted spawn_shim(const std::string& shim_path, shim::ShimArgs args, int timeout_ms, int attach_fd) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    Pipe sync = make_pipe();
    UniqueFd devnull = open_fd("/dev/null", O_RDWR);
    args.sync_fd = 3;
    SpawnOptions so;
    so.fds = {{devnull.get(), 0}, {devnull.get(), 1}, {devnull.get(), 2}, {sync.write.get(), 3}};
    args.attach_fd = -1;
    if (attach_fd >= 0) {
        args.attach_fd = 4;
        so.fds.push_back({attach_fd, 4});
    }
    so.argv = shim::to_argv(shim_path, args);
    Child first = spawn(so);
    sync.write.reset();
    // The first process forks the real shim and exits at once.
    auto st = first.wait(ms_left(deadline));
    if (!st) fail(ErrorKind::Runtime, "conman-shim did not start within {} ms", timeout_ms);
    auto line = read_sync_line(sync.read.get(), deadline);
    if (!line) fail(ErrorKind::Runtime, "conman-shim did not report within {} ms", timeout_ms);
    if (line->empty()) {
        std::string why = *st != 0 ? describe_status(*st) : "the shim process ended before creating the container";
        fail(ErrorKind::Runtime, "conman-shim exited without reporting: {}", why);
    }
    shim::SyncMessage m = shim::decode_sync(*line);
    if (!m.error.empty()) throw Error(ErrorKind::Runtime, first_line(m.error));
    return ShimStarted{m.pid, m.shim_pid};
}

ShimConnection ShimConnection::adopt(UniqueFd fd) { return ShimConnection(std::move(fd)); }

std::optional<ShimConnection> ShimConnection::connect(const std::string& socket_dir) {
    int dfd = ::open(socket_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw_sys(errno, "open {}", socket_dir);
    }
    UniqueFd dir(dfd);
    UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!sock) throw_sys(errno, "socket");
    socklen_t len;
    sockaddr_un sa = shim::attach_addr(dir.get(), len);
    // Non-blocking, so a shim that stopped accepting cannot hang us.
    auto deadline = Clock::now() + std::chrono::milliseconds(kConnectTimeoutMs);
    while (::connect(sock.get(), reinterpret_cast<sockaddr*>(&sa), len) < 0) {
        if (errno == ECONNREFUSED || errno == ENOENT) return std::nullopt;
        if ((errno != EAGAIN && errno != EINTR) || ms_left(deadline) == 0)
            throw_sys(errno, "connect {}/{}", socket_dir, shim::kSocketName);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    set_nonblock(sock.get(), false);
    return ShimConnection(std::move(sock));
}

void ShimConnection::request(const shim::Request& r, int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    send_packet(fd_.get(), shim::Packet::Request, shim::encode_request(r));
    for (;;) {
        auto p = recv_packet_wait(fd_.get(), deadline, timeout_ms < 0);
        if (!p) fail(ErrorKind::System, "conman-shim did not answer \"{}\" within {} ms", r.op, timeout_ms);
        if (p->empty()) fail(ErrorKind::System, "conman-shim closed the connection during \"{}\"", r.op);
        if (static_cast<shim::Packet>((*p)[0]) != shim::Packet::Reply) continue;
        std::string err = shim::decode_reply(std::string_view(*p).substr(1));
        if (!err.empty()) throw Error(ErrorKind::Runtime, err);
        return;
    }
}

std::optional<shim::ExitRecord> ShimConnection::wait_exit(int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    send_packet(fd_.get(), shim::Packet::Request, shim::encode_request(shim::Request{.op = "wait"}));
    for (;;) {
        auto p = recv_packet_wait(fd_.get(), deadline, timeout_ms < 0);
        if (!p || p->empty()) return std::nullopt;
        if (static_cast<shim::Packet>((*p)[0]) == shim::Packet::Exit)
            return shim::decode_exit(std::string_view(*p).substr(1));
    }
}

namespace {

// For the duration of a relay: the proxied signals are blocked and read from
// a signalfd, SIGPIPE is ignored (a closed stdout must not kill us).
class RelaySignals {
public:
    explicit RelaySignals(bool proxy) {
        struct sigaction ign {};
        ign.sa_handler = SIG_IGN;
        ::sigaction(SIGPIPE, &ign, &old_pipe_);
        if (!proxy) return;
        sigemptyset(&set_);
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&set_, s);
        ::sigprocmask(SIG_BLOCK, &set_, &old_mask_);
        fd_.reset(::signalfd(-1, &set_, SFD_NONBLOCK | SFD_CLOEXEC));
        blocked_ = true;
    }
    ~RelaySignals() {
        if (blocked_) {
            read_all_signals();  // drop what came in too late to forward
            ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
        }
        ::sigaction(SIGPIPE, &old_pipe_, nullptr);
    }
    int fd() const { return fd_.get(); }
    std::vector<int> read_all_signals() {
        std::vector<int> out;
        signalfd_siginfo si;
        while (fd_ && read_some(fd_.get(), &si, sizeof si) == sizeof si) out.push_back(static_cast<int>(si.ssi_signo));
        return out;
    }

private:
    struct sigaction old_pipe_ {};
    sigset_t set_{}, old_mask_{};
    UniqueFd fd_;
    bool blocked_ = false;
};

struct RelayState {
    explicit RelayState(const RelayOptions& opts) : o(opts), stdin_open(opts.stdin_fd >= 0) {}
    const RelayOptions& o;
    std::deque<std::string> outq;  // packets to the shim not yet sent
    size_t out_bytes = 0;
    bool stdin_open;
    bool out_ok = true, err_ok = true;
    std::optional<shim::ExitRecord> exit;

    void queue(shim::Packet t, std::string_view payload) {
        outq.push_back(shim::make_packet(t, payload));
        out_bytes += outq.back().size();
    }
    // Returns false at EOF.
    bool on_packet(const std::string& p) {
        if (p.empty()) return false;
        std::string_view body = std::string_view(p).substr(1);
        switch (static_cast<shim::Packet>(p[0])) {
        case shim::Packet::Stdout:
            if (out_ok) out_ok = try_write_all(o.out_fd, body);
            break;
        case shim::Packet::Stderr:
            if (err_ok) err_ok = try_write_all(o.err_fd, body);
            break;
        case shim::Packet::Exit:
            // The shim sends Exit only after the last output: nothing can
            // follow that the user would see, so the relay ends here.
            exit = shim::decode_exit(body);
            stdin_open = false;
            return false;
        default: break;  // replies to our kill requests: nothing to do
        }
        return true;
    }
    void flush(int fd) {
        while (!outq.empty()) {
            ssize_t n = ::send(fd, outq.front().data(), outq.front().size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) return;
            if (n < 0) throw_sys(errno, "write to conman-shim");
            out_bytes -= outq.front().size();
            outq.pop_front();
        }
    }
    void read_stdin() {
        char buf[shim::kMaxPayload];
        long n = read_some(o.stdin_fd, buf, sizeof buf);
        if (n < 0 && errno == EAGAIN) return;
        if (n > 0) {
            queue(shim::Packet::Stdin, std::string_view(buf, static_cast<size_t>(n)));
            return;
        }
        queue(shim::Packet::StdinClose, "");
        stdin_open = false;
    }
};

}  // namespace

std::optional<shim::ExitRecord> relay(ShimConnection& c, const RelayOptions& o) {
    RelaySignals sigs(o.sig_proxy);
    set_nonblock(c.fd(), true);
    RelayState st(o);
    for (;;) {
        pollfd p[3] = {{c.fd(), POLLIN, 0}, {sigs.fd(), POLLIN, 0}, {-1, POLLIN, 0}};
        if (!st.outq.empty()) p[0].events |= POLLOUT;
        if (st.stdin_open && st.out_bytes < kMaxOutgoing) p[2].fd = o.stdin_fd;
        if (::poll(p, 3, -1) < 0 && errno != EINTR) throw_sys(errno, "poll");
        if (p[0].revents & POLLIN) {
            while (auto pkt = recv_packet(c.fd())) {
                if (!st.on_packet(*pkt)) return st.exit;
            }
        } else if (p[0].revents & (POLLHUP | POLLERR)) {
            return st.exit;
        }
        if (p[1].revents) {
            for (int sig : sigs.read_all_signals()) {
                st.queue(shim::Packet::Request, shim::encode_request({.op = "kill", .signal = sig}));
            }
        }
        if (p[2].revents) st.read_stdin();
        try {
            st.flush(c.fd());
        } catch (const Error&) {
            // The shim went away; its EOF ends the loop on the next round.
            st.outq.clear();
            st.out_bytes = 0;
        }
    }
}

}  // namespace conman
