// Restart policies and --cidfile on the engine's side (service.hpp). The
// shim applies the policy (shim/restart.cpp); conman records it, marks
// user stops so the shim leaves the container stopped, and shows the count.
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <unistd.h>

#include "conman/engine.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/restart_policy.hpp"
#include "conman/sdnotify.hpp"
#include "conman/service.hpp"
#include "conman/shim_client.hpp"

namespace conman {

namespace {

constexpr int kShimEndMs = 30000;

std::string state_file(const Store& store, const std::string& id, const char* name) {
    return store.dir(id) + "/" + name;
}

bool has_policy(const ContainerConfig& c) {
    return !c.service.restart_policy.empty() && c.service.restart_policy != "no";
}

}  // namespace

void apply_service_options(ContainerConfig& c, const CreateOptions& o) {
    RestartPolicy p = parse_restart_policy(o.restart);
    if (p.name != "no" && o.auto_remove)
        fail(ErrorKind::Usage, "the --rm option conflicts with --restart={}: a removed container cannot restart",
             format_restart_policy(p));
    check_sdnotify_mode(o.sdnotify);
    c.service.restart_policy = p.name;
    c.service.restart_retries = p.max_retries;
    c.service.sdnotify = o.sdnotify;
    if (!o.cidfile.empty()) c.service.cidfile = absolute_path(o.cidfile);
}

void write_cidfile(const std::string& path, const std::string& id) {
    std::string tmp = fmt::format("{}.{}.tmp", path, ::getpid());
    {
        UniqueFd fd = open_fd(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
        try {
            write_all(fd.get(), id);
        } catch (...) {
            ::unlink(tmp.c_str());
            throw;
        }
    }
    int rc = ::link(tmp.c_str(), path.c_str());
    int err = errno;
    ::unlink(tmp.c_str());
    if (rc == 0) return;
    if (err == EEXIST)
        fail(ErrorKind::Conflict, "container id file {} exists: another container may use it; remove it first", path);
    throw_sys(err, "writing container id file {}", path);
}

void remove_cidfile(const ContainerConfig& c) noexcept {
    if (c.service.cidfile.empty()) return;
    try {
        auto text = read_file_if_exists(c.service.cidfile);
        if (text && *text == c.id) ::unlink(c.service.cidfile.c_str());
    } catch (...) {
    }
}

std::string read_cidfile(const std::string& path) {
    auto text = read_file_if_exists(path);
    if (!text) fail(ErrorKind::NotFound, "container id file {}: no such file", path);
    std::string id = *text;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (id.empty()) fail(ErrorKind::NotFound, "container id file {} is empty", path);
    return id;
}

void prevent_restart(const Context& ctx, const Store& store, const Container& c, bool mark) {
    (void)ctx;
    if (!has_policy(c.config)) return;
    const std::string& id = c.config.id;
    try {
        if (mark) atomic_write(state_file(store, id, kStoppedByUserFile), "", 0600, false);
    } catch (const Error&) {
    }
    if (!store.shim_alive(id)) return;
    auto conn = ShimConnection::connect(store.socket_dir(id));
    if (!conn) return;
    try {
        shim::Request r;
        r.op = "norestart";
        conn->request(r);
    } catch (const Error&) {
        return;  // an older shim, or one that is ending anyway
    }
    // Once the reply is here the shim restarts nothing more: the state now
    // tells whether it runs (the stop that follows ends it) or is between runs.
    if (store.load(id).state.status == kRunning) return;
    // Between two runs: the shim ends now. Wait for that, so that a start
    // or rm that follows finds it gone.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kShimEndMs);
    char buf[shim::kMaxPayload + 1];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !wait_readable(conn->fd(), static_cast<int>(left.count()))) return;
        if (read_some(conn->fd(), buf, sizeof buf) <= 0) break;
    }
    try {
        FileLock gone(store.socket_dir(id) + "/" + shim::kLockName, FileLock::Mode::Exclusive, kShimEndMs);
    } catch (const Error&) {
    }
}

void reset_restart_state(const Store& store, const std::string& id) {
    ::unlink(state_file(store, id, kStoppedByUserFile).c_str());
    ::unlink(state_file(store, id, kRestartCountFile).c_str());
}

bool stopped_by_user(const Store& store, const std::string& id) {
    return path_exists(state_file(store, id, kStoppedByUserFile));
}

void load_restart_state(const Store& store, Container& c) {
    auto text = read_file_if_exists(state_file(store, c.config.id, kRestartCountFile));
    if (!text) return;
    try {
        c.state.restart_count = std::stoi(*text);
    } catch (...) {
        return;
    }
    // The record has the first run's pid; the runtime's pid file the current one.
    if (auto pid = read_file_if_exists(store.socket_dir(c.config.id) + "/" + shim::kPidFileName)) {
        try {
            c.state.pid = std::stoi(*pid);
        } catch (...) {
        }
    }
}

}  // namespace conman
