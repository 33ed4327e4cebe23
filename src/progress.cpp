// TransferProgress: see progress.hpp.
#include "conman/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "conman/fd.hpp"

namespace conman {

namespace {
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
}

std::string human_bytes_binary(int64_t n) {
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(n);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    return u == 0 ? fmt::format("{}B", n) : fmt::format("{:.1f}{}", v, units[u]);
}

TransferProgress::TransferProgress(int fd) : fd_(fd) {
    if (fd_ < 0 || !::isatty(fd_)) return;
    const char* term = std::getenv("TERM");
    if (term && std::string(term) == "dumb") return;
    tty_ = true;
    winsize ws{};
    if (::ioctl(fd_, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) width_ = ws.ws_col;
}

std::string TransferProgress::render(const Bar& b) const {
    std::string amounts = b.total > 0 ? fmt::format("{} / {}", human_bytes_binary(b.done), human_bytes_binary(b.total))
                                      : human_bytes_binary(b.done);
    if (!b.status.empty() && b.status != "done") return fmt::format("{} {}", b.label, b.status);
    // label [====>-----] amounts; the bar takes what the line has left.
    int room = width_ - 1 - static_cast<int>(b.label.size() + amounts.size()) - 4;
    if (room < 10) return fmt::format("{} {}", b.label, amounts);
    room = std::min(room, 60);
    int filled = b.total > 0 ? static_cast<int>(static_cast<double>(b.done) / static_cast<double>(b.total) * room) : 0;
    filled = std::clamp(filled, 0, room);
    std::string bar(static_cast<size_t>(filled), '=');
    if (filled < room) bar += '>' + std::string(static_cast<size_t>(room - filled - 1), '-');
    return fmt::format("{} [{}] {}", b.label, bar, amounts);
}

void TransferProgress::redraw_locked(bool force) {
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_draw_ < kRedrawEvery) return;
    last_draw_ = now;
    std::string out;
    if (drawn_ > 0) out += fmt::format("\x1b[{}A", drawn_);
    for (auto& b : bars_) out += "\r\x1b[K" + render(b) + "\n";
    drawn_ = bars_.size();
    try_write_all(fd_, out);
}

void TransferProgress::line(const std::string& s) {
    if (fd_ < 0) return;
    std::lock_guard<std::mutex> g(mu_);
    if (!tty_) {
        try_write_all(fd_, s + "\n");
        return;
    }
    // Once every bar has ended they stay on the screen as they are and later
    // messages follow them; until then a message goes where the bars start
    // and the bars are drawn again below it.
    if (std::all_of(bars_.begin(), bars_.end(), [](const Bar& b) { return !b.status.empty(); })) {
        redraw_locked(true);
        bars_.clear();
        drawn_ = 0;
    }
    std::string out;
    if (drawn_ > 0) out += fmt::format("\x1b[{}A", drawn_);
    out += "\r\x1b[K" + s + "\n";
    try_write_all(fd_, out);
    drawn_ = 0;
    redraw_locked(true);
}

size_t TransferProgress::add(const std::string& label, int64_t total) {
    std::lock_guard<std::mutex> g(mu_);
    bars_.push_back({label, "", total, 0});
    if (tty_) redraw_locked(true);
    return bars_.size() - 1;
}

void TransferProgress::update(size_t bar, int64_t done) {
    if (!tty_) return;
    std::lock_guard<std::mutex> g(mu_);
    bars_.at(bar).done = done;
    redraw_locked(false);
}

void TransferProgress::finish(size_t bar, const std::string& status) {
    if (fd_ < 0) return;
    std::lock_guard<std::mutex> g(mu_);
    Bar& b = bars_.at(bar);
    b.status = status;
    if (status == "done") b.done = b.total;
    if (tty_) redraw_locked(true);
    else try_write_all(fd_, fmt::format("{} {}\n", b.label, status));
}

}  // namespace conman
