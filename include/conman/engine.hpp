// The engine: what each verb does, below the CLI. Functions take plain
// option structs (no CLI11 types) and a Context, take the store lock only
// around changes, and never hold it while waiting on a container.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "conman/container.hpp"
#include "conman/context.hpp"
#include "conman/image_pull.hpp"
#include "conman/resources.hpp"
#include "conman/network.hpp"
#include "conman/security.hpp"
#include "conman/shim_client.hpp"
#include "conman/shim_protocol.hpp"
#include "conman/store.hpp"
#include "conman/volume.hpp"

namespace conman {

struct CreateOptions {
    std::string name;
    bool auto_remove = false;
    std::vector<std::string> env;        // -e KEY=VALUE or KEY
    std::vector<std::string> env_files;  // --env-file
    std::string workdir;
    std::string user;
    std::string hostname;
    std::optional<std::string> entrypoint;
    bool rootfs_mode = false;      // --rootfs: target is a directory
    std::string pull_policy = "missing";  // --pull
    std::string tls_verify;               // --tls-verify as typed ("" = unset)
    PullOptions pull;
    std::string target;            // image reference or rootfs dir
    std::vector<std::string> cmd;  // after the target
    std::vector<std::string> labels;  // KEY=VALUE
    std::string cidfile;
    bool replace = false;
    std::string restart;                   // --restart (restart_policy.hpp)
    std::string sdnotify = "container";    // --sdnotify (sdnotify.hpp)
    std::string stop_signal;
    std::optional<int> stop_timeout;
    bool interactive = false;
    bool tty = false;
    int tty_rows = 0, tty_cols = 0;           // initial terminal size (0: unknown)
    std::vector<std::string> create_command;  // argv as typed, for inspect
    SecurityFlags security;
    std::string userns;  // --userns as typed
    ResourceFlags resources;
    VolumeFlags volumes;  // -v, --mount, --tmpfs, --volumes-from
    NetworkFlags network;
};

// --env-file content -> KEY=VALUE entries; KEY alone copies from the environment.
std::vector<std::string> parse_env_file(const std::string& content, const std::string& filename);
// Merges default env, env files and -e flags (later wins per key).
std::vector<std::string> merge_env(const std::vector<std::string>& base, const std::vector<std::string>& add);
// 127 when the command is missing in the rootfs, 126 when it is not executable, 0 otherwise.
int classify_command(const std::string& rootfs, const std::string& cmd, const std::vector<std::string>& env);

// How the shim is launched: start = create and start in one runtime call
// (`run`); attach = hand the shim a connected socket attached to the output
// before the container runs, returned in Created::attached.
struct LaunchOptions {
    bool start = false;
    bool attach = false;
};
struct Created {
    Container container;
    std::optional<ShimConnection> attached;
};
Created create_container(const Context& ctx, const CreateOptions& o, LaunchOptions lo = {});
// Spawns the container's shim (runtime create or run); maps a missing or
// non-executable command to CommandNotFound/NotExecutable.
ShimStarted launch_shim(const Context& ctx, const Store& store, const ContainerConfig& cfg, LaunchOptions lo = {},
                        std::optional<ShimConnection>* attached = nullptr);
// Starts a created container, or restarts an exited one (new shim). With
// attach, returns a connection attached to the output before it runs.
std::optional<ShimConnection> start_container(const Context& ctx, const std::string& id, bool attach = false,
                                              bool attach_stdin = false);
// Connects to a running container's shim and attaches to its output (and
// stdin when with_stdin and the container keeps one open).
ShimConnection attach_container(const Context& ctx, const Container& c, bool with_stdin);
// Sends the stop signal, waits up to timeout seconds, then SIGKILL. Waits for the exit.
void stop_container(const Context& ctx, const std::string& id, std::optional<int> timeout);
void kill_container(const Context& ctx, const std::string& id, int sig);
// Returns false when the container was running and force was not given.
void remove_container(const Context& ctx, const std::string& id, bool force, std::optional<int> timeout);
// Blocks until the container exits; returns its exit code.
int wait_container(const Context& ctx, const std::string& id);
void rename_container(const Context& ctx, const std::string& id, const std::string& new_name);
// Run by the shim after an exit: removes the container when remove is set.
void cleanup_container(const Context& ctx, const std::string& id, bool remove);
struct ExecOptions {
    std::vector<std::string> cmd;
    std::vector<std::string> env, env_files;
    std::string workdir;  // "" = the container's
    std::string user;     // "" = the container's
    bool interactive = false, tty = false, detach = false, privileged = false;
    int rows = 0, cols = 0;
};
struct ExecSession {
    ShimConnection conn;  // unless detached: carries the session's output, then its Exit
    int pid = 0;
};
// Starts cmd in the running container through its shim. A command that is
// missing or not executable throws CommandNotFound/NotExecutable.
ExecSession exec_container(const Context& ctx, const std::string& id, const ExecOptions& o);

// Loads (under the shared lock) a container by name/ID; throws NotFound.
Container lookup_container(const Context& ctx, const std::string& ref);

}  // namespace conman
