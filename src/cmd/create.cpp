// conman create: make a container (shim + runtime create) without starting it.
#include <iostream>

#include "conman/cli.hpp"

namespace conman::cli {

CLI::App* register_create(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("create", "Create a container without starting it");
    auto o = std::make_shared<CreateOptions>();
    auto rest = std::make_shared<std::vector<std::string>>();
    add_create_flags(cmd, *o, *rest);
    cmd->callback([cmd, o, &st] {
        finish_create_options(*o, cmd->remaining(), st);
        Context ctx = st.context();
        std::cout << create_container(ctx, *o).container.config.id << "\n";
    });
    return cmd;
}

}  // namespace conman::cli
