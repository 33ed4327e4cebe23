// The long-lived shim process: one per container. A Shim owns every fd the
// process uses (sync fd, lock, log, the container's pipes, the attach server,
// epoll and signalfd) and runs three phases: create (runc create + sync
// message, create.cpp), serve (the epoll loop, shim.cpp) and exit (drain,
// exit record, runtime delete, exit command, exit.cpp). Exec sessions
// (exec.cpp, exec_io.cpp) live inside the serve phase and end before the
// container's exit is published.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "attach_server.hpp"
#include "conman/fd.hpp"
#include "conman/process.hpp"
#include "conman/restart_policy.hpp"
#include "conman/shim_protocol.hpp"
#include "console.hpp"
#include "exec_session.hpp"
#include "log_writer.hpp"
#include "oom.hpp"
#include "reaper.hpp"
#include "stdin_sink.hpp"

namespace conman::shimd {

// Bounds of the exit path (exit.cpp) and of a restart (restart.cpp).
inline constexpr int kFlushMs = 3000;               // clients' output before the Exit packet
inline constexpr int kLastFlushMs = 500;            // after it
inline constexpr int kDeleteTimeoutMs = 10000;      // runtime delete
inline constexpr int kExitCommandTimeoutMs = 60000;  // conman container cleanup

// Runtime output helpers (create.cpp).
// Reads what fd holds now, without blocking, up to 64 KiB in total.
void read_available(int fd, std::string& into);
// What the runtime said went wrong: the msg of the last error-level line its
// JSON log got after offset, else of its stderr, else stderr's last line.
std::string runtime_error_text(const std::string& log_path, off_t offset, std::string_view err);
std::string describe_status(int status);
// The exit record of a raw wait status (INT_MIN: status lost) (exit.cpp).
shim::ExitRecord exit_record(int status, int64_t exited_at);
// A file next to the exit record (the container's directory): "started", ...
std::string state_file(const shim::ShimArgs& a, const char* name);

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
    std::vector<std::string> runtime_argv(const std::string& log_path) const;
    void setup();
    bool create_container();
    Child spawn_create();
    std::optional<int> wait_create(Child& runc, std::string& out, std::string& err);
    void report_failure(const std::string& msg, const std::string& stderr_text);
    bool report_started();  // false when the sync message could not be sent
    void take_console();    // --terminal: the master from the console socket
    // shim.cpp
    void serve();
    void dispatch(int fd, uint32_t events);
    void on_signals();
    bool read_output(bool is_stderr);
    void output(bool is_stderr, std::string_view data);
    void flush_stdin();
    void resize(Client& c, const shim::Request& r);
    void check_container_exit();
    // Whether the container's init has exited, recorded or not yet reaped;
    // reads only (check_container_exit() is what records it).
    bool init_exited() const;
    void signal_container(int sig, std::string* err);
    // exec.cpp
    void start_exec(Client& c, const shim::Request& r);
    void write_process_file(const ExecSession& s, const shim::Request& r) const;
    void spawn_exec(ExecSession& s);
    void check_sessions();
    void on_exec_runtime_exit(ExecSession& s, int status);
    void exec_started(ExecSession& s);
    void fail_exec(ExecSession& s, const std::string& msg);
    void end_sessions();
    // exec_io.cpp
    ExecSession* find_session(int id);
    Client* session_client(ExecSession& s);
    bool dispatch_exec(int fd);
    bool read_session(ExecSession& s, bool is_stderr, bool draining);
    void pause_session_output(ExecSession& s, bool paused);
    void poll_session_exit(ExecSession& s);
    void finish_session(ExecSession& s);
    void close_session(ExecSession& s) noexcept;
    void session_stdin(Client& c, std::string_view data, bool close);
    void session_stdin_flushed(ExecSession& s);
    void resize_session(Client& c, const shim::Request& r);
    // restart.cpp: restart policies
    bool run_restarts();  // false when it already ended the shim (no finish())
    bool stopped_by_user() const;
    bool restart_due() const;
    void publish_exit_for_restart();
    bool restart_wait();
    bool start_again();
    void end_after_restarts();
    int exit_status() const;  // the shim's own exit code: the container's last one
    // service.cpp: shim.pid and the sd_notify proxy socket
    void setup_service();
    void relay_notify();
    // exit.cpp
    void finish();
    void record_exit();  // sessions ended, output drained and synced, exit record written (exit_json_)
    void write_exit_record();
    void make_exit_reserve() noexcept;  // the room write_exit_record frees on a full disk
    void drain_output();
    shim::ExitRecord make_record() const;
    void record_died_event() noexcept;
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

    UniqueFd out_r_, err_r_;   // container stdout/stderr, shim ends (non-blocking); tty: out_r_ = dup of the master
    StdinSink stdin_;          // container stdin (pipe, or dup of the master), only with --stdin
    ConsoleSocket console_sock_;  // --terminal: until the runtime sent the master
    UniqueFd console_;         // --terminal: the container's pty master (resize)

    std::vector<std::unique_ptr<ExecSession>> sessions_;
    int next_exec_ = 1;

    pid_t pid_ = 0;            // container pid
    UniqueFd pidfd_;
    std::optional<int> status_;  // raw wait status once the container has exited
    int64_t exited_at_ = 0;
    std::string exit_json_;      // the record, once published
    int pending_signal_ = 0;     // SIGTERM/SIGINT that arrived before the pid was known
    std::string old_oom_score_;
    std::string abandon_reason_;  // why the shim itself killed the container (conman went away mid-create)
    OomWatch oom_;

    int restarts_ = 0;           // restarts done by this shim (restart.cpp)
    bool no_restart_ = false;    // "norestart" request, or a signal while waiting to restart
    UniqueFd notify_fd_;         // the container's sd_notify proxy socket (service.cpp)
};

}  // namespace conman::shimd
