// The contract between conman and conman-shim: the shim's command line, the
// one-line sync message, the packets on the per-container SOCK_SEQPACKET
// socket, and the exit record. docs/shim-protocol.md describes it in prose.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <vector>

namespace conman::shim {

// Files inside the shim's socket dir (<runroot>/<id>/).
inline constexpr const char* kSocketName = "attach";
inline constexpr const char* kLockName = "shim.lock";   // shim holds LOCK_EX for its whole life
inline constexpr const char* kPidFileName = "pidfile";  // written by the runtime
inline constexpr size_t kMaxPayload = 8192;             // data bytes per packet

// Packet type = byte 0 of every SEQPACKET message.
enum class Packet : uint8_t {
    Stdin = 0x01,       // client -> shim: bytes for the container's stdin
    Stdout = 0x02,      // shim -> client: container stdout bytes
    Stderr = 0x03,      // shim -> client: container stderr bytes
    StdinClose = 0x04,  // client -> shim: close the container's stdin (EOF)
    Request = 0x10,     // client -> shim: JSON request (see Request)
    Reply = 0x11,       // shim -> client: JSON reply {"ok":true} or {"error":"..."}
    Exit = 0x12,        // shim -> client: JSON ExitRecord, after all output
};

// What the sync fd carries, once, as one JSON line.
struct SyncMessage {
    pid_t pid = 0;            // container pid, >0 on success
    pid_t shim_pid = 0;       // the long-lived shim process
    std::string error;        // non-empty on failure: the runtime's own message
    std::string runtime_stderr;
};
std::string encode_sync(const SyncMessage& m);
SyncMessage decode_sync(std::string_view line);  // throws Error on malformed input

// The exit record: what the shim writes (atomically) to --exit-file and sends
// as the Exit packet.
struct ExitRecord {
    int exit_code = -1;      // code, or 128+signal
    int signal = 0;          // terminating signal, 0 if none
    int64_t exited_at = 0;   // ns since the epoch
    bool oom_killed = false;
    std::string reason;      // non-empty when the code is not the container's own
};
std::string encode_exit(const ExitRecord& r);
ExitRecord decode_exit(std::string_view json);  // throws Error on malformed input

// Requests (Packet::Request body): {"op": ...}
//   attach: {"op":"attach","stdin":bool,"stdout":bool,"stderr":bool} -> Reply, then output + Exit
//   wait:   {"op":"wait"} -> Exit when the container has exited (at once if it already has)
//   kill:   {"op":"kill","signal":N} -> Reply
//   norestart: {"op":"norestart"} -> Reply. The shim will not restart the
//           container again; while it waits to restart one, it ends at once.
//   resize: {"op":"resize","rows":R,"cols":C} -> Reply. On an exec session's
//           connection it resizes that session's terminal, else the container's.
//   exec:   {"op":"exec","process":{OCI process object},"tty":bool,"stdin":bool,
//            "detach":bool,"rows":R,"cols":C}
//           -> Reply {"ok":true,"pid":N} once the runtime started the process, or
//              {"error":"<the runtime's message>"}. Unless detach, the connection
//              then belongs to the session: it gets the session's Stdout/Stderr
//              (a tty session: all Stdout), its Stdin/StdinClose/resize go to the
//              session, and it gets Exit with the session's record when the
//              process ends (after its last output). A detached session's output
//              is discarded; the shim still reaps it.
struct Request {
    std::string op = {};
    bool stdin = false, stdout = true, stderr = true;
    int signal = 0;
    int rows = 0, cols = 0;
    std::string process_json = {};  // exec: the OCI process object, as JSON text
    bool tty = false;          // exec: allocate a terminal
    bool detach = false;       // exec: do not attach the connection
};
std::string encode_request(const Request& r);
// Reply body: {"ok":true[,"pid":N]} or {"error":"..."}.
struct Reply {
    std::string error;  // empty on success
    int pid = 0;        // exec: the started process
};
std::string encode_reply(const Reply& r);
Reply decode_reply_full(std::string_view json);  // throws Error
Request decode_request(std::string_view json);  // throws Error

// Reply bodies: {"ok":true} for an empty error, else {"error":"..."}.
std::string encode_reply(std::string_view error);
// The error text of a reply; empty when it was {"ok":true}. Throws Error on malformed input.
std::string decode_reply(std::string_view json);

// The socket's address relative to an open directory fd of the socket dir:
// "/proc/self/fd/<dirfd>/attach", which works whatever the dir's path length.
sockaddr_un attach_addr(int dirfd, socklen_t& len);

// Builds a packet: type byte + payload.
std::string make_packet(Packet type, std::string_view payload);

inline constexpr int kDefaultCreateTimeoutMs = 60000;

// The shim's command line (see shim/main.cpp); conman builds it with to_argv.
struct ShimArgs {
    std::string id;
    std::string bundle;
    std::string runtime;        // absolute path to runc/crun
    std::string runtime_root;   // runc --root
    std::string log_path;       // k8s-file log
    std::string exit_file;      // persistent exit record
    std::string socket_dir;     // <runroot>/<id>
    std::string events_log;     // events log to append "died" to ("" = none)
    int sync_fd = 3;
    bool stdin = false;         // keep a stdin pipe open for the container
    bool terminal = false;      // process.terminal: the runtime sends a pty master over <socket-dir>/console.sock
    bool start = false;         // `runtime run --detach`: create and start in one step
    int attach_fd = -1;         // an already connected client, attached to the output from the start
    int create_timeout_ms = kDefaultCreateTimeoutMs;  // bound on `runtime create`; then the shim kills it and reports
    std::vector<std::string> runtime_args;  // extra global args for the runtime
    std::vector<std::string> exit_command;  // run after exit (conman container cleanup ...)
    std::string restart;        // restart policy ("always", "on-failure:3"; "" = no): see restart_policy.hpp
    bool notify_proxy = false;  // bind <socket-dir>/notify/notify.sock for the container's sd_notify
    std::string notify_socket;  // the service manager's NOTIFY_SOCKET the proxy relays to ("" = none)
};
std::vector<std::string> to_argv(const std::string& shim_path, const ShimArgs& a);
ShimArgs parse_argv(const std::vector<std::string>& argv);  // argv without argv[0]; throws Error

}  // namespace conman::shim
