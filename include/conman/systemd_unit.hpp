// `conman generate systemd`: systemd unit text for a container. Pure
// functions (no I/O) so they can be unit-tested; src/cmd/generate.cpp feeds
// them and writes the result.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conman/container.hpp"

namespace conman {

struct UnitOptions {
    bool new_container = false;               // --new: the unit creates and removes the container
    bool use_name = false;                    // --name: name the container (and the unit) by name, not ID
    std::string restart_policy = "on-failure";  // the unit's Restart=
    std::optional<int> stop_timeout;          // --time (default: the container's)
    std::string container_prefix = "container";
    std::string separator = "-";
    bool no_header = false;
    std::string conman_path = "/usr/bin/conman";
    std::vector<std::string> global_args;     // non-new: global flags for start/stop (--root ...)
    std::string runroot;                      // for RequiresMountsFor= and the shim's pid file
    std::string version;
};

struct GeneratedUnit {
    std::string name;     // "container-web.service"
    std::string content;
};

// True when a create/run flag (as spelled, e.g. "--name" or "-e") takes a value.
using TakesValue = std::function<bool(std::string_view flag)>;

GeneratedUnit generate_systemd_unit(const ContainerConfig& c, const UnitOptions& o, const TakesValue& takes_value);
// The Restart= values systemd accepts; throws Error(Usage) for others.
void check_unit_restart_policy(const std::string& policy);
// One argument in systemd's command-line syntax: quoted when needed, with
// % and $ doubled so that systemd does not expand them.
std::string systemd_quote(std::string_view arg);

// The pieces of a container's create command (argv as typed):
struct SplitCommand {
    std::vector<std::string> global;  // conman's global flags before the verb
    std::vector<std::string> flags;   // create/run flags, without those the unit sets itself
    std::vector<std::string> rest;    // image or rootfs, then the container's command
    bool has_name = false;
};
// Drops -d/--detach, --rm, --replace, --cidfile, --sdnotify and --restart
// (the unit sets its own, and systemd does the restarting).
SplitCommand split_create_command(const std::vector<std::string>& argv, const TakesValue& takes_value);

}  // namespace conman
