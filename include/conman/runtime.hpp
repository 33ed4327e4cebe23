// OciRuntime: the argv conman itself runs against runc/crun (start, kill,
// delete, state). create is run by the shim, never here. Each call is bounded
// and turns a failure into an Error carrying the runtime's own message.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "conman/context.hpp"

namespace conman {

class OciRuntime {
public:
    explicit OciRuntime(const Context& ctx);
    void start(const std::string& id) const;
    void kill(const std::string& id, int sig, bool all = false) const;
    void delete_force(const std::string& id) const;  // no error when already gone
    // "created", "running", "stopped", ... or nullopt when the runtime does not know it.
    std::optional<std::string> state(const std::string& id) const;
    // IDs of every container in the runtime's state root (none when the runtime is missing).
    std::vector<std::string> list() const;

private:
    std::vector<std::string> base() const;
    const Context& ctx_;
};

// The last meaningful line of a runtime's stderr (JSON log lines are decoded to their msg).
std::string runtime_error_text(const std::string& stderr_text);
// Parses "SIGTERM", "TERM", "term" or "15" into a signal number; throws Usage.
int parse_signal(const std::string& s);
std::string signal_name(int sig);  // "SIGTERM"

}  // namespace conman
