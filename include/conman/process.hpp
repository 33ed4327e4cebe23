// Child processes. fork/exec happen only in process.cpp.
// A Child owns a pid plus a pidfd; if it is still owned when destroyed, the
// process is killed with SIGKILL and reaped, so no zombie or stray runtime
// outlives the scope that started it. detach() hands the pid over for good.
#pragma once
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "conman/fd.hpp"

namespace conman {

struct SpawnOptions {
    std::vector<std::string> argv;                 // argv[0] is the program path
    std::vector<std::pair<int, int>> fds;          // (fd in parent, fd number in child)
    std::optional<std::vector<std::string>> env;   // nullopt: inherit
    bool new_session = false;                      // setsid() in the child
    bool die_with_parent = false;                  // PR_SET_PDEATHSIG SIGKILL
    std::string cwd;                               // empty: inherit
};

class Child {
public:
    Child() = default;
    Child(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    Child(Child&& o) noexcept : pid_(std::exchange(o.pid_, -1)), pidfd_(std::move(o.pidfd_)) {}
    Child& operator=(Child&& o) noexcept;
    ~Child();

    pid_t pid() const noexcept { return pid_; }
    int pidfd() const noexcept { return pidfd_.get(); }
    explicit operator bool() const noexcept { return pid_ > 0; }
    // Waits up to timeout_ms (-1 forever); returns the raw wait status, or
    // nullopt on timeout (the child stays owned).
    std::optional<int> wait(int timeout_ms = -1);
    void kill(int sig) noexcept;
    // Gives up ownership: the destructor will neither kill nor reap.
    pid_t detach() noexcept;

private:
    pid_t pid_ = -1;
    UniqueFd pidfd_;
};

Child spawn(const SpawnOptions& opts);

struct CaptureResult {
    int status = 0;        // raw wait status
    std::string out, err;  // captured stdout and stderr
    int exit_code() const;  // WEXITSTATUS, or 128+signal
};
// Runs argv capturing stdout/stderr. Kills the process and throws (errno
// ETIMEDOUT) when it runs longer than timeout_ms. stdin is /dev/null, or
// stdin_data when given (small: it is written before the output is read);
// env nullopt inherits ours.
CaptureResult run_capture(const std::vector<std::string>& argv, int timeout_ms,
                          const std::optional<std::vector<std::string>>& env = std::nullopt,
                          const std::string* stdin_data = nullptr);

// Exit code from a raw wait status: code, or 128+signal.
int status_to_exit_code(int status);
// pidfd_open(2); returns an empty fd on failure (errno set).
UniqueFd pidfd_open(pid_t pid);

}  // namespace conman
