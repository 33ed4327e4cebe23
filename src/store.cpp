#include "conman/store.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <unistd.h>

#include "conman/container_rootfs.hpp"
#include "conman/crash_point.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/names.hpp"
#include "conman/service.hpp"
#include "conman/shim_protocol.hpp"

namespace conman {

using nlohmann::json;

Store::Store(const Context& ctx) : ctx_(ctx) {
    mkdir_p(ctx.containers_dir());
    mkdir_p(ctx.names_dir());
    mkdir_p(ctx.runroot);
}

FileLock Store::lock() const { return FileLock(ctx_.lock_path(), FileLock::Mode::Exclusive, ctx_.lock_timeout_ms); }
FileLock Store::lock_shared() const { return FileLock(ctx_.lock_path(), FileLock::Mode::Shared, ctx_.lock_timeout_ms); }

std::vector<std::string> Store::ids() const {
    auto names = list_dir(ctx_.containers_dir());
    std::erase_if(names, [](const std::string& n) { return n.size() != 64 || !looks_like_id_prefix(n); });
    return names;
}

Container Store::load(const std::string& id) const {
    Container c;
    // Removed meanwhile (rm renames the whole directory away first): gone,
    // not a half-made create.
    if (!path_exists(dir(id)))
        fail(ErrorKind::NotFound, "no container with ID \"{}\" found: no such container (it was removed)", id);
    if (!path_exists(record_path(id))) {
        c.config.id = id;
        c.state.status = "unknown";
        c.state.error = "the container has no record: conman was interrupted while creating it; remove it with "
                        "`conman rm -f` or `conman system check --repair`";
        return c;
    }
    try {
        json j = json::parse(read_file(record_path(id)));
        c.config = j.at("config").get<ContainerConfig>();
        c.state = j.value("state", ContainerState{});
        if (c.config.id != id) throw Error(ErrorKind::System, "record names another ID");
    } catch (const std::exception& e) {
        c = Container{};
        c.config.id = id;
        c.state.status = "unknown";
        c.state.error = fmt::format("corrupt container record {}: {}", record_path(id), e.what());
        return c;
    }
    refresh(c);
    return c;
}

std::vector<Container> Store::load_all() const {
    std::vector<Container> out;
    for (auto& id : ids()) {
        try {
            out.push_back(load(id));
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::NotFound) throw;  // removed since the listing
        }
    }
    std::sort(out.begin(), out.end(),
              [](const Container& a, const Container& b) { return a.config.created > b.config.created; });
    return out;
}

void Store::save(const Container& c) const {
    json j{{"config", c.config}, {"state", c.state}};
    atomic_write(record_path(c.config.id), j.dump());
}

std::optional<std::string> Store::id_for_name(std::string_view name) const {
    if (!valid_name(name)) return std::nullopt;
    char buf[PATH_MAX];
    std::string link = ctx_.names_dir() + "/" + std::string(name);
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
    if (n < 0 && errno == ENOENT) return std::nullopt;
    if (n > 0) {
        std::string id(buf, static_cast<size_t>(n));
        if (path_exists(record_path(id))) return id;
    }
    // A damaged entry (not a link) or a stale one (its record is gone): the
    // records are the truth, so ask them before the name counts as free.
    return id_from_records(name);
}

std::optional<std::string> Store::id_from_records(std::string_view name) const {
    for (auto& id : ids()) {
        auto text = read_file_if_exists(record_path(id));
        auto j = json::parse(text.value_or(""), nullptr, false);
        if (!j.is_object() || !j.contains("config") || !j["config"].is_object()) continue;
        const auto& n = j["config"]["name"];
        if (n.is_string() && n.get<std::string>() == name) return id;
    }
    return std::nullopt;
}

std::string Store::resolve(std::string_view ref) const {
    if (ref.size() == 64 && path_exists(record_path(std::string(ref)))) return std::string(ref);
    if (auto id = id_for_name(ref)) return *id;
    if (looks_like_id_prefix(ref)) {
        std::string found;
        for (auto& id : ids()) {
            if (id.compare(0, ref.size(), ref) != 0) continue;
            if (!found.empty())
                fail(ErrorKind::NotFound, "more than one container matches ID prefix \"{}\": be more specific", ref);
            found = id;
        }
        if (!found.empty()) return found;
    }
    fail(ErrorKind::NotFound, "no container with name or ID \"{}\" found: no such container", ref);
}

void Store::claim_name(const std::string& name, const std::string& id) const {
    std::string link = ctx_.names_dir() + "/" + name;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (::symlink(id.c_str(), link.c_str()) == 0) return;
        if (errno != EEXIST) throw_sys(errno, "claiming name {}", name);
        if (auto owner = id_for_name(name)) {
            fail(ErrorKind::Conflict,
                 "the container name \"{}\" is already in use by {}: remove that container or choose another name",
                 name, *owner);
        }
        ::unlink(link.c_str());  // stale entry left by a crash
    }
    fail(ErrorKind::Conflict, "the container name \"{}\" could not be claimed", name);
}

void Store::release_name(const std::string& name, const std::string& id) const {
    if (name.empty()) {
        // A damaged record does not know its name: free every entry naming id.
        for (auto& n : list_dir(ctx_.names_dir())) release_name(n, id);
        return;
    }
    std::string link = ctx_.names_dir() + "/" + name;
    char buf[PATH_MAX];
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
    // A regular file where a link should be is damage: it names nobody.
    if ((n > 0 && std::string(buf, static_cast<size_t>(n)) == id) || (n < 0 && errno == EINVAL))
        ::unlink(link.c_str());
}

bool Store::shim_alive(const std::string& id) const {
    return is_locked_by_other(socket_dir(id) + "/" + shim::kLockName);
}

void Store::refresh(Container& c) const {
    const std::string& id = c.config.id;
    auto& s = c.state;
    load_restart_state(*this, c);
    if (auto started = read_file_if_exists(started_path(id))) {
        try {
            s.started_at = std::stoll(*started);
        } catch (...) {
        }
    }
    if (auto ex = read_file_if_exists(exit_path(id))) {
        try {
            auto r = shim::decode_exit(*ex);
            s.status = kExited;
            s.exit_code = r.exit_code;
            s.finished_at = r.exited_at;
            s.oom_killed = r.oom_killed;
            s.error = r.reason;
            s.pid = 0;
            return;
        } catch (const std::exception& e) {
            s.status = kExited;
            s.exit_code = -1;
            s.error = fmt::format("corrupt exit record: {}", e.what());
            s.pid = 0;
            return;
        }
    }
    if (shim_alive(id)) {
        s.status = s.started_at ? kRunning : kCreated;
        if (s.started_at && path_exists(socket_dir(id) + "/paused")) s.status = kPaused;  // engine_resources.cpp
        return;
    }
    // No shim and no exit record: the shim died (or never started). Report
    // it as exited with the reason rather than pretending it still runs.
    s.status = kExited;
    s.exit_code = -1;
    s.pid = 0;
    if (s.error.empty()) s.error = "conman-shim is not running and left no exit record";
}

void Store::mark_started(const std::string& id, int64_t at) const {
    atomic_write(started_path(id), std::to_string(at));
}

void Store::clear_run_state(const std::string& id) const {
    ::unlink(exit_path(id).c_str());
    ::unlink(started_path(id).c_str());
    ::unlink((socket_dir(id) + "/paused").c_str());
}

void Store::remove(const Container& c) const {
    const std::string& id = c.config.id;
    // Never descend into a mounted rootfs: unmount first.
    release_rootfs(dir(id));
    if (is_mount_point(dir(id) + "/merged")) fail(ErrorKind::System, "container {}: its rootfs is still mounted", id);
    crash_point("rm:unmounted");
    // The rename is the removal's commit point: before it the container is
    // whole, after it no command sees it, and an interruption leaves only a
    // .removing- directory that `system check --repair` clears.
    std::string trash = trash_dir(id);
    remove_all(trash);
    if (::rename(dir(id).c_str(), trash.c_str()) < 0 && errno != ENOENT) throw_sys(errno, "removing container {}", id);
    crash_point("rm:renamed");
    release_name(c.config.name, id);
    remove_cidfile(c.config);
    remove_all(socket_dir(id));
    crash_point("rm:socket-dir-removed");
    remove_all(trash);
}

}  // namespace conman
