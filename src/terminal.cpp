#include "conman/terminal.hpp"

#include <cctype>
#include <sys/ioctl.h>
#include <unistd.h>

#include "conman/error.hpp"

namespace conman {

std::optional<WinSize> terminal_size(int fd) {
    winsize ws{};
    if (::ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0) return std::nullopt;
    return WinSize{ws.ws_row, ws.ws_col};
}

RawMode::RawMode(int fd) {
    if (!::isatty(fd) || ::tcgetattr(fd, &saved_) < 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    // Keep output post-processing as the container's pty does it already.
    if (::tcsetattr(fd, TCSADRAIN, &raw) < 0) return;
    fd_ = fd;
    active_ = true;
}

RawMode::~RawMode() { restore(); }

void RawMode::restore() noexcept {
    if (!active_) return;
    ::tcsetattr(fd_, TCSADRAIN, &saved_);
    active_ = false;
}

std::string parse_detach_keys(const std::string& spec) {
    std::string out;
    if (spec.empty()) return out;
    size_t start = 0;
    while (start <= spec.size()) {
        size_t end = spec.find(',', start);
        if (end == std::string::npos) end = spec.size();
        std::string key = spec.substr(start, end - start);
        start = end + 1;
        if (key.size() == 1) {
            out += key;
        } else if (key.size() == 6 && key.rfind("ctrl-", 0) == 0) {
            char c = static_cast<char>(std::tolower(static_cast<unsigned char>(key[5])));
            if (c >= 'a' && c <= 'z') out += static_cast<char>(c - 'a' + 1);
            else if (c == '@') out += '\0';
            else if (c >= '[' && c <= '_') out += static_cast<char>(c - '[' + 27);
            else fail(ErrorKind::Usage, "invalid detach keys \"{}\": unknown key {}", spec, key);
        } else {
            fail(ErrorKind::Usage, "invalid detach keys \"{}\": unknown key \"{}\"", spec, key);
        }
        if (end == spec.size()) break;
    }
    return out;
}

}  // namespace conman
