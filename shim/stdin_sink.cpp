#include "stdin_sink.hpp"

#include <cerrno>
#include <sys/epoll.h>
#include <unistd.h>

#include "conman/error.hpp"

namespace conman::shimd {

StdinSink::StdinSink(int epfd, UniqueFd fd, bool close_on_eof)
    : epfd_(epfd), fd_(std::move(fd)), close_on_eof_(close_on_eof) {
    set_nonblock(fd_.get(), true);
    epoll_event ev{};
    ev.data.fd = fd_.get();
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd_.get(), &ev) < 0) throw_sys(errno, "epoll_ctl");
}

StdinSink& StdinSink::operator=(StdinSink&& o) noexcept {
    if (this != &o) {
        reset();
        epfd_ = o.epfd_;
        fd_ = std::move(o.fd_);
        close_on_eof_ = o.close_on_eof_;
        close_pending_ = o.close_pending_;
        want_out_ = o.want_out_;
        buf_ = std::move(o.buf_);
    }
    return *this;
}

void StdinSink::write(std::string_view data) {
    if (!fd_ || close_pending_) return;
    buf_.append(data);
    flush();
}

void StdinSink::close_when_flushed() {
    if (!fd_ || !close_on_eof_) return;
    close_pending_ = true;
    flush();
}

void StdinSink::flush() {
    if (!fd_) return;
    while (!buf_.empty()) {
        ssize_t n = ::write(fd_.get(), buf_.data(), buf_.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        if (n < 0) {  // EPIPE/EIO: the reader is gone; drop what is left
            buf_.clear();
            close_pending_ = close_on_eof_;
            break;
        }
        buf_.erase(0, static_cast<size_t>(n));
    }
    if (buf_.empty() && buf_.capacity() > kHigh) std::string().swap(buf_);
    if (buf_.empty() && close_pending_) reset();
    else update_events();
}

void StdinSink::update_events() noexcept {
    bool want = !buf_.empty();
    if (want == want_out_) return;
    want_out_ = want;
    epoll_event ev{};
    ev.events = want ? static_cast<uint32_t>(EPOLLOUT) : 0u;
    ev.data.fd = fd_.get();
    ::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd_.get(), &ev);
}

void StdinSink::reset() noexcept {
    if (fd_) ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd_.get(), nullptr);
    fd_.reset();
    buf_.clear();
    close_pending_ = false;
    want_out_ = false;
}

}  // namespace conman::shimd
