#include "attach_server.hpp"

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conman/error.hpp"

namespace conman::shimd {

namespace {

constexpr size_t kRecvBuf = 1 + 4 * shim::kMaxPayload;

void epoll_set(int epfd, int op, int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epfd, op, fd, &ev) < 0) throw_sys(errno, "epoll_ctl");
}

}  // namespace

AttachServer::AttachServer(int epfd, const std::string& socket_dir)
    : epfd_(epfd), dirfd_(open_fd(socket_dir, O_PATH | O_DIRECTORY)) {
    ::unlinkat(dirfd_.get(), shim::kSocketName, 0);  // a stale socket from an earlier shim
    listen_.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listen_) throw_sys(errno, "socket");
    socklen_t len;
    sockaddr_un sa = shim::attach_addr(dirfd_.get(), len);
    if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&sa), len) < 0)
        throw_sys(errno, "bind {}/{}", socket_dir, shim::kSocketName);
    if (::listen(listen_.get(), 32) < 0) throw_sys(errno, "listen {}/{}", socket_dir, shim::kSocketName);
    epoll_set(epfd_, EPOLL_CTL_ADD, listen_.get(), EPOLLIN);
}

AttachServer::~AttachServer() {
    close_clients();
    close_listener();
}

void AttachServer::accept_all() {
    while (listen_) {
        int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return;  // EAGAIN, or out of fds: try again on the next wakeup
        }
        auto c = std::make_unique<Client>();
        c->fd.reset(fd);
        epoll_set(epfd_, EPOLL_CTL_ADD, fd, EPOLLIN);
        clients_.emplace(fd, std::move(c));
    }
}

void AttachServer::adopt(UniqueFd fd, bool with_stdin) {
    set_nonblock(fd.get(), true);
    auto c = std::make_unique<Client>();
    int raw = fd.get();
    c->fd = std::move(fd);
    c->attached = true;
    c->want_stdout = c->want_stderr = true;
    c->want_stdin = with_stdin;
    epoll_set(epfd_, EPOLL_CTL_ADD, raw, EPOLLIN);
    clients_.emplace(raw, std::move(c));
}

void AttachServer::on_client_event(int fd, uint32_t events, ClientHandler& h) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& c = *it->second;  // stays valid: only sweep() frees clients
    if (events & EPOLLOUT) push_queue(c);
    if (!c.dead && (events & EPOLLIN)) read_client(c, h);
    if (!c.dead && (events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN)) c.dead = true;
    if (!c.dead) update_events(c);
    sweep();
}

void AttachServer::read_client(Client& c, ClientHandler& h) {
    static char buf[kRecvBuf];
    // A bounded number of packets per wakeup keeps one chatty client from
    // starving the container's output.
    for (int i = 0; i < 16 && !c.dead && !c.read_closed && !reading_paused(c); ++i) {
        iovec iov{buf, sizeof buf};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        ssize_t n = ::recvmsg(c.fd.get(), &mh, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) c.dead = true;
            return;
        }
        if (n == 0) {
            // Half-close: an attached or waiting client still gets output.
            c.read_closed = true;
            if (!c.attached && !c.waiting && !c.exec_session) c.dead = true;
            return;
        }
        if (mh.msg_flags & MSG_TRUNC) {
            c.dead = true;  // protocol violation: packet larger than allowed
            return;
        }
        dispatch(c, std::string_view(buf, static_cast<size_t>(n)), h);
    }
}

void AttachServer::dispatch(Client& c, std::string_view pkt, ClientHandler& h) {
    auto type = static_cast<shim::Packet>(pkt[0]);
    pkt.remove_prefix(1);
    switch (type) {
    case shim::Packet::Stdin: h.on_stdin(c, pkt); break;
    case shim::Packet::StdinClose: h.on_stdin_close(c); break;
    case shim::Packet::Request:
        try {
            h.on_request(c, shim::decode_request(pkt));
        } catch (const Error& e) {
            reply_error(c, e.what());
        }
        break;
    default: c.dead = true;  // clients send nothing else
    }
}

void AttachServer::send(Client& c, std::string packet) {
    if (c.dead) return;
    if (c.queue.empty()) {
        ssize_t n;
        do {
            n = ::send(c.fd.get(), packet.data(), packet.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        if (n >= 0) return;  // SEQPACKET: all or nothing
        if (errno != EAGAIN && errno != ENOBUFS) {
            c.dead = true;
            return;
        }
    }
    c.queued += packet.size();
    c.queue.push_back(std::move(packet));
    if (c.queued > kMaxQueue) {
        c.dead = true;  // a reader this slow loses its session, never the container
        return;
    }
    if (c.queue.size() == 1) update_events(c);
}

void AttachServer::push_queue(Client& c) {
    while (!c.queue.empty()) {
        const std::string& p = c.queue.front();
        ssize_t n = ::send(c.fd.get(), p.data(), p.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != ENOBUFS) c.dead = true;
            return;
        }
        c.queued -= p.size();
        c.queue.pop_front();
    }
}

void AttachServer::reply_ok(Client& c) { send(c, shim::make_packet(shim::Packet::Reply, shim::encode_reply(""))); }

void AttachServer::reply_error(Client& c, std::string_view msg) {
    send(c, shim::make_packet(shim::Packet::Reply, shim::encode_reply(msg)));
}

void AttachServer::broadcast_output(shim::Packet stream, std::string_view data) {
    bool out = stream == shim::Packet::Stdout;
    std::string pkt;
    for (auto& [fd, c] : clients_) {
        if (!c->attached || !(out ? c->want_stdout : c->want_stderr)) continue;
        if (pkt.empty()) pkt = shim::make_packet(stream, data);
        send(*c, pkt);
    }
}

void AttachServer::broadcast_exit(std::string_view exit_json) {
    std::string pkt = shim::make_packet(shim::Packet::Exit, exit_json);
    for (auto& [fd, c] : clients_) {
        if (c->attached || c->waiting) send(*c, pkt);
    }
}

void AttachServer::pause_reading(bool paused) {
    if (paused == paused_) return;
    paused_ = paused;
    for (auto& [fd, c] : clients_) update_events(*c);
}

void AttachServer::pause_client(Client& c, bool paused) {
    if (c.stdin_paused == paused || c.dead) return;
    c.stdin_paused = paused;
    update_events(c);
}

Client* AttachServer::find(int fd) {
    auto it = clients_.find(fd);
    return it == clients_.end() || it->second->dead ? nullptr : it->second.get();
}

void AttachServer::flush(int timeout_ms) {
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        bool pending = false;
        for (auto& [fd, c] : clients_) {
            push_queue(*c);
            pending = pending || (!c->dead && !c->queue.empty());
        }
        sweep();
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (!pending || left <= 0) return;
        epoll_event ev[16];
        ::epoll_wait(epfd_, ev, 16, static_cast<int>(std::min<long>(left, 100)));
    }
}

void AttachServer::close_listener() noexcept {
    if (!listen_) return;
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, listen_.get(), nullptr);
    listen_.reset();
    ::unlinkat(dirfd_.get(), shim::kSocketName, 0);
}

void AttachServer::serve_pending(ClientHandler& h) {
    paused_ = false;
    for (auto& [fd, c] : clients_) {
        c->stdin_paused = false;
        for (int i = 0; i < 8 && !c->dead && !c->read_closed; ++i) read_client(*c, h);
    }
}

void AttachServer::close_clients() noexcept {
    for (auto& [fd, c] : clients_) c->dead = true;
    sweep();
}

void AttachServer::update_events(Client& c) {
    uint32_t ev = 0;
    // Only stdin writers are paused: kill and wait must get through.
    if (!reading_paused(c) && !c.read_closed) ev |= EPOLLIN;
    if (!c.queue.empty()) ev |= EPOLLOUT;
    epoll_event e{};
    e.events = ev;
    e.data.fd = c.fd.get();
    ::epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd.get(), &e);
}

void AttachServer::sweep() {
    for (auto it = clients_.begin(); it != clients_.end();) {
        if (it->second->dead) {
            ::epoll_ctl(epfd_, EPOLL_CTL_DEL, it->first, nullptr);
            it = clients_.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace conman::shimd
