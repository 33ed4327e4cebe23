// --change instructions (import, commit): a Dockerfile-like line such as
// "CMD [\"sh\"]", "ENV A=1 B=2" or "EXPOSE 80/udp", parsed into a plain
// struct and applied to an image config's "config" object. Shared by the CLI
// (to refuse a bad instruction before any work) and the image module (to
// apply it). Pure functions: no I/O, no state.
//
// Accepted: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER,
// VOLUME, WORKDIR (case-insensitive), separated from the value by blanks or
// one "=" ("CMD=/bin/sh" is "CMD /bin/sh").
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace conman {

struct ConfigChange {
    enum class Kind { Cmd, Entrypoint, Env, Expose, Label, Onbuild, StopSignal, User, Volume, Workdir };
    Kind kind = Kind::Cmd;
    // CMD/ENTRYPOINT: the argv (a JSON array as given, else sh -c VALUE; empty clears).
    // EXPOSE: "PORT/PROTO" entries. VOLUME: paths. USER, WORKDIR, STOPSIGNAL, ONBUILD: one value.
    std::vector<std::string> values;
    std::vector<std::pair<std::string, std::string>> pairs;  // ENV and LABEL, in order
};

// Throws Error(Usage) "invalid change \"...\": reason".
ConfigChange parse_config_change(std::string_view text);
std::vector<ConfigChange> parse_config_changes(const std::vector<std::string>& texts);

// Applies the changes in order to image_config["config"] (created when
// missing): CMD/ENTRYPOINT replace (an empty one removes the key), ENV and
// LABEL set keys, EXPOSE and VOLUME add keys, WORKDIR is resolved against the
// current one, ONBUILD appends.
void apply_config_changes(nlohmann::json& image_config, const std::vector<ConfigChange>& changes);

// Splits words the way a shell would for ENV/LABEL values: blanks separate,
// '...' and "..." quote, a backslash escapes the next character (not inside
// single quotes). Throws Usage on an unterminated quote.
std::vector<std::string> split_quoted_words(std::string_view s);

}  // namespace conman
