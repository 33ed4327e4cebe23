// StdinSink owns the shim's write end of one process's stdin (a pipe, or a
// dup of a pty master) plus the bytes that process has not taken yet. It
// never blocks: write() keeps what the fd refuses (EAGAIN) for the next
// flush(). It keeps its fd registered with the shim's epoll (EPOLLOUT only
// while bytes wait) and deregisters it before closing.
#pragma once
#include <string>
#include <string_view>

#include "conman/fd.hpp"

namespace conman::shimd {

class StdinSink {
public:
    static constexpr size_t kHigh = 1 << 20;   // stop reading the writers above this
    static constexpr size_t kLow = 256 << 10;  // resume below this

    StdinSink() = default;
    // close_on_eof: StdinClose closes the fd (a pipe). A tty has no
    // half-close, so for a pty master StdinClose is ignored instead.
    StdinSink(int epfd, UniqueFd fd, bool close_on_eof);
    StdinSink(StdinSink&&) noexcept = default;
    StdinSink& operator=(StdinSink&& o) noexcept;
    ~StdinSink() { reset(); }

    int fd() const noexcept { return fd_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(fd_); }
    // Queues data (dropped once a close is pending or the fd is gone) and flushes.
    void write(std::string_view data);
    // StdinClose: close the fd once the buffer is flushed.
    void close_when_flushed();
    // Writes as much as the fd takes now. EPIPE drops the rest and closes.
    void flush();
    bool over_high() const noexcept { return buf_.size() > kHigh; }
    bool under_low() const noexcept { return buf_.size() < kLow; }
    // Deregisters and closes the fd, dropping buffered bytes.
    void reset() noexcept;

private:
    void update_events() noexcept;

    int epfd_ = -1;
    UniqueFd fd_;
    bool close_on_eof_ = true;
    bool close_pending_ = false;
    bool want_out_ = false;  // EPOLLOUT currently requested
    std::string buf_;
};

}  // namespace conman::shimd
