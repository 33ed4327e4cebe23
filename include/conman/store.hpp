// The container store under <root>: one directory per container holding its
// record (config.json) and what the shim leaves there (ctr.log, exit), plus
// a names index (<root>/names/<name> -> id symlinks; creating a symlink is
// atomic and fails when the name is taken). Callers take lock() before
// changing anything and re-read after taking it. Store owns no fds.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conman/container.hpp"
#include "conman/context.hpp"
#include "conman/lock.hpp"

namespace conman {

class Store {
public:
    explicit Store(const Context& ctx);

    FileLock lock() const;         // exclusive, bounded wait
    FileLock lock_shared() const;  // for readers that must not see half a change

    std::vector<std::string> ids() const;
    // Loads the record and derives its current state. A corrupt record
    // yields a Container whose state.status is "unknown" and error says why.
    Container load(const std::string& id) const;
    std::vector<Container> load_all() const;
    void save(const Container& c) const;
    // Full ID for a name, a full ID or a unique ID prefix; throws NotFound.
    std::string resolve(std::string_view ref) const;
    std::optional<std::string> id_for_name(std::string_view name) const;
    // The container whose record has this name (the slow path for a damaged or stale index entry).
    std::optional<std::string> id_from_records(std::string_view name) const;
    void claim_name(const std::string& name, const std::string& id) const;  // throws Conflict
    void release_name(const std::string& name, const std::string& id) const;
    // Derives status, pid and exit details from the exit record and the shim's liveness.
    void refresh(Container& c) const;
    void mark_started(const std::string& id, int64_t at) const;
    // Forgets the previous run (exit and started files) before a restart.
    void clear_run_state(const std::string& id) const;
    // Removes every file of the container and its name.
    void remove(const Container& c) const;

    std::string dir(const std::string& id) const { return ctx_.container_dir(id); }
    std::string record_path(const std::string& id) const { return dir(id) + "/config.json"; }
    std::string log_path(const std::string& id) const { return dir(id) + "/ctr.log"; }
    std::string exit_path(const std::string& id) const { return dir(id) + "/exit"; }
    std::string started_path(const std::string& id) const { return dir(id) + "/started"; }
    std::string bundle_dir(const std::string& id) const { return dir(id) + "/bundle"; }
    std::string userdata_dir(const std::string& id) const { return dir(id) + "/userdata"; }
    std::string socket_dir(const std::string& id) const { return ctx_.socket_dir(id); }
    // Where remove() moves a container before deleting it (not listed by ids()).
    std::string trash_dir(const std::string& id) const { return ctx_.containers_dir() + "/" + kTrashPrefix + id; }
    static constexpr const char* kTrashPrefix = ".removing-";
    bool shim_alive(const std::string& id) const;
    const Context& context() const { return ctx_; }

private:
    const Context& ctx_;
};

}  // namespace conman
