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

shim::Reply ShimConnection::request_reply(const shim::Request& r, int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    send_packet(fd_.get(), shim::Packet::Request, shim::encode_request(r));
    for (;;) {
        auto p = recv_packet_wait(fd_.get(), deadline, timeout_ms < 0);
        if (!p) fail(ErrorKind::System, "conman-shim did not answer \"{}\" within {} ms", r.op, timeout_ms);
        if (p->empty()) fail(ErrorKind::System, "conman-shim closed the connection during \"{}\"", r.op);
        if (static_cast<shim::Packet>((*p)[0]) != shim::Packet::Reply) continue;
        shim::Reply reply = shim::decode_reply_full(std::string_view(*p).substr(1));
        if (!reply.error.empty()) throw Error(ErrorKind::Runtime, reply.error);
        return reply;
    }
}

bool ShimConnection::kill_and_wait(int sig, int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    try {
        send_packet(fd_.get(), shim::Packet::Request, shim::encode_request(shim::Request{.op = "wait"}));
        if (sig > 0) send_packet(fd_.get(), shim::Packet::Request, shim::encode_request({.op = "kill", .signal = sig}));
    } catch (const Error&) {
        return true;  // the shim is gone or going: the container has exited
    }
    for (;;) {
        auto p = recv_packet_wait(fd_.get(), deadline, timeout_ms < 0);
        if (!p) return false;
        if (p->empty() || static_cast<shim::Packet>((*p)[0]) == shim::Packet::Exit) return true;
        // A kill reply (even "no such process") is not the answer we wait for.
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

}  // namespace conman
