// Container IDs and names: 64-hex random IDs, podman-style adjective_noun
// names, and the rule a user-given name must follow.
#pragma once
#include <string>
#include <string_view>

namespace conman {

std::string new_container_id();                 // 64 lowercase hex chars from getrandom
std::string random_name();                      // "adjective_noun"
bool valid_name(std::string_view name);         // [a-zA-Z0-9][a-zA-Z0-9_.-]*
bool looks_like_id_prefix(std::string_view s);  // 1..64 lowercase hex
std::string short_id(std::string_view id);      // first 12 chars

}  // namespace conman
