// relay(): the attached client's loop. Output packets go to our stdout and
// stderr, our stdin goes to the shim (watching for the detach keys), our
// signals become kill requests and SIGWINCH a resize request. Nothing here
// blocks on the shim: packets to it wait in a bounded queue.
#include <cerrno>
#include <csignal>
#include <deque>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "conman/error.hpp"
#include "conman/shim_client.hpp"
#include "conman/terminal.hpp"

namespace conman {

namespace {

constexpr size_t kMaxOutgoing = 1 << 20;

// For the duration of a relay: the proxied signals (and SIGWINCH for a
// terminal) are blocked and read from a signalfd; SIGPIPE is ignored so a
// closed stdout cannot kill us.
class RelaySignals {
public:
    RelaySignals(bool proxy, bool winch) {
        struct sigaction ign {};
        ign.sa_handler = SIG_IGN;
        ::sigaction(SIGPIPE, &ign, &old_pipe_);
        sigemptyset(&set_);
        if (proxy)
            for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&set_, s);
        if (winch) sigaddset(&set_, SIGWINCH);
        if (!proxy && !winch) return;
        ::sigprocmask(SIG_BLOCK, &set_, &old_mask_);
        fd_.reset(::signalfd(-1, &set_, SFD_NONBLOCK | SFD_CLOEXEC));
        blocked_ = true;
    }
    ~RelaySignals() {
        if (blocked_) {
            read_all();  // drop what came in too late to forward
            ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
        }
        ::sigaction(SIGPIPE, &old_pipe_, nullptr);
    }
    RelaySignals(const RelaySignals&) = delete;
    RelaySignals& operator=(const RelaySignals&) = delete;
    int fd() const { return fd_.get(); }
    std::vector<int> read_all() {
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

// Finds the detach sequence in the stdin stream. Bytes that may start the
// sequence are held back until it is clear whether they complete it.
class DetachMatcher {
public:
    explicit DetachMatcher(std::string keys) : keys_(std::move(keys)) {}
    // Returns the bytes to forward; sets detached when the sequence is complete.
    std::string feed(std::string_view in, bool& detached) {
        std::string out;
        for (char ch : in) {
            if (keys_.empty()) {
                out += ch;
                continue;
            }
            if (ch == keys_[held_.size()]) {
                held_ += ch;
                if (held_.size() == keys_.size()) {
                    detached = true;
                    return out;
                }
                continue;
            }
            out += held_;
            held_.clear();
            if (ch == keys_[0]) held_ += ch;
            else out += ch;
        }
        return out;
    }
    std::string release() { return std::exchange(held_, {}); }

private:
    std::string keys_;
    std::string held_;
};

struct RelayState {
    explicit RelayState(const RelayOptions& opts)
        : o(opts), stdin_open(opts.stdin_fd >= 0), detach(opts.detach_keys) {}
    const RelayOptions& o;
    std::deque<std::string> outq;  // packets to the shim not yet sent
    size_t out_bytes = 0;
    bool stdin_open;
    bool out_ok = true, err_ok = true;
    DetachMatcher detach;
    RelayResult result;

    void queue(shim::Packet t, std::string_view payload) {
        outq.push_back(shim::make_packet(t, payload));
        out_bytes += outq.back().size();
    }
    void queue_resize() {
        if (auto ws = terminal_size(o.tty_fd))
            queue(shim::Packet::Request, shim::encode_request({.op = "resize", .rows = ws->rows, .cols = ws->cols}));
    }
    // Returns false when the relay is over (Exit or EOF).
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
            result.exit = shim::decode_exit(body);
            return false;
        default: break;  // replies to our requests: nothing to do
        }
        return true;
    }
    void flush(int fd) {
        while (!outq.empty()) {
            ssize_t n = ::send(fd, outq.front().data(), outq.front().size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) return;
            if (n < 0) throw_sys(errno, "write to conman-shim");
            out_bytes -= outq.front().size();
            outq.pop_front();
        }
    }
    void read_stdin() {
        char buf[shim::kMaxPayload];
        long n = read_some(o.stdin_fd, buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (n > 0) {
            bool detached = false;
            std::string fwd = detach.feed(std::string_view(buf, static_cast<size_t>(n)), detached);
            if (!fwd.empty()) queue(shim::Packet::Stdin, fwd);
            if (detached) result.detached = true;
            return;
        }
        std::string rest = detach.release();
        if (!rest.empty()) queue(shim::Packet::Stdin, rest);
        queue(shim::Packet::StdinClose, "");
        stdin_open = false;
    }
    void send_all_before_leaving(int fd) {
        // Bounded: a shim that stopped reading must not keep us here.
        for (int i = 0; i < 100 && !outq.empty(); ++i) {
            flush(fd);
            if (!outq.empty()) {
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, 10);
            }
        }
    }
};

}  // namespace

RelayResult relay(ShimConnection& c, const RelayOptions& o) {
    RelaySignals sigs(o.sig_proxy, o.tty_fd >= 0);
    set_nonblock(c.fd(), true);
    RelayState st(o);
    if (o.tty_fd >= 0) st.queue_resize();
    for (;;) {
        pollfd p[3] = {{c.fd(), POLLIN, 0}, {sigs.fd(), POLLIN, 0}, {-1, POLLIN, 0}};
        if (!st.outq.empty()) p[0].events |= POLLOUT;
        if (st.stdin_open && st.out_bytes < kMaxOutgoing) p[2].fd = o.stdin_fd;
        if (::poll(p, 3, -1) < 0 && errno != EINTR) throw_sys(errno, "poll");
        if (p[0].revents & POLLIN) {
            while (auto pkt = recv_packet(c.fd())) {
                if (!st.on_packet(*pkt)) return st.result;
            }
        } else if (p[0].revents & (POLLHUP | POLLERR)) {
            return st.result;
        }
        if (p[1].revents) {
            for (int sig : sigs.read_all()) {
                if (sig == SIGWINCH) st.queue_resize();
                else st.queue(shim::Packet::Request, shim::encode_request({.op = "kill", .signal = sig}));
            }
        }
        if (p[2].revents) st.read_stdin();
        try {
            st.flush(c.fd());
            if (st.result.detached) {
                st.send_all_before_leaving(c.fd());
                return st.result;
            }
        } catch (const Error&) {
            // The shim went away; its EOF ends the loop on the next round.
            st.outq.clear();
            st.out_bytes = 0;
            if (st.result.detached) return st.result;
        }
    }
}

}  // namespace conman
