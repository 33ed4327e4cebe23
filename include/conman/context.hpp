// Context: everything one conman invocation knows about where it works —
// state directories, the OCI runtime, the shim binary, who is running it.
// Built once in main from the global flags and passed down by reference.
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

namespace conman {

struct GlobalOptions {
    std::string root;       // --root
    std::string runroot;    // --runroot
    std::string runtime;    // --runtime (name or path)
    std::string shim_path;  // --shim-path
    std::string log_level;  // --log-level
    std::string storage_driver;  // --storage-driver
};

struct Context {
    std::string root;           // persistent state
    std::string runroot;        // volatile state (sockets, runtime state)
    std::string runtime_name;   // "runc", "crun" or what the user gave
    std::string runtime_path;   // resolved absolute path ("" if not found; checked on use)
    std::string shim_path;      // resolved conman-shim path
    std::string self_exe;       // this conman binary (for the shim's exit command)
    std::string storage_driver; // --storage-driver or CONMAN_STORAGE_DRIVER; "" = decide by probing
    bool rootless = false;
    int lock_timeout_ms = 60000;
    int create_timeout_ms = 60000;  // bound on `runtime create` (CONMAN_CREATE_TIMEOUT_MS), enforced by the shim

    std::string containers_dir() const { return root + "/containers"; }
    std::string names_dir() const { return root + "/names"; }
    std::string lock_path() const { return root + "/lock"; }
    std::string runtime_root() const { return runroot + "/runtime"; }
    std::string container_dir(const std::string& id) const { return containers_dir() + "/" + id; }
    std::string socket_dir(const std::string& id) const { return runroot + "/" + id; }
    // Global flags to hand to a child conman (the exit command) so it acts on this store.
    std::vector<std::string> global_args() const;
    // Throws a clear error when the runtime was not found.
    const std::string& require_runtime() const;
};

Context make_context(const GlobalOptions& g);
// Looks a program up in $PATH (and /usr/sbin, /sbin); "" when absent.
std::string find_program(const std::string& name);

}  // namespace conman
