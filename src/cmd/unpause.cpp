// conman unpause: thaw the processes of one or more paused containers.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/resources.hpp"
#include "conman/store.hpp"

namespace conman::cli {

CLI::App* register_unpause(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("unpause", "Unpause the processes in one or more containers");
    struct Flags {
        bool all = false;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-a,--all", f->all, "Unpause all paused containers");
    cmd->add_option("CONTAINER", f->refs, "Containers to unpause");
    cmd->callback([f, &st] {
        Context ctx = st.context();
        Store store(ctx);
        auto refs = select_refs(store, f->refs, f->all,
                                [](const Container& c) { return c.state.status == kPaused; }, "unpause");
        for_each_ref(st, refs, [&](const std::string& ref) {
            unpause_container(ctx, ref);
            std::cout << ref << "\n";
        });
    });
    return cmd;
}

}  // namespace conman::cli
