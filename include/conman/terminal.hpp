// The user's terminal, seen from the CLI: its window size, raw mode for an
// interactive -t session (RawMode restores the saved settings in its
// destructor, on every exit path that unwinds), and detach-key parsing.
#pragma once
#include <optional>
#include <string>
#include <termios.h>

namespace conman {

struct WinSize {
    int rows = 0, cols = 0;
};
std::optional<WinSize> terminal_size(int fd);

class RawMode {
public:
    explicit RawMode(int fd);  // no-op when fd is not a terminal
    ~RawMode();
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;
    void restore() noexcept;

private:
    int fd_ = -1;
    termios saved_{};
    bool active_ = false;
};

// podman's --detach-keys: "ctrl-p,ctrl-q" -> "\x10\x11"; "" disables (returns "").
// Keys are ctrl-<a-z, @, [, \, ], ^, _> or single characters. Throws Usage.
std::string parse_detach_keys(const std::string& spec);
inline constexpr const char* kDefaultDetachKeys = "ctrl-p,ctrl-q";

}  // namespace conman
