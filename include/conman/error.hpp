// conman::Error: the one exception type. It carries a kind (which decides the
// exit code), the errno that caused it (0 if none) and a message that names
// the object first and the reason after it: "open /x: No such file or directory".
#pragma once
#include <fmt/format.h>
#include <stdexcept>
#include <string>

namespace conman {

enum class ErrorKind {
    Usage,      // bad flags or arguments (125)
    NotFound,   // no such container/image (125)
    Conflict,   // name in use, container running, ... (125)
    Runtime,    // the OCI runtime failed (125)
    System,     // a syscall failed (125)
    NotExecutable,  // command found but cannot be executed (126)
    CommandNotFound // command not found in the container (127)
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, std::string msg, int err_no = 0)
        : std::runtime_error(std::move(msg)), kind_(kind), err_no_(err_no) {}

    ErrorKind kind() const noexcept { return kind_; }
    int err_no() const noexcept { return err_no_; }
    // Exit code for conman's CLI: 125, 126 or 127.
    int exit_code() const noexcept;
    // Adds context in front: "creating container x: <old message>".
    [[nodiscard]] Error prefixed(std::string_view context) const;

private:
    ErrorKind kind_;
    int err_no_;
};

// "what: strerror(err)" with kind System.
[[noreturn]] void throw_errno(int err, std::string what);

template <typename... Args>
[[noreturn]] void throw_sys(int err, fmt::format_string<Args...> f, Args&&... args) {
    throw_errno(err, fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> f, Args&&... args) {
    throw Error(kind, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace conman
