// The long-lived shim process: one per container. A Shim owns every fd the
// process uses (sync fd, lock, log, the container's pipes, the attach server,
// epoll and signalfd) and runs three phases: create (runc create + sync
// message, create.cpp), serve (the epoll loop, shim.cpp) and exit (drain,
// exit record, runtime delete, exit command, exit.cpp).
#pragma once
#include <optional>
#include <string>
#include <sys/types.h>

#include "attach_server.hpp"
#include "conman/fd.hpp"
#include "conman/process.hpp"
#include "conman/shim_protocol.hpp"
#include "log_writer.hpp"
#include "oom.hpp"
#include "reaper.hpp"

namespace conman::shimd {

class Shim final : public ClientHandler {
public:
    Shim(shim::ShimArgs args, UniqueFd sync_fd);
    // Runs all phases; returns the process exit code.
    int run();

    void on_request(Client& c, const shim::Request& r) override;
    void on_stdin(Client& c, std::string_view data) override;
    void on_stdin_close(Client& c) override;

private:
    // create.cpp
    void setup();
    bool create_container();
    Child spawn_create();
    std::optional<int> wait_create(Child& runc, std::string& out, std::string& err);
    void report_failure(const std::string& msg, const std::string& stderr_text);
    bool report_started();  // false when the sync message could not be sent
    // shim.cpp
    void serve();
    void dispatch(int fd, uint32_t events);
    void on_signals();
    bool read_output(bool is_stderr);
    void output(bool is_stderr, std::string_view data);
    void flush_stdin();
    void check_container_exit();
    void signal_container(int sig, std::string* err);
    // exit.cpp
    void finish();
    void drain_output();
    shim::ExitRecord make_record() const;
    std::optional<int> wait_child(Child& c, int timeout_ms);
    std::vector<std::string> delete_argv() const;
    void run_bounded(const std::vector<std::string>& argv, int timeout_ms);
    void restore_oom_score() noexcept;
    void cleanup_files() noexcept;

    shim::ShimArgs args_;
    UniqueFd sync_fd_;
    UniqueFd lock_fd_;
    UniqueFd epoll_;
    UniqueFd sigfd_;
    Reaper reaper_;
    LogWriter log_;
    std::optional<AttachServer> server_;

    UniqueFd out_r_, err_r_;   // container stdout/stderr, shim ends (non-blocking)
    UniqueFd stdin_w_;         // container stdin, shim end (non-blocking), only with --stdin
    std::string stdin_buf_;    // bytes not yet taken by the stdin pipe
    bool stdin_close_pending_ = false;

    pid_t pid_ = 0;            // container pid
    UniqueFd pidfd_;
    std::optional<int> status_;  // raw wait status once the container has exited
    int64_t exited_at_ = 0;
    std::string exit_json_;      // the record, once published
    int pending_signal_ = 0;     // SIGTERM/SIGINT that arrived before the pid was known
    std::string old_oom_score_;
    OomWatch oom_;
};

}  // namespace conman::shimd
