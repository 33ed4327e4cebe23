// What ps and inspect show: podman's JSON shapes built from a Container.
#pragma once
#include <nlohmann/json.hpp>

#include "conman/container.hpp"
#include "conman/store.hpp"

namespace conman {

// `inspect` object (one element of the array podman prints).
nlohmann::json inspect_json(const Store& store, const Container& c);
// `ps --format json` object.
nlohmann::json ps_json(const Container& c, int64_t now);
// Data for `ps --format '{{...}}'` templates and the table (ID, Image,
// Command, CreatedHuman, CreatedAt, Status, State, Names, Labels, Pid, ...).
nlohmann::json ps_template_data(const Container& c, int64_t now, bool no_trunc);
// "Up 5 seconds", "Exited (0) 3 seconds ago", "Created".
std::string status_text(const Container& c, int64_t now);

}  // namespace conman
