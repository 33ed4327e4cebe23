// The engine's side of restart policies and --cidfile: what create records,
// what stop/kill/rm/start tell the shim, and the files involved
// (<root>/containers/<id>/{restart-count,stopped-by-user}, the cidfile).
#pragma once
#include <string>

#include "conman/container.hpp"
#include "conman/context.hpp"
#include "conman/store.hpp"

namespace conman {

struct CreateOptions;

// Validates --restart, --sdnotify and --cidfile at create and records them in c.service.
void apply_service_options(ContainerConfig& c, const CreateOptions& o);
// Writes the container's ID to path atomically (temp file + link(2), so a
// reader never sees a partial ID); Conflict when path exists.
void write_cidfile(const std::string& path, const std::string& id);
// Removes the container's cidfile if it still holds its ID.
void remove_cidfile(const ContainerConfig& c) noexcept;
// IDs read from --cidfile files (stop, rm); a missing file is NotFound.
std::string read_cidfile(const std::string& path);
// A stop, kill or rm by the user: marks the container stopped by the user
// (unless mark is false) and tells its shim not to restart it. A shim
// waiting to restart ends; this waits (bounded) until it has.
void prevent_restart(const Context& ctx, const Store& store, const Container& c, bool mark = true);
// A start by the user: forgets the stop mark and the restart count.
void reset_restart_state(const Store& store, const std::string& id);
// Fills state.restart_count (and the current pid after a restart) from the shim's files.
void load_restart_state(const Store& store, Container& c);
bool stopped_by_user(const Store& store, const std::string& id);

}  // namespace conman
