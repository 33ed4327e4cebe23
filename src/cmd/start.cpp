// conman start: start created (or restart exited) containers; --all with
// --filter (restart-policy=always is what conman-restart.service runs at boot).
#include <iostream>
#include <map>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/sdnotify.hpp"
#include "conman/service.hpp"
#include "conman/store.hpp"

namespace conman::cli {

namespace {

using Filters = std::map<std::string, std::vector<std::string>>;

Filters parse_start_filters(const std::vector<std::string>& raw) {
    Filters out;
    for (auto& f : raw) {
        auto pos = f.find('=');
        std::string key = f.substr(0, pos);
        if (pos == std::string::npos || (key != "restart-policy" && key != "name" && key != "id" && key != "status" &&
                                         key != "label"))
            fail(ErrorKind::Usage, "invalid filter \"{}\": use restart-policy=, name=, id=, status= or label=", f);
        out[key].push_back(f.substr(pos + 1));
    }
    return out;
}

// Same key ORed, different keys ANDed (podman's rule). A container with
// unless-stopped that the user stopped does not match restart-policy:
// that policy means "not after a stop", reboots included.
bool start_filter_matches(const Store& store, const Container& c, const Filters& filters) {
    for (auto& [key, values] : filters) {
        bool any = false;
        for (auto& v : values) {
            if (key == "restart-policy")
                any |= c.config.service.restart_policy == v &&
                       !(v == "unless-stopped" && stopped_by_user(store, c.config.id));
            else if (key == "name") any |= c.config.name.find(v) != std::string::npos;
            else if (key == "id") any |= c.config.id.rfind(v, 0) == 0;
            else if (key == "status") any |= c.state.status == (v == "stopped" ? kExited : v);
            else if (key == "label") {
                auto pos = v.find('=');
                auto it = c.config.labels.find(v.substr(0, pos));
                any |= it != c.config.labels.end() && (pos == std::string::npos || it->second == v.substr(pos + 1));
            }
        }
        if (!any) return false;
    }
    return true;
}

}  // namespace

CLI::App* register_start(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("start", "Start one or more containers");
    struct Flags {
        bool attach = false;
        bool interactive = false;
        bool sig_proxy = true;
        bool all = false;
        std::vector<std::string> filters;
        std::string detach_keys = kDefaultDetachKeys;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-a,--attach", f->attach, "Attach to the container's output and wait for it");
    cmd->add_flag("-i,--interactive", f->interactive, "Attach stdin (with --attach)");
    cmd->add_option("--sig-proxy", f->sig_proxy, "Forward signals to the container when attached");
    cmd->add_flag("--all", f->all, "Start every container that is not running");
    cmd->add_option("-f,--filter", f->filters, "With --all: restart-policy=, name=, id=, status=, label=")
        ->allow_extra_args(false);
    add_detach_keys_flag(cmd, f->detach_keys);
    cmd->add_option("CONTAINER", f->refs, "Containers to start");
    cmd->callback([f, &st] {
        (void)notify_socket();  // never in the runtime's environment (`runc start`)
        Context ctx = st.context();
        if (!f->filters.empty() && !f->all) fail(ErrorKind::Usage, "--filter is only valid with --all");
        if (f->all && !f->refs.empty()) fail(ErrorKind::Usage, "--all and container names cannot be used together");
        if (!f->all && f->refs.empty()) fail(ErrorKind::Usage, "start needs at least one container name or ID, or --all");
        if (f->attach) {
            if (f->all || f->refs.size() != 1) fail(ErrorKind::Usage, "start --attach takes exactly one container");
            Container c = lookup_container(ctx, f->refs[0]);
            AttachIo io{f->interactive && c.config.stdin, c.config.tty, f->sig_proxy, f->detach_keys};
            parse_detach_keys(io.detach_keys);
            auto conn = start_container(ctx, c.config.id, true, io.stdin);
            notify_container_started(c.config, lookup_container(ctx, c.config.id).state.shim_pid);
            auto out = relay_session(ctx, c.config.id, *conn, io);
            st.exit_code = out.exit_code;
            return;
        }
        Store store(ctx);
        auto refs = f->refs;
        if (f->all) {
            auto filters = parse_start_filters(f->filters);
            std::vector<Container> all;
            {
                FileLock lock = store.lock_shared();
                all = store.load_all();
            }
            for (auto& c : all) {
                if (!c.running() && start_filter_matches(store, c, filters)) refs.push_back(c.config.id);
            }
        }
        for_each_ref(st, refs, [&](const std::string& ref) {
            std::string id = store.resolve(ref);
            start_container(ctx, id);
            if (!notify_socket().empty()) {
                Container c = lookup_container(ctx, id);
                notify_container_started(c.config, c.state.shim_pid);
            }
            std::cout << ref << "\n";
        });
    });
    return cmd;
}

}  // namespace conman::cli
