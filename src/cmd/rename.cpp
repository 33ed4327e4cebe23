// conman rename: give a container a new name.
#include "conman/cli.hpp"
#include "conman/store.hpp"

namespace conman::cli {

CLI::App* register_rename(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("rename", "Rename a container");
    auto refs = std::make_shared<std::vector<std::string>>();
    cmd->add_option("CONTAINER NEWNAME", *refs, "Container and its new name")->expected(2)->required();
    cmd->callback([refs, &st] {
        Context ctx = st.context();
        rename_container(ctx, Store(ctx).resolve((*refs)[0]), (*refs)[1]);
    });
    return cmd;
}

}  // namespace conman::cli
