// start, stop, kill, rm, wait, rename, cleanup. Waiting always happens on
// the shim's socket (an event), never under the store lock.
#include <chrono>
#include <csignal>
#include <poll.h>

#include "conman/crash_point.hpp"
#include "conman/engine.hpp"
#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/fs.hpp"
#include "conman/names.hpp"
#include "conman/resources.hpp"
#include "conman/network.hpp"
#include "conman/runtime.hpp"
#include "conman/service.hpp"
#include "conman/timeutil.hpp"

namespace conman {

namespace {

constexpr int kKillWaitMs = 30000;  // after SIGKILL the exit must come quickly

// Reads until the shim closes the connection (it does after cleanup), bounded.
void wait_for_close(ShimConnection& conn, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    char buf[shim::kMaxPayload + 1];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        if (!wait_readable(conn.fd(), static_cast<int>(left.count()))) return;
        if (read_some(conn.fd(), buf, sizeof buf) <= 0) return;
    }
}

bool is_active(const Container& c) {
    return c.state.status == kRunning || c.state.status == kCreated || c.state.status == kPaused;
}

bool has_restart_policy(const Container& c) {
    return !c.config.service.restart_policy.empty() && c.config.service.restart_policy != "no";
}

// How often start and rm go round when another command changes the
// container under them before giving up with a conflict.
constexpr int kRaceRounds = 5;

// Waits (bounded) until the container's shim has released its lock. Never
// called under the store lock.
void wait_shim_gone(const Store& store, const std::string& id) {
    std::string path = store.socket_dir(id) + "/" + shim::kLockName;
    if (!path_exists(path)) return;
    try {
        FileLock gone(path, FileLock::Mode::Shared, kKillWaitMs);
    } catch (const Error&) {
        // Removed meanwhile, or still busy: the caller looks again.
    }
}

// A damaged record hides the container's state, but a live shim means it may
// still run: only --force removes it, killing it through its shim first.
void kill_damaged(const Store& store, const std::string& id, bool force) {
    if (!force)
        fail(ErrorKind::Conflict, "cannot remove container {}: its record is damaged and its shim still runs: use --force", id);
    if (auto conn = ShimConnection::connect(store.socket_dir(id))) {
        conn->kill_and_wait(SIGKILL, kKillWaitMs);
        wait_for_close(*conn, kKillWaitMs);
    }
}

}  // namespace

Container lookup_container(const Context& ctx, const std::string& ref) {
    Store store(ctx);
    FileLock lock = store.lock_shared();
    return store.load(store.resolve(ref));
}

namespace {


// Restart of an exited container: a new shim creates and starts it again.
std::optional<ShimConnection> restart(const Context& ctx, const Store& store, Container& c, bool attach) {
    const std::string& id = c.config.id;
    prevent_restart(ctx, store, c, false);  // a shim between two runs ends first
    reset_restart_state(store, id);
    // The previous shim may still be finishing (runtime delete, exit
    // command); its lock tells when it is gone.
    if (store.shim_alive(id)) {
        FileLock wait_gone(store.socket_dir(id) + "/" + shim::kLockName, FileLock::Mode::Exclusive, kKillWaitMs);
    }
    store.clear_run_state(id);
    crash_point("restart:cleared");
    OciRuntime(ctx).delete_force(id);
    std::optional<ShimConnection> conn;
    int64_t start_time = now_ns();
    // Before the runtime runs it: the shim's "died" must come after these.
    emit(ctx, c.config, "init");
    emit(ctx, c.config, "start");
    auto started = launch_shim(ctx, store, c.config, {.start = true, .attach = attach}, &conn);
    c.state = ContainerState{};
    c.state.pid = started.container_pid;
    c.state.shim_pid = started.shim_pid;
    store.save(c);
    store.mark_started(id, start_time);
    return conn;
}

}  // namespace

ShimConnection attach_container(const Context& ctx, const Container& c, bool with_stdin) {
    auto conn = ShimConnection::connect(Store(ctx).socket_dir(c.config.id));
    if (!conn) fail(ErrorKind::Conflict, "container {} is not running: nothing to attach to", c.config.name);
    conn->request(shim::Request{.op = "attach", .stdin = with_stdin && c.config.stdin, .stdout = true, .stderr = true});
    emit(ctx, c.config, "attach");
    return std::move(*conn);
}

std::optional<ShimConnection> start_container(const Context& ctx, const std::string& id, bool attach,
                                              bool attach_stdin) {
    Store store(ctx);
    FileLock lock = store.lock();
    Container c = store.load(id);
    // An exited container's shim may still be finishing: its runtime delete,
    // and for `run --rm` an exit command that needs the store lock. Wait for
    // it without holding the lock, then look again (run --rm may have removed
    // it). A shim between two runs of a restart policy is ended by restart().
    for (int round = 0; c.state.status == kExited && !has_restart_policy(c) && store.shim_alive(id); ++round) {
        if (round == kRaceRounds)
            fail(ErrorKind::Conflict, "container {} is being restarted by another command: try again", c.config.name);
        lock.unlock();
        wait_shim_gone(store, id);
        lock = store.lock();
        c = store.load(id);
    }
    if (c.state.status == "unknown") fail(ErrorKind::System, "container {}: {}", id, c.state.error);
    if (c.state.status == kExited) return restart(ctx, store, c, attach);
    reset_restart_state(store, id);
    std::optional<ShimConnection> conn;
    if (attach) conn = attach_container(ctx, c, attach_stdin);
    if (c.state.status == kRunning) return conn;
    if (c.state.status == kPaused)
        fail(ErrorKind::Conflict, "container {} is paused: unpause it instead of starting it", c.config.name);
    int64_t start_time = now_ns();
    emit(ctx, c.config, "start");  // before the process runs: its "died" must come later
    crash_point("start:before-runtime");
    try {
        OciRuntime(ctx).start(id);
    } catch (const Error& e) {
        // A process that exits at once can be gone (and the shim can have
        // deleted its runtime state) before `runc start` has removed its
        // exec fifo, which runc then reports as an error. It did start: only
        // a container still in "created" (or unknown without an exit record) failed to.
        auto rs = OciRuntime(ctx).state(id);
        bool ran = rs ? *rs == "running" || *rs == "stopped" || *rs == "paused" : path_exists(store.exit_path(id));
        if (!ran) throw e.prefixed(fmt::format("starting container {}", c.config.name));
    }
    crash_point("start:runtime-started");
    store.mark_started(id, start_time);
    return conn;
}

void stop_container(const Context& ctx, const std::string& id, std::optional<int> timeout) {
    Container c = lookup_container(ctx, id);
    if (!c.config.service.restart_policy.empty() && c.config.service.restart_policy != "no") {
        prevent_restart(ctx, Store(ctx), c);
        c = lookup_container(ctx, id);  // it may have been restarted meanwhile
    }
    if (!is_active(c)) return;
    if (c.state.status == kPaused)
        fail(ErrorKind::Conflict, "can only stop created or running containers: {} is paused (unpause it first)",
             c.config.name);
    emit(ctx, c.config, "stop");
    Store store(ctx);
    auto conn = ShimConnection::connect(store.socket_dir(id));
    if (!conn) return;  // the shim went away: nothing left running
    int secs = timeout.value_or(c.config.stop_timeout);
    if (secs > 0 && conn->kill_and_wait(parse_signal(c.config.stop_signal), secs * 1000)) {
        crash_point("stop:exited");
        wait_for_close(*conn, kKillWaitMs);
        if (has_network_teardown(c.config)) teardown_container_network(ctx, id);  // done already unless the shim's exit command failed
        return;
    }
    if (!conn->kill_and_wait(SIGKILL, kKillWaitMs))
        fail(ErrorKind::System, "container {} did not exit {} s after SIGKILL", c.config.name, kKillWaitMs / 1000);
    crash_point("stop:exited");
    wait_for_close(*conn, kKillWaitMs);
    if (has_network_teardown(c.config)) teardown_container_network(ctx, id);
}

void kill_container(const Context& ctx, const std::string& id, int sig) {
    Container c = lookup_container(ctx, id);
    if (c.state.status != kRunning && c.state.status != kPaused)
        fail(ErrorKind::Conflict, "can only kill running containers: {} is in state {}", c.config.name, c.state.status);
    prevent_restart(ctx, Store(ctx), c);
    auto conn = ShimConnection::connect(Store(ctx).socket_dir(id));
    if (!conn) fail(ErrorKind::Conflict, "container {} is not running: its shim is gone", c.config.name);
    emit(ctx, c.config, "kill");  // before the signal: the "died" it may cause comes after
    try {
        conn->kill(sig);
    } catch (const Error&) {
        // It may have exited since we looked: then say so, as above.
        Container now = lookup_container(ctx, id);
        if (now.state.status != kRunning && now.state.status != kPaused)
            fail(ErrorKind::Conflict, "can only kill running containers: {} is in state {}", now.config.name,
                 now.state.status);
        throw;
    }
}

void remove_container(const Context& ctx, const std::string& id, bool force, std::optional<int> timeout) {
    Container c = lookup_container(ctx, id);
    if ((c.state.status == kRunning || c.state.status == kPaused) && !force)
        fail(ErrorKind::Conflict, "cannot remove container {} as it is {}: stop it first or use --force", c.config.id,
             c.state.status);
    Store store(ctx);
    if (c.state.status == "unknown" && store.shim_alive(id)) kill_damaged(store, id, force);
    std::optional<FileLock> lock;
    // Stopping happens without the store lock, so a concurrent start can run
    // it again before the lock is taken: with --force, stop it again.
    for (int round = 0;; ++round) {
        prevent_restart(ctx, store, c);
        if (c.state.status == kPaused) thaw_for_removal(ctx, id);
        if (is_active(c)) {
            if (c.state.status == kCreated) timeout = 0;
            stop_container(ctx, id, timeout.value_or(0));
        }
        lock = store.lock();
        if (!path_exists(store.dir(id))) return;  // removed meanwhile (e.g. --rm cleanup)
        c = store.load(id);
        if (!is_active(c)) break;
        if (!force || round == kRaceRounds)
            fail(ErrorKind::Conflict, "container {} was started again while being removed", c.config.name);
        lock.reset();
    }
    // A shim that died without its cleanup may have left runtime state.
    if (!path_exists(store.exit_path(id)) || c.state.status == "unknown") OciRuntime(ctx).delete_force(id);
    crash_point("rm:runtime-deleted");
    teardown_container_network(ctx, id);
    crash_point("rm:network-down");
    store.remove(c);
    emit(ctx, c.config, "remove");
}

int wait_container(const Context& ctx, const std::string& id) {
    Container c = lookup_container(ctx, id);
    if (is_active(c)) {
        if (auto conn = ShimConnection::connect(Store(ctx).socket_dir(id))) {
            if (auto rec = conn->wait_exit(-1)) return rec->exit_code;
        }
        c = lookup_container(ctx, id);
    }
    return c.state.exit_code;
}

void rename_container(const Context& ctx, const std::string& id, const std::string& new_name) {
    if (!valid_name(new_name))
        fail(ErrorKind::Usage, "invalid container name \"{}\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", new_name);
    Store store(ctx);
    FileLock lock = store.lock();
    Container c = store.load(id);
    if (c.config.name == new_name) return;
    store.claim_name(new_name, id);
    std::string old = c.config.name;
    c.config.name = new_name;
    try {
        store.save(c);
    } catch (...) {
        store.release_name(new_name, id);
        throw;
    }
    store.release_name(old, id);
}

void cleanup_container(const Context& ctx, const std::string& id, bool remove) {
    Store store(ctx);
    if (!remove) {
        // Network teardown only, without the store lock: `start` may hold it
        // while it waits for this shim to finish.
        if (!path_exists(store.record_path(id))) {
            teardown_container_network(ctx, id);
            return;
        }
        Container c = store.load(id);
        if (!is_active(c)) teardown_container_network(ctx, id);
        return;
    }
    FileLock lock = store.lock();
    if (!path_exists(store.record_path(id))) return;
    Container c = store.load(id);
    if (is_active(c)) return;  // restarted meanwhile: nothing to clean
    if (remove) {
        store.remove(c);
        emit(ctx, c.config, "remove");
        remove_anonymous_volumes(ctx, store, c.config);  // --rm takes its anonymous volumes along
    }
    teardown_container_network(ctx, id);
    if (remove) store.remove(c);
}

}  // namespace conman
