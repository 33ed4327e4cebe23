// conman stop: stop signal, then SIGKILL after the timeout.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/store.hpp"

namespace conman::cli {

CLI::App* register_stop(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("stop", "Stop one or more running containers");
    struct Flags {
        std::optional<int> time;
        bool all = false, ignore = false;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("-t,--time", f->time, "Seconds to wait before killing (default: the container's stop timeout)");
    cmd->add_flag("-a,--all", f->all, "Stop all running containers");
    cmd->add_flag("-i,--ignore", f->ignore, "Ignore containers that do not exist");
    cmd->add_option("CONTAINER", f->refs, "Containers to stop");
    cmd->callback([f, &st] {
        Context ctx = st.context();
        Store store(ctx);
        if (f->all) {
            for (auto& c : store.load_all()) {
                if (c.running()) f->refs.push_back(c.config.id);
            }
        } else if (f->refs.empty()) {
            fail(ErrorKind::Usage, "stop needs at least one container name or ID, or --all");
        }
        for_each_ref(st, f->refs, [&](const std::string& ref) {
            std::string id;
            try {
                id = store.resolve(ref);
            } catch (const Error& e) {
                if (f->ignore && e.kind() == ErrorKind::NotFound) return;
                throw;
            }
            stop_container(ctx, id, f->time);
            std::cout << ref << "\n";
        });
    });
    return cmd;
}

}  // namespace conman::cli
