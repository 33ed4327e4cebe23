// pause, unpause and update: the verbs that change a running container's
// cgroup through the runtime (runc pause/resume/update). "paused" is derived
// like every status (store.cpp): a marker file in the container's run
// directory, written after `runc pause` succeeded and removed after `runc
// resume`, both under the store's exclusive lock, so readers (which take the
// shared lock) never see a state the freezer does not have.
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

#include "conman/engine.hpp"
#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/fs.hpp"
#include "conman/process.hpp"
#include "conman/resources.hpp"
#include "conman/runtime.hpp"

namespace conman {

namespace {

constexpr int kRuntimeTimeoutMs = 60000;

void run_runtime(const Context& ctx, const std::string& verb, const std::string& id,
                 const std::vector<std::string>& args = {}) {
    std::vector<std::string> argv = {ctx.require_runtime(), "--root", ctx.runtime_root(), verb};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(id);
    auto r = run_capture(argv, kRuntimeTimeoutMs);
    if (r.status != 0) fail(ErrorKind::Runtime, "{}", runtime_error_text(r.err));
}

void refuse_rootless(const Context& ctx, const char* verb) {
    if (ctx.rootless)
        fail(ErrorKind::Usage, "{} needs a cgroup of the container's own (the freezer), which rootless conman does not "
                               "have here", verb);
}

}  // namespace

std::string paused_marker(const Context& ctx, const std::string& id) { return ctx.socket_dir(id) + "/paused"; }

void pause_container(const Context& ctx, const std::string& ref) {
    refuse_rootless(ctx, "pause");
    Store store(ctx);
    FileLock lock = store.lock();
    Container c = store.load(store.resolve(ref));
    const std::string& id = c.config.id;
    if (c.state.status == kPaused) fail(ErrorKind::Conflict, "container {} is already paused", c.config.name);
    if (c.state.status != kRunning)
        fail(ErrorKind::Conflict, "can only pause running containers: {} is {}", c.config.name, c.state.status);
    try {
        run_runtime(ctx, "pause", id);
    } catch (const Error& e) {
        throw e.prefixed(fmt::format("pausing container {}", c.config.name));
    }
    try {
        atomic_write(paused_marker(ctx, id), "", 0600, false);
    } catch (...) {
        try {
            run_runtime(ctx, "resume", id);
        } catch (...) {
        }
        throw;
    }
    emit(ctx, c.config, "pause");
}

void unpause_container(const Context& ctx, const std::string& ref) {
    refuse_rootless(ctx, "unpause");
    Store store(ctx);
    FileLock lock = store.lock();
    Container c = store.load(store.resolve(ref));
    const std::string& id = c.config.id;
    if (c.state.status != kPaused)
        fail(ErrorKind::Conflict, "can only unpause paused containers: {} is {}", c.config.name, c.state.status);
    try {
        run_runtime(ctx, "resume", id);
    } catch (const Error& e) {
        throw e.prefixed(fmt::format("unpausing container {}", c.config.name));
    }
    ::unlink(paused_marker(ctx, id).c_str());
    emit(ctx, c.config, "unpause");
}

// rm -f of a paused container: SIGKILL first (it stays pending in the frozen
// process), then thaw, so the container dies without running another instruction.
void thaw_for_removal(const Context& ctx, const std::string& id) {
    Store store(ctx);
    FileLock lock = store.lock();
    Container c = store.load(id);
    if (c.state.status != kPaused) return;
    if (auto conn = ShimConnection::connect(store.socket_dir(id))) {
        try {
            conn->kill(SIGKILL);
        } catch (const Error&) {
        }
    }
    run_runtime(ctx, "resume", id);
    ::unlink(paused_marker(ctx, id).c_str());
    emit(ctx, c.config, "unpause");
}

std::string update_container(const Context& ctx, const std::string& ref, const ResourceFlags& f,
                             const std::string& pids_limit) {
    if (!f.any() && pids_limit.empty())
        fail(ErrorKind::Usage, "update needs at least one limit to change (--memory, --cpus, --pids-limit, ...)");
    CgroupSupport sup = probe_cgroup_support();
    Store store(ctx);
    FileLock lock = store.lock();
    Container c = store.load(store.resolve(ref));
    ResourcesConfig r = c.config.resources;
    apply_resource_flags(r, f, sup, ctx.rootless);
    int64_t pids = -1;  // unchanged
    if (!pids_limit.empty()) {
        if (ctx.rootless)
            fail(ErrorKind::Usage, "--pids-limit {}: resource limits need a delegated cgroup, which rootless conman "
                                   "does not have here", pids_limit);
        if (pids_limit == "-1" || pids_limit == "0") pids = 0;
        else if (pids_limit.find_first_not_of("0123456789") == std::string::npos) pids = std::stoll(pids_limit);
        else fail(ErrorKind::Usage, "invalid --pids-limit \"{}\": use a number (0 or -1: unlimited)", pids_limit);
    }
    const std::string& id = c.config.id;
    if (c.state.status == kRunning || c.state.status == kPaused || c.state.status == kCreated) {
        try {
            run_runtime(ctx, "update", id, runtime_update_args(r, sup, pids));
        } catch (const Error& e) {
            throw e.prefixed(fmt::format("updating container {}", c.config.name));
        }
    }
    c.config.resources = r;
    if (pids >= 0) c.config.security.pids_limit = pids;
    store.save(c);
    // The bundle's spec is what a later start (a new runtime create) uses.
    std::string spec_path = store.bundle_dir(id) + "/config.json";
    if (auto text = read_file_if_exists(spec_path)) {
        auto spec = nlohmann::json::parse(*text, nullptr, false);
        if (spec.is_object()) {
            auto& res = spec["linux"]["resources"];
            res.erase("memory");
            res.erase("cpu");
            res.erase("blockIO");
            add_oci_resources(res, r, sup);
            if (pids >= 0) {
                if (pids > 0 && !ctx.rootless) res["pids"] = {{"limit", pids}};
                else res.erase("pids");
            }
            atomic_write(spec_path, spec.dump(), 0600, false);
        }
    }
    emit(ctx, c.config, "update");
    return id;
}

}  // namespace conman
