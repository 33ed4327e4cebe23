// system check, container side (see system_check.hpp). Runs under the store
// lock: no create, start or rm is halfway through while it looks.
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <set>

#include "conman/container_rootfs.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/names.hpp"
#include "conman/network.hpp"
#include "conman/runtime.hpp"
#include "conman/service.hpp"
#include "conman/shim_client.hpp"
#include "conman/store.hpp"
#include "conman/system_check.hpp"
#include "conman/timeutil.hpp"

namespace conman {

namespace {

constexpr int kShimKillWaitMs = 10000;

bool is_hex_id(const std::string& s) { return s.size() == 64 && looks_like_id_prefix(s); }

std::string read_link(const std::string& path) {
    char buf[PATH_MAX];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

class ContainerChecker {
public:
    ContainerChecker(const Context& ctx, CheckReport& report) : ctx_(ctx), store_(ctx), report_(report) {}

    void run() {
        for (auto& id : store_.ids()) known_.insert(id);
        trash();
        names();
        containers();
        runtime_states();
        socket_dirs();
        network_leftovers();
    }

private:
    static std::string label(const std::string& id, const std::string& name) {
        return name.empty() ? "container " + short_id(id) : fmt::format("container {} ({})", short_id(id), name);
    }

    void kill_shim(const std::string& id) const {
        if (auto conn = ShimConnection::connect(store_.socket_dir(id))) conn->kill_and_wait(SIGKILL, kShimKillWaitMs);
    }

    void unlink_names_of(const std::string& id) const {
        for (auto& n : list_dir(ctx_.names_dir())) {
            std::string p = ctx_.names_dir() + "/" + n;
            if (read_link(p) == id) ::unlink(p.c_str());
        }
    }

    // Everything a container can own outside its directory, then the directory.
    void purge(const Container& c) const {
        const std::string& id = c.config.id;
        kill_shim(id);
        OciRuntime(ctx_).delete_force(id);
        teardown_container_network(ctx_, id);
        unlink_names_of(id);
        store_.remove(c);
    }

    // A .removing-<id> directory: rm renamed it away and was killed before the end.
    void trash() {
        std::string prefix = Store::kTrashPrefix;
        for (auto& entry : list_dir(ctx_.containers_dir())) {
            if (entry.rfind(prefix, 0) != 0) continue;
            std::string id = entry.substr(prefix.size());
            std::string dir = ctx_.containers_dir() + "/" + entry;
            report_.add(label(id, ""), "its removal was interrupted (" + dir + " is left)", "finish the removal", [&] {
                kill_shim(id);
                OciRuntime(ctx_).delete_force(id);
                teardown_container_network(ctx_, id);
                release_rootfs(dir);
                if (is_mount_point(dir + "/merged")) fail(ErrorKind::System, "{}/merged is still mounted", dir);
                if (auto text = read_file_if_exists(dir + "/config.json")) {
                    auto j = nlohmann::json::parse(*text, nullptr, false);
                    if (j.is_object() && j.contains("config")) {
                        try {
                            remove_cidfile(j["config"].get<ContainerConfig>());
                        } catch (const std::exception&) {
                        }
                    }
                }
                unlink_names_of(id);
                remove_all(store_.socket_dir(id));
                remove_all(dir);
            });
        }
    }

    // names/<name> entries: each must be a link to a container that exists.
    void names() {
        for (auto& n : list_dir(ctx_.names_dir())) {
            std::string p = ctx_.names_dir() + "/" + n;
            struct stat st;
            if (::lstat(p.c_str(), &st) < 0) continue;
            std::string problem;
            if (!S_ISLNK(st.st_mode)) problem = "is not a link to a container";
            else if (!known_.count(read_link(p))) problem = "names container " + short_id(read_link(p)) + ", which does not exist";
            if (problem.empty()) continue;
            report_.add("name " + n, problem, "remove the entry", [&] {
                if (::unlink(p.c_str()) < 0 && errno != ENOENT) throw_sys(errno, "removing {}", p);
            });
        }
    }

    void containers() {
        for (auto& id : known_) {
            Container c = store_.load(id);
            std::string what = label(id, c.config.name);
            if (!path_exists(store_.record_path(id))) {
                report_.add(what, "has no record: its create was interrupted", "remove it and all it holds",
                            [&] { purge(c); });
                handled_.insert(id);
                continue;
            }
            if (c.state.status == "unknown") {
                report_.add(what, c.state.error, "remove it and all it holds", [&] { purge(c); });
                handled_.insert(id);
                continue;
            }
            if (!path_exists(store_.exit_path(id)) && !store_.shim_alive(id)) {
                report_.add(what, "its conman-shim is gone and left no exit record",
                            "stop what is left of it and record it as exited", [&] { record_lost_shim(c); });
                handled_.insert(id);
            }
            if (c.state.status == kCreated && !path_exists(store_.started_path(id)) && runtime_says_running(id)) {
                report_.add(what, "its start was interrupted: it runs but is listed as created",
                            "list it as running", [&] { store_.mark_started(id, now_ns()); });
            }
            check_own_name(c, what);
        }
    }

    bool runtime_says_running(const std::string& id) const {
        return !ctx_.runtime_path.empty() && OciRuntime(ctx_).state(id).value_or("") == "running";
    }

    void record_lost_shim(const Container& c) const {
        const std::string& id = c.config.id;
        OciRuntime rt(ctx_);
        bool was_running = runtime_says_running(id);
        rt.delete_force(id);
        teardown_container_network(ctx_, id);
        shim::ExitRecord r;
        r.exit_code = was_running ? 128 + SIGKILL : -1;
        r.signal = was_running ? SIGKILL : 0;
        r.exited_at = now_ns();
        r.reason = was_running ? "its conman-shim died; `conman system check --repair` killed the container"
                               : "its conman-shim died without recording the container's exit";
        atomic_write(store_.exit_path(id), shim::encode_exit(r));
    }

    void check_own_name(const Container& c, const std::string& what) const {
        const std::string& name = c.config.name;
        if (name.empty() || !valid_name(name)) return;
        std::string target = read_link(ctx_.names_dir() + "/" + name);
        if (target == c.config.id) return;
        if (!target.empty() && known_.count(target)) {
            report_.add(what, "its name is also held by container " + short_id(target), "", {});
            return;
        }
        report_.add(what, "its name is missing from the names index", "add it again",
                    [&] { store_.claim_name(name, c.config.id); });
    }

    // Runtime containers conman no longer accounts for.
    void runtime_states() {
        OciRuntime rt(ctx_);
        std::vector<std::string> ids;
        try {
            ids = rt.list();
        } catch (const Error& e) {
            report_.add("runtime " + ctx_.runtime_name, e.what(), "", {});
            return;
        }
        for (auto& id : ids) {
            if (handled_.count(id)) continue;
            if (!known_.count(id)) {
                report_.add("runtime container " + short_id(id), "belongs to no container", "delete it",
                            [&] { rt.delete_force(id); });
            } else if (!store_.shim_alive(id) && path_exists(store_.exit_path(id))) {
                report_.add(label(id, store_.load(id).config.name), "exited but its runtime state was left",
                            "delete the runtime state", [&] { rt.delete_force(id); });
            }
        }
    }

    // <runroot>/<id>/: a shim's socket dir; without a container it is debris
    // (or a shim still running for a container that is gone).
    void socket_dirs() {
        for (auto& id : list_dir(ctx_.runroot)) {
            if (!is_hex_id(id) || known_.count(id)) continue;
            bool alive = store_.shim_alive(id);
            report_.add(label(id, ""),
                        alive ? "its conman-shim still runs but the container is gone"
                              : "its shim state " + store_.socket_dir(id) + " was left behind",
                        alive ? "stop the shim and remove its state" : "remove it", [&] {
                            kill_shim(id);
                            OciRuntime(ctx_).delete_force(id);
                            remove_all(store_.socket_dir(id));
                        });
        }
    }

    // <runroot>/netns/<id>[.json|.slirp]: a network whose container is gone or not running.
    void network_leftovers() {
        std::set<std::string> ids;
        for (auto& f : list_dir(ctx_.runroot + "/netns")) {
            std::string id = f.substr(0, f.find('.'));
            if (is_hex_id(id)) ids.insert(id);
        }
        for (auto& id : ids) {
            if (handled_.count(id)) continue;
            if (known_.count(id) && store_.shim_alive(id)) continue;
            report_.add(label(id, known_.count(id) ? store_.load(id).config.name : ""),
                        known_.count(id) ? "is not running but its network is still set up"
                                         : "is gone but its network is still set up",
                        "tear the network down", [&] { teardown_container_network(ctx_, id); });
        }
    }

    const Context& ctx_;
    Store store_;
    CheckReport& report_;
    std::set<std::string> known_;    // container IDs with a directory
    std::set<std::string> handled_;  // repaired as a whole already
};

}  // namespace

void check_containers(const Context& ctx, CheckReport& report) { ContainerChecker(ctx, report).run(); }

}  // namespace conman
