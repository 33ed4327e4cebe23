// conman pause: freeze every process of one or more running containers.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/resources.hpp"
#include "conman/store.hpp"

namespace conman::cli {

CLI::App* register_pause(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("pause", "Pause all the processes in one or more containers");
    struct Flags {
        bool all = false;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-a,--all", f->all, "Pause all running containers");
    cmd->add_option("CONTAINER", f->refs, "Containers to pause");
    cmd->callback([f, &st] {
        Context ctx = st.context();
        Store store(ctx);
        auto refs = select_refs(store, f->refs, f->all, [](const Container& c) { return c.running(); }, "pause");
        for_each_ref(st, refs, [&](const std::string& ref) {
            pause_container(ctx, ref);
            std::cout << ref << "\n";
        });
    });
    return cmd;
}

}  // namespace conman::cli
