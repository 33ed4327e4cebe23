// conman stop: stop signal, then SIGKILL after the timeout.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/service.hpp"
#include "conman/store.hpp"

namespace conman::cli {

CLI::App* register_stop(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("stop", "Stop one or more running containers");
    struct Flags {
        std::optional<int> time;
        bool all = false, ignore = false;
        std::vector<std::string> refs, cidfiles;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("-t,--time", f->time, "Seconds to wait before killing (default: the container's stop timeout)");
    cmd->add_flag("-a,--all", f->all, "Stop all running containers");
    cmd->add_flag("-i,--ignore", f->ignore, "Ignore containers that do not exist");
    cmd->add_option("--cidfile", f->cidfiles, "Read the container ID from this file")->allow_extra_args(false);
    cmd->add_option("CONTAINER", f->refs, "Containers to stop");
    cmd->callback([f, &st] {
        Context ctx = st.context();
        Store store(ctx);
        if (!add_cidfile_refs(st, f->cidfiles, f->ignore, f->refs)) return;
        auto refs = select_refs(store, f->refs, f->all, [](const Container& c) { return c.running(); }, "stop");
        for_each_ref(st, refs, [&](const std::string& ref) {
            auto id = resolve_or_ignore(store, ref, f->ignore);
            if (!id) return;
            stop_container(ctx, *id, f->time);
            std::cout << ref << "\n";
        });
    });
    return cmd;
}

}  // namespace conman::cli
