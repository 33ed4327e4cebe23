// conman update: change a container's resource limits, live when it runs
// (runtime update) and in its record for inspect and later starts.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/resources.hpp"

namespace conman::cli {

CLI::App* register_update(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("update", "Update the resource limits of a container");
    struct Flags {
        ResourceFlags res;
        std::string pids_limit;
        std::string ref;
    };
    auto f = std::make_shared<Flags>();
    add_resource_flags(cmd, f->res);
    cmd->add_option("--pids-limit", f->pids_limit, "Most processes the container may have (0 or -1: no limit)");
    cmd->add_option("CONTAINER", f->ref, "Container to update")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        std::cout << update_container(ctx, f->ref, f->res, f->pids_limit) << "\n";
    });
    return cmd;
}

}  // namespace conman::cli
