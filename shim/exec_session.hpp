// One `exec` session: a process the shim started in the running container
// with `runtime exec --detach`. The Shim owns every ExecSession (a vector of
// unique_ptr); a session owns its files in the socket dir (exec-<n>.*), its
// pipe or pty-master fds, its stdin buffer and the pidfd of its process.
// The client connection is not owned: it is named by fd and checked against
// Client::exec_session on every use, since the server may drop it any time.
#pragma once
#include <optional>
#include <string>
#include <sys/types.h>

#include "conman/fd.hpp"
#include "console.hpp"
#include "stdin_sink.hpp"

namespace conman::shimd {

struct ExecSession {
    enum class State {
        Starting,  // the runtime runs; nothing is read yet
        Running,   // replied with the pid; output flows to the client
        Done,      // Exit sent (or failed); to be freed
    };
    int id = 0;                 // n in exec-<n>.*; unique for the shim's life, never 0
    State state = State::Starting;
    std::string base;           // <socket-dir>/exec-<n>
    int client_fd = -1;         // the requesting connection; -1 once gone or detached
    bool detach = false;        // reply, then forget the connection
    bool tty = false;
    bool want_stdin = false;

    pid_t runtime_pid = 0;      // `runtime exec`, while Starting
    pid_t pid = 0;              // the session's process, once Running
    UniqueFd pidfd;
    std::optional<int> status;  // raw wait status (INT_MIN: lost)
    int64_t exited_at = 0;

    ConsoleSocket console_sock;  // tty: until the master arrived
    UniqueFd console;            // tty: the pty master, for resize
    int rows = 0, cols = 0;      // tty: a size asked for before the master arrived
    UniqueFd out_r, err_r;       // output (tty: out_r is a dup of the master)
    bool out_paused = false;     // the client's queue is full: output not read
    StdinSink stdin;
    std::string early_stdin;     // tty: Stdin that came before the master

    std::string file(const char* ext) const { return base + ext; }
};

}  // namespace conman::shimd
