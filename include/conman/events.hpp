// The events log: <root>/events/events.log, one JSON object per line,
// appended with a single O_APPEND write per event so that concurrent writers
// (conman processes and every container's shim) never interleave. Nothing
// rewrites or truncates it. `conman events` reads it back, filters it and
// follows it.
//
// The line format, the append and the filters are in conman_core (the shim
// writes "died" itself); emit() — which knows the Context — is in the engine.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace conman {

struct Context;
struct ContainerConfig;

struct Event {
    int64_t time = 0;        // ns since the epoch
    std::string type;        // "container", "image"
    std::string status;      // "create", "start", "died", "pull", ...
    std::string id;          // container or image ID
    std::string name;        // container name, or image reference
    std::string image;       // a container's image
    std::map<std::string, std::string> attributes;  // labels, ...
    std::optional<int> exit_code;                   // died
};

// One line, without the newline: {"time":…,"type":…,"status":…,…}.
std::string encode_event(const Event& e);
// Parses one line; nullopt when it is not an event (a torn or foreign line).
std::optional<Event> decode_event(const std::string& line);
// Appends e (one write(2) of the whole line, O_APPEND). Errors are swallowed:
// an event is never worth failing the operation that caused it.
void append_event(const std::string& log_path, const Event& e) noexcept;
// The event for a container from its record fields.
Event container_event(const std::string& status, const std::string& id, const std::string& name,
                      const std::string& image, const std::map<std::string, std::string>& labels);
// The log path under a root directory.
std::string events_log_path(const std::string& root);

// --filter KEY=VALUE: container=, event= (status=), image=, type=, label=,
// id=. Values of one key are alternatives; different keys must all match.
class EventFilter {
public:
    // Throws Error(Usage) on an unknown key or a missing "=".
    static EventFilter parse(const std::vector<std::string>& filters);
    bool matches(const Event& e) const;

private:
    std::map<std::string, std::vector<std::string>> by_key_;
};

// What `events --format json` prints for e (podman's field names).
nlohmann::json event_json(const Event& e);
// podman's default line: "2026-11-23 16:54:31.1234 +0000 UTC container start <id> (image=…, name=…)".
std::string event_human(const Event& e);
// Go's time.Time String() form of ns in local time: "2006-01-02 15:04:05.999999999 -0700 MST".
std::string go_time_string(int64_t ns);

// Engine side: records an event for a container (or an image) in ctx's log.
void emit(const Context& ctx, const ContainerConfig& c, const std::string& status,
          std::optional<int> exit_code = std::nullopt) noexcept;
void emit_image(const Context& ctx, const std::string& status, const std::string& id,
                const std::string& name) noexcept;

}  // namespace conman
